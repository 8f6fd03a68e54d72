#!/bin/sh
# mastodon-post: text in, statuses on (a mock of) a Mastodon instance out.
. "${0%/*}/lib.sh"

run mastodon-post --help
is_status 0 "--help exits 0"
like_out '^usage: mastodon-post ' "--help on stdout"
synopsis_agrees mastodon-post
run mastodon-post --version
like_out '^mastodon-post [0-9]+\.[0-9]+' "--version"
run mastodon-post -Z
expect 64 '^usage: mastodon-post ' "unknown option: usage, exit 64"
run mastodon-post -0 hi
expect 64 '^mastodon-post: text operands do not go with -0 or --json$' "operands and -0"
if ldd "$BIN/mastodon-post" | grep -q libcurl; then
	not_ok "mastodon-post does not link libcurl"
else
	ok "mastodon-post does not link libcurl"
fi

# --dry-run: no credentials, no network; Mastodon's length rule.
run mastodon-post -n 'see https://example.com/a/very/long/path/to/a/release/v1.2.3'
is_status 0 "--dry-run needs no credentials"
is "$ERR" "" "nothing on stderr"
like_out '^dry run: POST /api/v1/statuses \(27/500, with a link\): see ' "a URL counts 23"
python3 -c 'print("é" * 501)' >"$T/501"
run_in "$T/501" mastodon-post -n
expect 65 '^mastodon-post: too long: length 501, 1002 bytes, at most 500; nothing sent$' "501 characters: exit 65"
printf 'mastodon: { max_characters = 1000; };\n' >"$T/m.conf"
run_in "$T/501" mastodon-post -n -c "$T/m.conf"
is_status 0 "mastodon.max_characters: the instance's own limit"

run mastodon-post hi
expect 78 '^mastodon-post: missing credentials: mastodon.url \(MASTODON_URL\), mastodon.token \(MASTODON_TOKEN\)$' "no credentials: exit 78"

mock_mastodon_start
# The issue's case: echo "hello" | mastodon-post posts with a key.
run sh -c 'echo hello | mastodon-post'
is_status 0 "echo hello | mastodon-post exits 0"
like_out '^110000000000000001 http://mastodon\.example/@mock/110000000000000001$' "prints the status id and URL"
if python3 - "$MASTO_DIR/posts" <<'PY'
import json, sys
p = [json.loads(l) for l in open(sys.argv[1])]
assert len(p) == 1 and p[0]["status"] == "hello", p
assert p[0]["idempotency_key"].startswith("hubtweet-"), p
PY
then ok "posted once, as hello, with an Idempotency-Key"; else not_ok "posted once, as hello, with an Idempotency-Key"; fi

# The same --json line with the same id twice: one status.
printf '{"text":"acme/widget 1.2.3 is out","id":"acme/widget:1.2.3@2026-11-30T16:00:00Z"}\n' >"$T/ev.json"
run_in "$T/ev.json" mastodon-post --json
is_status 0 "--json: posted"
like_out '^\{"id":"110000000000000002","url":"[^"]*","text":"acme/widget 1\.2\.3 is out","event":"acme/widget:1\.2\.3@2026-11-30T16:00:00Z"\}$' "--json: one line with the id, the URL and the event"
run_in "$T/ev.json" mastodon-post --json
is_status 0 "--json: the same event again"
like_out '"id":"110000000000000002"' "the same status, replayed by Mastodon"
is "$(grep -c 'acme/widget 1.2.3' "$MASTO_DIR/posts")" 1 "the same id twice posts once"
is "$(mock_get "$MASTODON_URL" replayed)" 1 "the second request carried the same key"

# An answer lost after the status was made: the retry makes no second one.
mock_post "$MASTODON_URL" script lost
run mastodon-post lost answer
is_status 0 "a lost answer: retried"
is "$(grep -c '"lost answer"' "$MASTO_DIR/posts")" 1 "one status"
mock_post "$MASTODON_URL" script '503,ok'
run mastodon-post after a 503
is_status 0 "a 503 is retried"
is "$(mock_get "$MASTODON_URL" unkeyed)" 0 "every request carried a key"

# Errors and their exit statuses.
MASTODON_TOKEN=wrong run mastodon-post hi
expect 77 '^mastodon-post: Mastodon refused the access token \(401\)' "wrong token: exit 77"
MASTODON_TOKEN=mock-readonly-token run mastodon-post hi
expect 77 'write:statuses' "a token without write:statuses: exit 77"
mock_post "$MASTODON_URL" script 422
run mastodon-post hello again
expect 65 '^mastodon-post: Mastodon rejected the post \(422\)' "422: exit 65"
mock_post "$MASTODON_URL" script '429:600'
run mastodon-post -T 5 limited
expect 75 '^mastodon-post: rate limited by Mastodon until [0-9:]+ UTC' "429 with a reset beyond -T: exit 75"
mock_post "$MASTODON_URL" script '503*20'
run mastodon-post -T 2 unavailable
expect 69 '^mastodon-post: Mastodon is unavailable \(503\)' "5xx until -T runs out: exit 69"
mock_post "$MASTODON_URL" script ''

# Streams: one status per NUL-separated post.
printf 'one\0two\0' >"$T/nul"
run_in "$T/nul" mastodon-post -0
is "$(printf '%s\n' "$OUT" | wc -l)" 2 "-0: two statuses"
printf 'mastodon: { visibility = "unlisted"; language = "en"; };\n' >"$T/v.conf"
run mastodon-post -c "$T/v.conf" with settings
like "$(tail -1 "$MASTO_DIR/posts")" '"visibility": "unlisted", "language": "en"' "visibility and language from the config"
printf 'mastodon: { visibility = "everyone"; };\n' >"$T/bad.conf"
run mastodon-post -c "$T/bad.conf" hi
expect 78 'mastodon.visibility: "everyone"' "a bad visibility: exit 78"

# The queue: Mastodon down, the post queued (75); the flush posts it once,
# with the key the first try had.
mock_post "$MASTODON_URL" script 'lost,503*100'
printf '{"text":"queued status","id":"acme/widget:1.3.0@2026-11-30T16:30:00Z"}\n' >"$T/q.json"
run_in "$T/q.json" mastodon-post --json -T 2 -q "$T/q"
expect 75 "queued in $T/q: Mastodon is unavailable \\(503\\)" "down after a lost answer: queued, exit 75"
like_out '"queued":true' "--json says queued"
mock_post "$MASTODON_URL" script ''
run mastodon-post -F "$T/q"
is_status 0 "-F: flushed"
is "$(grep -c '"queued status"' "$MASTO_DIR/posts")" 1 "one status: the flush's request had the lost one's key"

done_testing
