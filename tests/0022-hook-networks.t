#!/bin/sh
# dh-hook posting one event on X, Mastodon and Bluesky at once (the
# config's networks list), each pipeline fitted to its network; one
# network slow or refusing delays and loses no other's post.
. "${0%/*}/lib.sh"

KEY=nets-k3y-$$
# An invented delivery: a repository of this test's own.
cat >"$T/payload.json" <<'JSON'
{"push_data": {"pushed_at": 1764518400, "pusher": "ci", "tag": "v7.1.0"},
 "repository": {"repo_name": "quillhouse/inkwell", "namespace": "quillhouse",
  "name": "inkwell", "is_private": false, "status": "Active",
  "repo_url": "https://hub.docker.com/r/quillhouse/inkwell",
  "description": "Gr\u00fc\u00dfe from inkwell"}}
JSON

mock_x_start || { echo "Bail out! no mock X API"; exit 1; }
mock_mastodon_start || { echo "Bail out! no mock Mastodon"; exit 1; }
mock_bsky_start || { echo "Bail out! no mock PDS"; exit 1; }
XPOSTS=$MOCK_POSTS
{
	# A release's window of 1 s, not 60: the deliveries below are each
	# their own release.
	printf 'dockerhub: { key = "%s"; group_window = 1; };\n' "$KEY"
	printf 'format: { template = "{description}: {repo_name} {tag} {repo_url}"; };\n'
	printf 'networks = [ "x", "mastodon", "bluesky" ];\n'
} >"$T/h.conf"
chmod 600 "$T/h.conf"
run dh-format -L -c "$T/h.conf"
is "$(printf '%s' "$OUT" | tr '\n' ' ')" "x mastodon bluesky" "dh-format -L lists the networks"

PORT=$(free_port)
HUBTWEET_CONFIG=$T/h.conf hubtweet-socat -b 127.0.0.1 -p "$PORT" \
    2>>"$T/socat.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! hubtweet-socat did not listen"; exit 1; }
U="http://127.0.0.1:$PORT/dockerhub?key=$KEY"
count() { wc -l <"$1" | tr -d ' '; }
wait_all() { # wait_all N: until each mock has N posts (30 s at most)
	_i=0
	while { [ "$(count "$XPOSTS")" -lt "$1" ] ||
	    [ "$(count "$MASTO_DIR/posts")" -lt "$1" ] ||
	    [ "$(count "$BSKY_DIR/posts")" -lt "$1" ]; } && [ $_i -lt 600 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
}

run curl -sS -i --max-time 20 --data-binary @"$T/payload.json" "$U"
answer 200 '"status":"accepted"' "the delivery: 200"
wait_all 1
is "$(count "$XPOSTS")/$(count "$MASTO_DIR/posts")/$(count "$BSKY_DIR/posts")" 1/1/1 "one post on each network"
like "$(cat "$MASTO_DIR/posts")" '"status": "Gr\\u00fc\\u00dfe from inkwell: quillhouse/inkwell v7\.1\.0 https://hub\.docker\.com/r/quillhouse/inkwell"' "Mastodon: the text"
like "$(cat "$BSKY_DIR/posts")" '"byteStart": 48, "byteEnd": 91' "Bluesky: the link facet on the URL's bytes (ü and ß are two each)"
like "$(cat "$XPOSTS")" 'quillhouse/inkwell v7\.1\.0' "X: the text"

# Mastodon slow: X and Bluesky do not wait for it.
mock_post "$MASTODON_URL" script 'slow:8'
sed 's/v7\.1\.0/v7.2.0/' "$T/payload.json" >"$T/p2.json"
run curl -sS -i --max-time 20 --data-binary @"$T/p2.json" "$U"
answer 200 '"status":"accepted"' "the next delivery: 200"
_i=0
while { [ "$(count "$XPOSTS")" -lt 2 ] || [ "$(count "$BSKY_DIR/posts")" -lt 2 ]; } &&
    [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
is "$(count "$XPOSTS")/$(count "$BSKY_DIR/posts")/$(count "$MASTO_DIR/posts")" 2/2/1 "X and Bluesky posted while Mastodon is still answering"
wait_all 2
is "$(count "$MASTO_DIR/posts")" 2 "then Mastodon's post too"

# Mastodon refusing the token: the others still post.
mock_post "$MASTODON_URL" script '401'
sed 's/v7\.1\.0/v7.3.0/' "$T/payload.json" >"$T/p3.json"
run curl -sS -i --max-time 20 --data-binary @"$T/p3.json" "$U"
answer 200 '"status":"accepted"' "a third delivery: 200"
_i=0
while { [ "$(count "$XPOSTS")" -lt 3 ] || [ "$(count "$BSKY_DIR/posts")" -lt 3 ]; } &&
    [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
is "$(count "$XPOSTS")/$(count "$BSKY_DIR/posts")/$(count "$MASTO_DIR/posts")" 3/3/2 "Mastodon refused the token; X and Bluesky posted"
_i=0
while ! grep -q 'mastodon-post: post 1: event [^ ]*: Mastodon refused the access token' "$T/socat.log" &&
    [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
like "$(cat "$T/socat.log")" 'mastodon-post: post 1: event quillhouse/inkwell:v7\.3\.0@[^ ]*: Mastodon refused the access token \(401\).*; moved to .*/queue-mastodon/failed/' "and said so in the log; the post is in Mastodon's failed/"
is "$(mock_get "$BSKY_PDS" logins)" 1 "Bluesky: one login for the three deliveries"
is "$(find "$STATE_DIRECTORY/queue-bluesky/sent" -type f | wc -l)" 3 "Bluesky's own queue marked the three events sent"

# A release whose waiter is gone (only dh-parse -H answered it, as when
# the handler is killed after the 200): dh-hook --flush passes it on to
# every network, each through its own pipeline and queue.
P2=$(free_port)
socat TCP-LISTEN:"$P2",bind=127.0.0.1,fork,reuseaddr \
    SYSTEM:"HUBTWEET_CONFIG=$T/h.conf dh-parse -H -S $STATE_DIRECTORY/spool >/dev/null" \
    2>>"$T/socat.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$P2" || { echo "Bail out! nothing listens on $P2"; exit 1; }
sed 's/v7\.1\.0/v7.4.0/' "$T/payload.json" >"$T/p4.json"
run curl -sS -i --max-time 20 --data-binary @"$T/p4.json" \
    "http://127.0.0.1:$P2/dockerhub?key=$KEY"
answer 200 '"status":"accepted"' "a fourth delivery, kept in the spool: 200"
sleep 2
is "$(count "$XPOSTS")/$(count "$BSKY_DIR/posts")" 3/3 "no waiter: nothing posted yet"
run dh-hook --flush -c "$T/h.conf"
is_status 0 "dh-hook --flush"
is "$(count "$XPOSTS")/$(count "$BSKY_DIR/posts")" 4/4 "the flush posted the kept release on X and Bluesky"
like "$(cat "$XPOSTS")" 'quillhouse/inkwell v7\.4\.0' "X: the kept release's text"
is "$(find "$STATE_DIRECTORY/queue-mastodon/failed" -type f | wc -l | tr -d ' ')" 2 \
    "Mastodon (still refusing the token): the kept release in its failed/ too"
is "$(find "$STATE_DIRECTORY/spool/open" "$STATE_DIRECTORY/spool/closed" \
    "$STATE_DIRECTORY/spool/tmp" -mindepth 1 2>/dev/null | wc -l | tr -d ' ')" 0 \
    "the spool is empty"

done_testing
