#!/bin/sh
# From the docs to a day in production: private repositories, empty input,
# one layout, logs.
. "${0%/*}/lib.sh"
# Each delivery posted at once: grouping has tests of its own.
printf 'dockerhub: { group_window = 0; };\n' >"$HUBTWEET_CONFIG"

# An invented push to a private repository.
cat >"$T/private.json" <<'JSON'
{"push_data":{"pushed_at":1950000000,"pusher":"ops","tag":"3.1.0"},
 "repository":{"repo_name":"quietco/vault","namespace":"quietco","name":"vault",
 "is_private":true,"repo_url":"https://hub.docker.com/r/quietco/vault"}}
JSON
run dh-parse "$T/private.json"
is "$STATUS/$OUT" "0/" "a private repository gives no event by default"
is "$ERR" "dh-parse: quietco/vault:3.1.0@2031-10-17T10:40:00Z: not posted: repository 'quietco/vault' is private" \
    "... and says why"
run dh-parse -P "$T/private.json"
like "$OUT" '"repo_name":"quietco/vault".*"is_private":true' "-P: it does"
printf 'dockerhub: { include_private = true; };\n' >"$T/priv.conf"
run dh-parse -c "$T/priv.conf" "$T/private.json"
like "$OUT" '"repo_name":"quietco/vault"' "dockerhub.include_private: it does"
sed 's/"is_private":true/"is_private":false/' "$T/private.json" >"$T/public.json"
run dh-parse "$T/public.json"
like "$OUT" '"repo_name":"quietco/vault"' "a public one does"

# Empty or blank input to tw-post: 65, with a message, nothing sent.
printf '' >"$T/in"
run_in "$T/in" tw-post
expect 65 '^tw-post: <stdin>: empty: nothing to post$' "printf '' | tw-post: 65"
printf '  \n' >"$T/in"
run_in "$T/in" tw-post
expect 65 '^tw-post: blank: only white space; nothing sent$' "blank input | tw-post: 65"
printf '\t \n\n' >"$T/in"
run_in "$T/in" tw-post -n
expect 65 '^tw-post: blank: only white space; nothing sent$' "blank with --dry-run: 65 too"
run tw-post ''
expect 65 '^tw-post: empty; nothing sent$' "an empty operand: 65"

# dh-hook under the journal (stderr a socket): its exit status is
# tw-post's, not logger's: 75 when X holds it and the post is queued, as
# SuccessExitStatus=75 in hubtweet@.service expects.
mock_x_start || { echo "Bail out! no mock X API"; exit 1; }
DH_KEY=prod-k3y; export DH_KEY
cat >"$T/push.json" <<'JSON'
{"push_data":{"pushed_at":1950000100,"pusher":"ops","tag":"5.0.2"},
 "repository":{"repo_name":"brightowl/relay","namespace":"brightowl","name":"relay",
 "is_private":false,"repo_url":"https://hub.docker.com/r/brightowl/relay"}}
JSON
# hook_journal ARGS...: one delivery of push.json to dh-hook ARGS, with
# stderr a socket; prints dh-hook's exit status.
hook_journal() {
	python3 - "$T/push.json" "$@" <<'PY'
import socket, subprocess, sys
body = open(sys.argv[1], 'rb').read()
req = (b"POST /dockerhub?key=prod-k3y HTTP/1.1\r\nHost: x\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
       % len(body)) + body
a, b = socket.socketpair()
e1, e2 = socket.socketpair()
a.sendall(req)
p = subprocess.Popen(["dh-hook"] + sys.argv[2:], stdin=b, stdout=b,
                     stderr=e2)
b.close(); e2.close()
print(p.wait())
PY
}
mkdir -m 700 "$T/jq"
mock_x_script '429:3600'
is "$(hook_journal -q "$T/jq")" 0 "dh-hook with stderr a socket: rate limited, exit 0 (the queue has it)"
is "$(find "$T/jq/new" -type f | wc -l | tr -d ' ')" 1 "... and the post is queued"
rm -f "$T/jq/ratelimit"
STATE_DIRECTORY=$T/none run tw-post --flush "$T/jq"
is_status 0 "the flush sends it"
like "$ERR" 'tw-post: event brightowl/relay:5\.0\.2@[0-9-]+T[0-9:]+Z: posted https://x\.com/i/web/status/[0-9]+' "the post is logged with the event id and its URL"

