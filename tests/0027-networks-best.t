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

# Bluesky's card: dh-format --json --for bluesky carries it, made from the
# event alone; bsky-post embeds it as given.
run_in "$T/ev.json" dh-format --json --for bluesky
like_out "\"card\":\\{\"uri\":\"$REPO_URL\",\"title\":\"sealark/weather-station 1\\.4\\.2\",\"description\":\"Collects readings from home weather stations\"\\}" "--for bluesky --json: the card of the first link"
for n in x mastodon; do
	run_in "$T/ev.json" dh-format --json --for "$n"
	unlike "$OUT" '"card"' "--for $n: no card"
done
run_in "$T/ev.json" dh-format --json --for bluesky -t '{tag} is out'
unlike "$OUT" '"card"' "--for bluesky, no link in the post: no card"
run_in "$T/ev.json" dh-format --json --for bluesky -t '{tag}: example.org/a and {repo_url}'
like_out '"card":\{"uri":"https://example\.org/a",' "the first link, https:// added when it has none"
python3 -c 'import json,sys; e=json.load(sys.stdin); e["description"]=None; print(json.dumps(e))' <"$T/ev.json" >"$T/nodesc.json"
run_in "$T/nodesc.json" dh-format --json --for bluesky
like_out '"description":"A new release of this container image\."\}' "no description: the fixed sentence"
BSKY_POSTS=$BSKY_DIR/posts
embed() { # embed N: the external card of the mock's post N, as JSON
	python3 -c 'import json,sys
p = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1]
print(json.dumps(p.get("embed"), sort_keys=True))' "$BSKY_POSTS" "$1"
}
is "$(embed 1)" "{\"\$type\": \"app.bsky.embed.external\", \"external\": {\"description\": \"Collects readings from home weather stations\", \"title\": \"sealark/weather-station 1.4.2\", \"uri\": \"$REPO_URL\"}}" "Bluesky: the post with a link has its external card"

# Hashtags: a tag facet whose bytes are exactly the tag, '#' included.
tags() { # tags N: "BYTES=TAG" of each tag facet of the mock's post N
	# shellcheck disable=SC2016 # Python's text, "$type" a key
	python3 -c 'import json,sys
p = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1]
b = p["text"].encode()
for f in p.get("facets") or []:
    for ft in f["features"]:
        if ft["$type"] == "app.bsky.richtext.facet#tag":
            i = f["index"]
            print("%s=%s" % (b[i["byteStart"]:i["byteEnd"]].decode(), ft["tag"]))' "$BSKY_POSTS" "$1"
}
dh-format --json --for bluesky -t '{tag} is out #docker {repo_url}' <"$T/ev.json" >"$T/tagged.json"
run_in "$T/tagged.json" bsky-post --json
is_status 0 "a post with #docker: posted"
is "$(tags 2)" "#docker=docker" "its tag facet covers exactly the bytes of #docker"
is "$(embed 2 | grep -c external)" 1 "and the link its card"
# Bluesky's rules: after white space or at the start; the run up to white
# space; not digits and punctuation alone; trailing punctuation left out;
# the full-width sign too; at most 64 characters.
long=$(python3 -c 'print("a" * 65)')
wide=$(printf '\357\274\203')
run bsky-post "#start ünï #café. a#not #1.0 #v1.0, (#paren) #c++ ${wide}wide #$long #🐳 end #"
is_status 0 "a post of hashtags: posted"
is "$(tags 3 | tr '\n' ' ')" "#start=start #café=café #v1.0=v1.0 #c++=c++ ${wide}wide=wide #🐳=🐳 " "the tags Bluesky's rules find, at their exact bytes"

# The card travels through the queue.
sed s/1.4.2@/1.4.3@/ "$T/tagged.json" >"$T/tagged2.json"
run_in "$T/tagged2.json" bsky-post --json -q "$T/bq"
is_status 0 "queued and posted"
is "$(embed 4 | grep -c external)" 1 "the queued post has its card"
printf '{"text":"see https://example.org","card":{"uri":"ftp://x","title":"t","description":"d"}}\n' >"$T/badcard.json"
run_in "$T/badcard.json" bsky-post --json
expect 65 'card: expected \{"uri": an http\(s\) URL, "title", "description"\}' "a card that is not one: 65, said"

# Mastodon's own limit: mastodon-post --check asks the instance (here one
# that allows 1,000 characters, a link counting 30) and keeps what it
# says; dh-format --for mastodon and mastodon-post fit and check to it.
mock_mastodon_start --max-characters 1000 --url-chars 30 ||
    { echo "Bail out! no second mock Mastodon"; exit 1; }
