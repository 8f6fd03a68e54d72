#!/bin/sh
# Each network at its best: a template per network (Mastodon's and
# Bluesky's built-in ones carry the repository's page, X's does not).
. "${0%/*}/lib.sh"

dh-parse <"$DATA/payload.json" >"$T/ev.json" ||
    { echo "Bail out! dh-parse"; exit 1; }
REPO_URL=https://hub.docker.com/r/sealark/weather-station
: >"$T/empty.conf"
chmod 600 "$T/empty.conf"
HUBTWEET_CONFIG=$T/empty.conf
export HUBTWEET_CONFIG

# No template set: the built-in one per network.
run_in "$T/ev.json" dh-format --for x
is "$OUT" "New release 1.4.2 of sealark/weather-station: docker pull sealark/weather-station:1.4.2" "X: the built-in template, no link"
for n in mastodon bluesky; do
	run_in "$T/ev.json" dh-format --for "$n"
	is "$OUT" "New release 1.4.2 of sealark/weather-station: docker pull sealark/weather-station:1.4.2 $REPO_URL" "$n: the built-in template, with the link"
	run dh-format --for "$n" -C
	like_out '^template: the built-in one, with the link$' "$n: -C says which template"
done
run dh-format -C
like_out '^template: the built-in one$' "X: -C says which template"

# format.template serves every network that has none of its own.
printf 'format: { template = "{tag} out"; };\nmastodon: { template = "{tag} on Mastodon {repo_url}"; };\n' >"$T/t.conf"
chmod 600 "$T/t.conf"
for n in x bluesky; do
	run_in "$T/ev.json" dh-format -c "$T/t.conf" --for "$n"
	is "$OUT" "1.4.2 out" "$n: format.template when it has no template of its own"
done
run_in "$T/ev.json" dh-format -c "$T/t.conf" --for mastodon
is "$OUT" "1.4.2 on Mastodon $REPO_URL" "mastodon.template"
run_in "$T/ev.json" dh-format -c "$T/t.conf" --for mastodon -t '{tag}!'
is "$OUT" "1.4.2!" "-t overrides mastodon.template"
run dh-format -c "$T/t.conf" --for mastodon -C
like_out "^template: $T/t\\.conf: mastodon\\.template\$" "-C names mastodon.template"
printf 'bluesky: { template = "{tga}"; };\n' >"$T/bad.conf"
chmod 600 "$T/bad.conf"
run_in "$T/ev.json" dh-format -c "$T/bad.conf" --for bluesky
expect 78 "^dh-format: $T/bad\\.conf: bluesky\\.template:1:1: unknown field \"tga\": not an event field" "a wrong bluesky.template: 78, named"
run_in "$T/ev.json" dh-format -c "$T/bad.conf" --for x
is_status 0 "... and X, which does not use it, formats on"

# End to end, no template set: what each network's mock received.
mock_x_start || { echo "Bail out! no mock X API"; exit 1; }
mock_mastodon_start || { echo "Bail out! no mock Mastodon"; exit 1; }
mock_bsky_start || { echo "Bail out! no mock PDS"; exit 1; }
dh-format --json --for x <"$T/ev.json" | tw-post --json >/dev/null 2>"$T/log"
dh-format --json --for mastodon <"$T/ev.json" | mastodon-post --json >/dev/null 2>>"$T/log"
dh-format --json --for bluesky <"$T/ev.json" | bsky-post --json >/dev/null 2>>"$T/log"
unlike "$(cat "$MOCK_POSTS")" 'https://' "X: the post carries no link"
like "$(cat "$MOCK_POSTS")" 'docker pull sealark/weather-station:1\.4\.2' "X: the post"
like "$(cat "$MASTO_DIR/posts")" "\"status\": \"New release 1\\.4\\.2 of sealark/weather-station: docker pull sealark/weather-station:1\\.4\\.2 $REPO_URL\"" "Mastodon: the post carries the repository's link"
like "$(cat "$BSKY_DIR/posts")" "\"text\": \"New release 1\\.4\\.2 of sealark/weather-station: docker pull sealark/weather-station:1\\.4\\.2 $REPO_URL\"" "Bluesky: the post carries the repository's link"

done_testing