printf 'dockerhub: { group_window = 0; };\nformat: { template = "New {imgae} out"; };\n' >"$T/typo.conf"
# A post X refused is kept in failed/ with its reason; once the cause is
# fixed, --retry queues it again (its .reason gone) and a flush posts it.
mkdir -m 700 "$T/rq"
mock_x_script '403:readonly'
printf '{"text":"brightowl/relay 5.1 is out","id":"brightowl/relay:5.1@2031-10-18T00:00:00Z"}\n' >"$T/rq.json"
run_in "$T/rq.json" tw-post --json -q "$T/rq"
is "$STATUS" 77 "X refuses the app: 77"
run tw-post -S "$T/rq"
like "$OUT" "failed item: $T/rq/failed/[^:]+: .*403" "-S: the failed post and X's reason"
like "$OUT" '  text: "brightowl/relay 5\.1 is out"' "-S: its text"
run tw-post --retry "$T/rq"
is "$STATUS/$OUT" "0/" "--retry of a post: exit 0, nothing on stdout"
like "$ERR" "$T/rq/failed/[^:]+: queued again" "--retry says what it queued again"
is "$(find "$T/rq/failed" -type f | wc -l | tr -d ' ')/$(find "$T/rq/new" -type f | wc -l | tr -d ' ')" "0/1" "--retry: back in new/, no .reason left in failed/"
run tw-post --flush "$T/rq"
is "$STATUS" 0 "then the flush posts it"
like "$(cat "$MOCK_POSTS")" 'brightowl/relay 5\.1 is out' "the mock received it"

# The issue's first case end to end: a typo in the config's template.  The
# sender is answered, and the event is kept in the queue's failed/ with the
# field named, to be retried (dh-hook's status is its drain's: the queue
# has the event).
mkdir -m 700 "$T/tq"
sed 's/5\.0\.[0-9]/5.0.9/' "$T/push.json" >"$T/p9.json"; mv "$T/p9.json" "$T/push.json"
is "$(hook_journal -c "$T/typo.conf" -q "$T/tq")" 0 "dh-hook, a template typo in the config: the queue keeps it"
run tw-post -S "$T/tq"
like "$OUT" "failed item: $T/tq/failed/[^:]+: not rendered: $T/typo.conf: format.template:1:5: unknown field \"imgae\"" "... the event kept in failed/, the field named"
like "$OUT" 'event \(not rendered\): \{"repo_name":"brightowl/relay".*"tag":"5\.0\.9"' "... with the event"

# One queue for a user: what dh-hook queues by default (no -q, no systemd)
# is what tw-post --queue-status finds with no argument.  Run as an
# unprivileged user (root's default is /var/lib/hubtweet).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	U=$(mktemp -d /tmp/ht-user.XXXXXX); at_exit "rm -rf '$U'"
	chmod 755 "$U"; mkdir "$U/home"
	printf 'dockerhub: { group_window = 0; };\n' >"$U/empty.conf"
	sed 's/5\.0\.[0-9]/5.0.7/' "$T/push.json" >"$U/push.json"
	cat >"$U/hook.py" <<'PY'
import socket, subprocess, sys
body = open(sys.argv[1], 'rb').read()
req = (b"POST /dockerhub?key=prod-k3y HTTP/1.1\r\nHost: x\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
       % len(body)) + body
a, b = socket.socketpair()
e1, e2 = socket.socketpair()
a.sendall(req)
p = subprocess.Popen(["dh-hook"], stdin=b, stdout=b, stderr=e2)
b.close(); e2.close()
print(p.wait())
PY
	# The tools as the other user can reach them: the checkout may sit
	# where only root can go (/root, a mktemp -d), so copy them into $U,
	# laid out as in the tree (tw-post finds ../libexec/hubtweet/tw-send).
	mkdir -p "$U/top/bin" "$U/top/libexec"
	find "$BIN" -maxdepth 1 -type f -exec cp {} "$U/top/bin/" \;
	cp -R "$TOP/libexec/hubtweet" "$U/top/libexec/"
	cp -R "$TOP/scripts" "$U/top/scripts"
	cp "$TOP/tests/lsan.supp" "$U/top/lsan.supp"
	chown -R 65534:65534 "$U"
	asuser() {
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    env -u STATE_DIRECTORY -u XDG_STATE_HOME HOME="$U/home" \
		    HUBTWEET_CONFIG="$U/empty.conf" \
		    PATH="$U/top/bin:$U/top/scripts:$PATH" \
		    LSAN_OPTIONS="suppressions=$U/top/lsan.supp:print_suppressions=0" \
		    "$@"
	}
	mock_x_script '429:3600'
	is "$(asuser python3 "$U/hook.py" "$U/push.json")" 0 "as a user: dh-hook queues by default (0: the queue has it)"
	mock_x_script 'ok'
	asuser tw-post --queue-status >"$T/ust" 2>&1
	like "$(cat "$T/ust")" "^queue: $U/home/\\.local/state/hubtweet/queue" "as a user: tw-post -S with no argument finds that queue"
	like "$(cat "$T/ust")" 'queued: 1' "... and the post dh-hook queued"
	# A user with no home and no state directory: no spool to keep a
	# delivery in, said, and no 200 for what is not on disk.
	asuser env HOME=/ dh-parse -D -T -- true >"$T/nost" 2>&1
	echo "status $?" >>"$T/nost"
	is "$(cat "$T/nost")" "dh-parse: -T: no HOME nor state directory for the spool