KEPT=$STATE_DIRECTORY/mastodon-instance.json
python3 -c 'import json,sys; e=json.load(sys.stdin); e["description"]="x" * 1200; print(json.dumps(e))' <"$T/ev.json" >"$T/long.json"
run_in "$T/long.json" dh-format --for mastodon --json -t '{description} {repo_url}'
like_out '"weighted_length":500,' "before --check: fitted to 500"
run mastodon-post --check
is_status 0 "mastodon-post --check: 0"
like_out "^instance: 1000 characters, a link 30 \\(kept in $KEPT\\)\$" "it says the instance's limits, and where they are kept"
like "$(cat "$KEPT")" "\"url\":\"$MASTODON_URL\",\"max_characters\":1000,\"characters_reserved_per_url\":30" "kept with the instance's URL"
run_in "$T/long.json" dh-format --for mastodon --json -t '{description} {repo_url}'
like_out '"weighted_length":1000,' "after --check: fitted to 1000"
a=$(mock_get "$MASTODON_URL" accepted)
printf '%s\n' "$OUT" | mastodon-post --json >/dev/null 2>"$T/log"
is "$(mock_get "$MASTODON_URL" accepted)" "$((a + 1))" "mastodon-post sends it; the instance takes it"
is "$(python3 -c 'import json,sys,re
p = [json.loads(l) for l in open(sys.argv[1])][-1]
print(len(re.sub(r"https://\S+", "x" * 30, p["status"])))' "$MASTO_DIR/posts")" 1000 "the post is 1000 characters as the instance counts them"
printf 'mastodon: { max_characters = 600; };\n' >"$T/m.conf"
chmod 600 "$T/m.conf"
run_in "$T/long.json" dh-format -c "$T/m.conf" --for mastodon --json -t '{description}'
like_out '"weighted_length":1000,' "the kept limit wins over mastodon.max_characters"
run_in "$T/long.json" dh-format --for mastodon --json -m 700 -t '{description}'
like_out '"weighted_length":700,' "-m wins over the kept limit"
run_in "$T/long.json" env MASTODON_URL=https://other.example dh-format --for mastodon --json -t '{description}'
like_out '"weighted_length":500,' "another instance: the kept limits are not its"
python3 -c 'print("x" * 1001)' >"$T/m1001"
run_in "$T/m1001" mastodon-post -n
expect 65 'too long: length 1001, 1001 bytes, at most 1000' "mastodon-post checks posts against the kept limit"
# What goes wrong.
cp "$KEPT" "$T/kept.json"
printf 'not json' >"$KEPT"
run_in "$T/long.json" dh-format --for mastodon --json -t '{description}'
is_status 0 "a kept file that cannot be read: dh-format goes on"
like_err "^dh-format: $KEPT:1:[0-9]+: " "... and says so"
like_out '"weighted_length":500,' "... with the config's limit"
cp "$T/kept.json" "$KEPT"
run env STATE_DIRECTORY="$T/long.json" mastodon-post -C
expect 73 "^mastodon-post: $T/long\\.json/mastodon-instance\\.json\\.[0-9]+\\.tmp: cannot create: Not a directory\$" "--check, the limits cannot be kept: 73"
like_out '^instance: 1000 characters, a link 30$' "... the limits said all the same"
mock_mastodon_start --instance 500 || { echo "Bail out! no third mock"; exit 1; }
run mastodon-post -C
expect 69 "^mastodon-post: $MASTODON_URL/api/v2/instance: the instance answered 500\$" "--check, the instance answers 500: 69"
mock_mastodon_start --instance empty || { echo "Bail out! no fourth mock"; exit 1; }
run mastodon-post -C
expect 69 "^mastodon-post: $MASTODON_URL/api/v2/instance: the instance's answer has no configuration\\.statuses\\.max_characters from 1 to 100000\$" "--check, an answer without the limit: 69"
run env -u MASTODON_URL mastodon-post -C
expect 78 '^mastodon-post: mastodon.url \(MASTODON_URL\) missing: no instance to ask$' "--check without an instance: 78"
run mastodon-post -C -j
expect 64 '^mastodon-post: -C takes no other option but -c, -v and -T$' "--check with -j: 64"
run bsky-post --check
expect 64 '^bsky-post: --check: not for bsky-post$' "bsky-post has no --check: 64"

done_testing
