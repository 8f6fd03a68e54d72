#!/bin/sh
# bsky-post: text in, posts on (a mock of) a Bluesky PDS out.
. "${0%/*}/lib.sh"

URL=https://example.com/releases/tag/v1.2.3
SESSION=$STATE_DIRECTORY/bsky-session.json

run bsky-post --help
is_status 0 "--help exits 0"
like_out '^usage: bsky-post ' "--help on stdout"
synopsis_agrees bsky-post
run bsky-post --version
like_out '^bsky-post [0-9]+\.[0-9]+' "--version"
run bsky-post -T 0 hi
expect 64 '^bsky-post: -T 0: seconds from 1 to 86400$' "-T out of range"
if ldd "$BIN/bsky-post" | grep -q libcurl; then
	not_ok "bsky-post does not link libcurl"
else
	ok "bsky-post does not link libcurl"
fi

# --dry-run: no credentials, no network; 300 graphemes, 3000 bytes.
run bsky-post -n "héllo $URL"
is_status 0 "--dry-run needs no credentials"
like_out '^dry run: POST https://bsky\.social/xrpc/com\.atproto\.repo\.putRecord \(45/300, with a link\): ' "graphemes, the URL at its length"
python3 -c 'print("e\u0301" * 300)' >"$T/g300"
run_in "$T/g300" bsky-post -n
is_status 0 "300 graphemes of two code points each: fits"
python3 -c 'print("a" * 301)' >"$T/g301"
run_in "$T/g301" bsky-post -n
expect 65 '^bsky-post: too long: length 301, 301 bytes, at most 300 and 3000 bytes; nothing sent$' "301 graphemes: exit 65"
python3 -c 'print("\U0001F469\u200d\U0001F4BB" * 280)' >"$T/b3080"
run_in "$T/b3080" bsky-post -n
expect 65 'too long: length 280, 3080 bytes' "280 graphemes but 3080 bytes: exit 65"

run bsky-post hi
expect 78 '^bsky-post: missing credentials: bluesky.handle \(BSKY_HANDLE\), bluesky.app_password \(BSKY_APP_PASSWORD\)$' "no credentials: exit 78"

mock_bsky_start
# Wrong credentials first, while no session is kept; --verbose shows
# neither the app password (the login's body) nor a token.
BSKY_APP_PASSWORD=wrong-pw-$$ run bsky-post -v hi
unlike "$ERR" "wrong-pw-$$" "--verbose: the app password is not shown"
like_err '> \[[0-9]+ bytes, redacted\]' "--verbose: the login's body is redacted"
BSKY_APP_PASSWORD=wrong run bsky-post hi
expect 77 '^bsky-post: Bluesky refused the login: check the handle' "a wrong app password: exit 77"
if [ -e "$SESSION" ]; then not_ok "no session kept"; else ok "no session kept"; fi

# The issue's case: one post, a link facet on exactly the URL's bytes.
run sh -c "echo 'héllo $URL' | bsky-post"
is_status 0 "echo 'héllo URL' | bsky-post exits 0"
like_out '^[2-7a-j][2-7a-z]{12} https://bsky\.app/profile/mock\.bsky\.example/post/' "prints the record key and the post's page"
if python3 - "$BSKY_DIR/posts" "$URL" <<'PY'
import json, sys
p = [json.loads(l) for l in open(sys.argv[1])]
assert len(p) == 1, p
t, f = p[0]["text"].encode(), p[0]["facets"]
assert len(f) == 1, f
s, e = f[0]["index"]["byteStart"], f[0]["index"]["byteEnd"]
assert (s, e) == (7, 7 + len(sys.argv[2])), (s, e)
assert t[s:e].decode() == sys.argv[2] == f[0]["features"][0]["uri"], f
PY
then ok "posted once, the facet covers exactly the URL's bytes (7..46)"; else not_ok "posted once, the facet covers exactly the URL's bytes (7..46)"; fi

# Sessions are reused: three runs in a row log in once.
run bsky-post two
run bsky-post three
is "$(mock_get "$BSKY_PDS" logins)" 1 "three bsky-post runs log in once"
is "$(stat -c %a "$SESSION")" 600 "the session is kept, mode 600"
unlike "$(cat "$SESSION")" 'mock-app-password' "the app password is not kept"
mock_post "$BSKY_PDS" expire
run bsky-post four
is_status 0 "an expired access token: refreshed, posted"
is "$(mock_get "$BSKY_PDS" refreshes)/$(mock_get "$BSKY_PDS" logins)" 1/1 "refreshed, no new login"
mock_post "$BSKY_PDS" revoke
run bsky-post five
is_status 0 "a refresh token refused: logged in again, posted"
is "$(mock_get "$BSKY_PDS" logins)" 2 "a second login only then"
chmod 644 "$SESSION"
run bsky-post six
expect 78 'bsky-session\.json: holds a session but is not a file of this user.s that only they can read' "a session file others can read: refused"
chmod 600 "$SESSION"