status 73" "as a user with no state directory: dh-parse -D -T says so, 73"
	asuser env HOME=/ dh-parse -H -T <"$T/push.json" >"$T/nost" 2>&1
	echo "status $?" >>"$T/nost"
	is "$(cat "$T/nost")" "dh-parse: -T: no HOME nor state directory for the spool
status 73" "... and dh-parse -H -T, before reading a request"
else
	skip "not root, or no setpriv"; skip "not root"; skip "not root"
	skip "not root"; skip "not root"
fi

# Check mode: what a deployment reads, and whether it works, before
# Docker Hub calls; X is asked only with -O.
run env -u DH_KEY dh-parse --check
expect 78 '^dh-parse: no key configured: .*; searched .*/dh-key' "dh-parse -C: no key, the files searched"
like "$OUT" "^config: $T/empty.conf" "dh-parse -C: the config read"
printf 'abcdefghijklmnopqrstuvwxyz012345\n' >"$T/k"; chmod 600 "$T/k"
run dh-parse -C -k "$T/k"
is "$STATUS" 0 "dh-parse -C -k: ok"
like "$OUT" "key: from $T/k \\(-k\\)" "dh-parse -C: says where the key is"
run dh-format --check -c "$T/typo.conf"
expect 78 'unknown field "imgae"' "dh-format -C: a config template naming no event field, 78"
like "$OUT" "template: $T/typo.conf: format.template" "dh-format -C: says which template"
run tw-post --check
is "$STATUS" 0 "tw-post -C: credentials set (from the mock's environment)"
like "$OUT" 'x.consumer_key: set, from TW_CONSUMER_KEY' "tw-post -C: where each credential comes from"
_before=$(mock_x_stat requests)
run tw-post --check --online
is "$STATUS" 0 "tw-post -C -O: X knows the credentials"
like "$OUT" 'credentials: X says they are @mockaccount \(id 1720000000000000001\)' "tw-post -C -O: GET /2/users/me names the account"
is "$(mock_x_stat requests)" "$((_before + 1))" "tw-post -C -O: one request; -C alone none"
TW_ACCESS_SECRET=wrong run tw-post -C -O
expect 77 '^tw-post: credentials: X refused the credentials \(401\)' "tw-post -C -O: wrong credentials, 77"
run env -u TW_ACCESS_SECRET tw-post -C
expect 78 'missing credentials: x.access_secret \(TW_ACCESS_SECRET\); searched the environment and' "tw-post -C: a missing credential, 78"
printf 'format: { template = "{tag} of {repo_name}"; };\n' >"$T/good.conf"
run hubtweet-check -O -c "$T/good.conf"
is "$STATUS" 0 "hubtweet-check -O: all good, 0"
like "$OUT" "config: $T/good.conf" "hubtweet-check: names the config file read"
like "$OUT" '@mockaccount' "hubtweet-check -O: the account"
run hubtweet-check -c "$T/typo.conf"
is "$STATUS" 78 "hubtweet-check: a bad template, 78"
like "$OUT" 'FAILED \(exit 78\)' "hubtweet-check: says which step failed"
like "$OUT" "^   dh-format: $T/typo.conf: format\\.template:1:5: unknown field \"imgae\": not an event field" \
    "hubtweet-check: a template with an unknown field, the field named"
is "$(printf '%s\n' "$OUT" | grep -c 'FAILED')" 1 "hubtweet-check: the template's step alone fails"
synopsis_agrees hubtweet-check

# Options: -n is a dry run wherever it posts (dh-hook too); -D posts
# without the default queue.  dh-hook --version from the source tree.
_before=$(wc -l <"$MOCK_POSTS")
sed 's/5\.0\.[0-9]/5.0.3/' "$T/push.json" >"$T/p3.json"; mv "$T/p3.json" "$T/push.json"
cp "$STATE_DIRECTORY/spool/releases" "$T/rel0"
is "$(hook_journal -n)" 0 "dh-hook -n: exit 0"
is "$(wc -l <"$MOCK_POSTS")" "$_before" "dh-hook -n: nothing posted"
is "$(find "$STATE_DIRECTORY" -type f ! -path '*/spool/*' 2>/dev/null | wc -l | tr -d ' ')" 0 "dh-hook -n: nothing queued"
is "$(cat "$STATE_DIRECTORY/spool/releases")" "$(cat "$T/rel0")" "dh-hook -n: the release not remembered (dh-parse -D -n)"
is "$(hook_journal -D)" 0 "dh-hook -D: posted directly, exit 0"
is "$(wc -l <"$MOCK_POSTS")" "$((_before + 1))" "dh-hook -D: the post reached X"
is "$(find "$STATE_DIRECTORY" -name 'queue' 2>/dev/null | wc -l | tr -d ' ')" 0 "dh-hook -D: no default queue made"
run env PATH=/usr/bin:/bin "$TOP/scripts/dh-hook" --version
like "$OUT" '^dh-hook [0-9]+\.[0-9]+' "scripts/dh-hook --version from the source tree"
run dh-hook -Q
expect 64 '^usage: dh-hook ' "dh-hook: an unknown option, 64"
done_testing