# No double post after a crash: kill -9 during the send, then send again.
EV='{"text":"acme/widget 2.0.0 is out","id":"acme/widget:2.0.0@2026-11-30T16:00:00Z"}'
mock_post "$BSKY_PDS" script "kill:$T/killed"
printf '%s\n' "$EV" >"$T/ev.json"
bsky-post --json <"$T/ev.json" >"$T/k.out" 2>"$T/k.err" &
pid=$!
i=0
while [ "$(grep -c 'acme/widget 2.0.0' "$BSKY_DIR/posts")" -eq 0 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
: >"$T/killed"
is "$(grep -c 'acme/widget 2.0.0' "$BSKY_DIR/posts")" 1 "killed with -9 after the PDS made the post"
run_in "$T/ev.json" bsky-post --json
is_status 0 "the same event sent again"
is "$(grep -c 'acme/widget 2.0.0' "$BSKY_DIR/posts")" 1 "still one post"
is "$(mock_get "$BSKY_PDS" rewritten)/$(mock_get "$BSKY_PDS" changed)" 1/0 "the same record written again under the same key"

# An answer lost after the post was made: the retry in the run, harmless.
mock_post "$BSKY_PDS" script lost
run bsky-post lost answer
is_status 0 "a lost answer: retried"
is "$(grep -c '"lost answer"' "$BSKY_DIR/posts")" 1 "one post"
is "$(mock_get "$BSKY_PDS" rewritten)" 2 "its retry wrote the same record"

# Errors and their exit statuses.
mock_post "$BSKY_PDS" script 400
run bsky-post bad
expect 65 '^bsky-post: Bluesky rejected the post \(400 InvalidRequest\)' "400: exit 65"
mock_post "$BSKY_PDS" script '429:600'
run bsky-post -T 5 limited
expect 75 '^bsky-post: rate limited by Bluesky until [0-9:]+ UTC' "429 with a reset beyond -T: exit 75"
mock_post "$BSKY_PDS" script ''
printf 'bluesky: { langs = [ "en", "fr" ]; };\n' >"$T/l.conf"
run bsky-post -c "$T/l.conf" with langs
like "$(tail -1 "$BSKY_DIR/posts")" '"langs": \["en", "fr"\]' "bluesky.langs in the record"

# The queue: a post the PDS does not take now stays queued, exit 75; the
# flush sends it.
mock_post "$BSKY_PDS" script '503*100'
run bsky-post -T 2 -q "$T/q" while down
expect 75 "queued in $T/q: Bluesky is unavailable \\(503\\)" "PDS down: queued, exit 75"
mock_post "$BSKY_PDS" script ''
run bsky-post -F "$T/q"
is_status 0 "-F: flushed"
is "$(grep -c '"while down"' "$BSKY_DIR/posts")" 1 "the queued post, posted once"
is "$(find "$T/q/new" -type f | wc -l)" 0 "the queue is empty"

# kill -9 while the queue's post is being made, a post without an event
# id: the flush writes the same record under the same key (the item's).
mock_post "$BSKY_PDS" script "kill:$T/killed2"
bsky-post -q "$T/q" 'queued, then killed' >"$T/k2.out" 2>"$T/k2.err" &
pid=$!
i=0
while [ "$(grep -c 'queued, then killed' "$BSKY_DIR/posts")" -eq 0 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
: >"$T/killed2"
is "$(find "$T/q/new" -type f | wc -l)" 1 "killed: the post stays queued"
before=$(mock_get "$BSKY_PDS" rewritten)
run bsky-post -F "$T/q"
is_status 0 "the flush after the kill"
is "$(grep -c 'queued, then killed' "$BSKY_DIR/posts")" 1 "one post, not two"
is "$(mock_get "$BSKY_PDS" rewritten)" $((before + 1)) "the flush wrote the same record again"

# -F alone: this network's queue in the state directory, dh-hook's.
run bsky-post -F
is_status 0 "-F with no queue made yet: nothing to do, exit 0"
is "$OUT$ERR" "" "and nothing said"
mock_post "$BSKY_PDS" script '503*100'
run bsky-post -T 2 -q "$STATE_DIRECTORY/queue-bluesky" to the default queue
is_status 75 "queued in the state directory's queue-bluesky"
mock_post "$BSKY_PDS" script ''
run bsky-post -F
is_status 0 "-F alone flushed it"
is "$(grep -c '"to the default queue"' "$BSKY_DIR/posts")" 1 "posted once"

done_testing
