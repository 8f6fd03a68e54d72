#!/bin/sh
# dh-hook and the launcher recipes in scripts/, end to end: a delivery over
# real TCP (and TLS) on 127.0.0.1, answered by dh-parse, posted to the mock
# X API by tw-post.
. "${0%/*}/lib.sh"

KEY=hook-k3y-$$
DH_KEY=$KEY
export DH_KEY
P09=$PAYLOADS/09-semver-multistage-dockerfile.json
need "$P09" "$DATA/payload.json"
CLIENT="python3 $TOP/tests/http-client.py"
# Each delivery its own post at once: grouping has tests of its own
# (0030-group.t).  A handler syncs its delivery to disk before it answers,
# so 50 at once from one address hold more than the default 8 slots: the
# limit has tests of its own too.
printf 'dockerhub: { group_window = 0; max_per_source = 64; };\n' >"$HUBTWEET_CONFIG"

# Usage.
run dh-hook --help
is_status 0 "dh-hook --help exits 0"
like_out '^usage: dh-hook ' "--help on stdout"
run dh-hook -Z
expect 64 '^usage: dh-hook ' "unknown option: usage, exit 64"
run dh-hook extra
expect 64 '^usage: dh-hook ' "no operands"
synopsis_agrees dh-hook

mock_x_start || { echo "Bail out! no mock X API"; exit 1; }

# payload TAG: a copy of a payload with that tag; its path in $PAY.
payload() {
	PAY=$T/p-$1.json
	sed "s/\"tag\": \"2.4.1\"/\"tag\": \"$1\"/" "$P09" >"$PAY"
}
# deliver URL TAG [CURL ARGS]: POST the payload for TAG; $OUT the answer.
deliver() {
	_u=$1; _t=$2; shift 2
	payload "$_t"
	run curl -sS -i --max-time 20 "$@" --data-binary @"$PAY" "$_u"
}
# wait_posts N: until the mock has accepted N posts (30 s at most).
wait_posts() {
	wait_for_posts "$1"
	POSTS=$(wc -l <"$MOCK_POSTS")
}
posted() { # posted TAG NAME: exactly one post announces TAG
	_c=$(grep -c "\"New release $1 of ferrowind/gatekeeper: docker pull ferrowind/gatekeeper:$1\"" "$MOCK_POSTS")
	is "$_c" 1 "$2"
}
npost=0

# socat, plain TCP: the recipe script.
PORT=$(free_port)
hubtweet-socat -b 127.0.0.1 -p "$PORT" 2>>"$T/socat.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! hubtweet-socat did not listen"; exit 1; }
U="http://127.0.0.1:$PORT/dockerhub?key=$KEY"
deliver "$U" v1.0.0
answer 200 '^\{"status":"accepted","id":"ferrowind/gatekeeper:v1.0.0@2017-06-16T11:41:24Z"\}$' "socat: 200 accepted"
npost=$((npost + 1)); wait_posts $npost
is "$POSTS" $npost "socat: the mock X API received the post"
posted v1.0.0 "socat: the post announces the tag and the pull command, no link"
like "$(cat "$T/socat.log")" 'dh-parse: http: 127\.0\.0\.1:[0-9]+ "POST /dockerhub" 200 id=ferrowind/gatekeeper:v1\.0\.0@' "socat: dh-parse's log line on the launcher's stderr"

# A wrong key passes nothing on: the next good delivery is the only post.
deliver "http://127.0.0.1:$PORT/dockerhub?key=not-$KEY" v6.6.6
answer 403 '"reason":"wrong key"' "wrong key: 403"
deliver "$U" v1.0.1
answer 200 '"status":"accepted"' "then a good delivery: 200"
npost=$((npost + 1)); wait_posts $npost
posted v1.0.1 "the good delivery is posted"
is "$(grep -c 'v6\.6\.6' "$MOCK_POSTS")" 0 "the refused delivery is not"
deliver "$U" latest
answer 200 '"status":"ignored"' "latest: 200 ignored"

# The sender is answered while the post is still on its way: the mock holds
# its answer to tw-post for 4 s; the sender's 200 comes before it.
mock_x_script 'slow:4'
deliver "$U" v2.0.0
answer 200 '"status":"accepted"' "slow X: the sender gets 200"
is "$(wc -l <"$MOCK_POSTS")" $npost "slow X: ... before the post is complete"
npost=$((npost + 1)); wait_posts $npost
posted v2.0.0 "slow X: the post completes after the answer"

# 50 deliveries at once: all answered, all posted once.
i=0
while [ $i -lt 50 ]; do
	payload "v3.0.$i"
	curl -sS -i --max-time 60 --data-binary @"$PAY" "$U" >"$T/par.$i" 2>&1 &
	i=$((i + 1))
done
wait_curls() { # the background curls, not the listeners
	_i=0
	while [ "$(grep -l '"status"' "$T"/par.* 2>/dev/null | wc -l)" -lt 50 ] &&
	    [ $_i -lt 1200 ]; do sleep 0.05; _i=$((_i + 1)); done
}
wait_curls
is "$(grep -l '^\{"status":"accepted","id":"ferrowind/gatekeeper:v3\.0\.[0-9]*@' "$T"/par.* | wc -l)" 50 "50 parallel deliveries: all answered 200 accepted"
npost=$((npost + 50)); wait_posts $npost
is "$POSTS" $npost "50 parallel deliveries: 50 posts"
is "$(grep -o 'New release v3\.0\.[0-9]* ' "$MOCK_POSTS" | sort -u | wc -l)" 50 "... each posted once"

# socat with TLS: a self-signed certificate, checked by curl --cacert.
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" \
    -out "$T/tls.crt" >/dev/null 2>&1; then
	SPORT=$(free_port)
	hubtweet-socat -b 127.0.0.1 -p "$SPORT" -C "$T/tls.crt" -K "$T/tls.key" \
	    2>>"$T/tls.log" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$SPORT"
	deliver "https://127.0.0.1:$SPORT/dockerhub?key=$KEY" v4.0.0 --cacert "$T/tls.crt"
	answer 200 '"status":"accepted"' "TLS: 200 over HTTPS, the certificate verified"
	npost=$((npost + 1)); wait_posts $npost
	posted v4.0.0 "TLS: posted"
	deliver "https://127.0.0.1:$SPORT/dockerhub?key=$KEY" v4.0.1
	is "$STATUS" 60 "TLS: curl refuses the certificate without --cacert"
	deliver "http://127.0.0.1:$SPORT/dockerhub?key=$KEY" v4.0.2
	isnt_ok=$(grep -c '"status":"accepted"' "$T/out")
	is "$isnt_ok" 0 "TLS: plain HTTP to the TLS port is not accepted"
else
	skip "openssl req failed"; skip "openssl"; skip "openssl"; skip "openssl"
fi

# systemd: the units verify, and the service's command line runs under
# socket activation as systemd would run it (Accept=yes: the connection on
# stdin and stdout, stderr to the journal), the key given as a credential.
mkdir -p "$T/units" "$T/cred"
sed "s|/usr/local/bin/dh-hook|$TOP/scripts/dh-hook|" "$TOP/scripts/hubtweet@.service" >"$T/units/hubtweet@.service"
cp "$TOP/scripts/hubtweet.socket" "$TOP/scripts/hubtweet-flush.timer" "$T/units/"
for u in hubtweet-flush.service hubtweet-tls.service; do
	sed "s|/usr/local/bin/dh-hook|$TOP/scripts/dh-hook|g;s|/usr/local/bin/|$BIN/|g" \
	    "$TOP/scripts/$u" >"$T/units/$u"
done
run systemd-analyze verify --man=no "$T/units/hubtweet.socket" "$T/units/hubtweet@.service" \
    "$T/units/hubtweet-flush.service" "$T/units/hubtweet-flush.timer" "$T/units/hubtweet-tls.service"
is "$STATUS" 0 "systemd units: systemd-analyze verify"
is "$(printf '%s' "$ERR" | grep -v 'Failed to .*to private\|Failed to connect' || :)" "" "systemd units: no complaint"
like "$(cat "$TOP/scripts/hubtweet@.service")" 'DynamicUser=yes' "systemd: DynamicUser"
like "$(cat "$TOP/scripts/hubtweet@.service")" 'ProtectSystem=strict' "systemd: ProtectSystem=strict"
like "$(cat "$TOP/scripts/hubtweet@.service")" 'NoNewPrivileges=yes' "systemd: NoNewPrivileges"
like "$(cat "$TOP/scripts/hubtweet.socket")" 'Accept=yes' "systemd: Accept=yes"
like "$(cat "$TOP/scripts/hubtweet.socket")" 'ListenStream=127\.0\.0\.1:' "systemd: the plain HTTP socket is on loopback only"
like "$(cat "$TOP/scripts/hubtweet-tls.service")" 'OPENSSL-LISTEN:[0-9]+,.*min-version=TLS1\.2 EXEC:' "systemd: the TLS unit runs socat OPENSSL-LISTEN"
like "$(grep '^ExecStart=' "$TOP/scripts/hubtweet-flush.service")" 'dh-hook --flush$' "flush unit: dh-hook --flush, the default spool and queue, the ones dh-hook writes"
exec_start=$(sed -n 's/^ExecStart=//p' "$T/units/hubtweet@.service" | head -n 1)
printf '%s\n' "$KEY" >"$T/cred/dh-key"; chmod 600 "$T/cred/dh-key"
YPORT=$(free_port)
env -u DH_KEY CREDENTIALS_DIRECTORY="$T/cred" systemd-socket-activate -a \
    --inetd -E PATH -E CREDENTIALS_DIRECTORY -E HUBTWEET_CONFIG \
    -E STATE_DIRECTORY \
    -E TW_API_URL -E TW_CONSUMER_KEY -E TW_CONSUMER_SECRET -E TW_ACCESS_TOKEN \
    -E TW_ACCESS_SECRET -l "127.0.0.1:$YPORT" \
    sh -c "exec 2>>$T/sd.log; exec $exec_start" 2>>"$T/sd.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$YPORT"
deliver "http://127.0.0.1:$YPORT/dockerhub?key=$KEY" v5.0.0
answer 200 '"status":"accepted"' "systemd: 200, key from \$CREDENTIALS_DIRECTORY/dh-key"
npost=$((npost + 1)); wait_posts $npost
posted v5.0.0 "systemd: posted"

# inetd and xinetd: the connection is fds 0, 1 and 2.  The lines of the
# recipes run as written (paths made local); no diagnostic may reach the
# sender.
# inetd_run PORT PROGRAM ARGV0 ARGS...: a launcher that gives fds 0-2.
inetd_run() {
	_p=$1; _prog=$2; shift 3
	systemd-socket-activate -a --inetd -E PATH -E DH_KEY -E HUBTWEET_CONFIG \
	    -E TW_API_URL -E TW_CONSUMER_KEY -E TW_CONSUMER_SECRET \
	    -E TW_ACCESS_TOKEN -E TW_ACCESS_SECRET -E "HOME=${INETD_HOME:-$HOME}" \
	    -E "STATE_DIRECTORY=${INETD_STATE:-$STATE_DIRECTORY}" \
	    -l "127.0.0.1:$_p" \
	    sh -c 'exec 2>&1; exec "$@"' sh "$_prog" "$@" 2>>"$T/sd.err" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$_p"
}
line=$(grep -v '^#' "$TOP/scripts/inetd.conf" | grep .)
# shellcheck disable=SC2086 # the inetd.conf line, split into its fields
set -- $line
is "$1 $2 $3 $4" "hubtweet stream tcp nowait" "inetd.conf: a stream tcp nowait service"
prog=$(printf '%s' "$6" | sed "s|/usr/local/bin/|$TOP/scripts/|")
shift 6
# The config path of the line, made local; the spool in it, as the state
# directory below can hold none.
mkdir -m 700 "$T/ispool"
printf 'spool: { dir = "%s"; };\ndockerhub: { group_window = 0; };\n' "$T/ispool" >"$T/x.conf"
# shellcheck disable=SC2046 # the line's arguments, split as inetd does
set -- $(printf '%s ' "$@" | sed "s|/etc/hubtweet/hubtweet.conf|$T/x.conf|")
IPORT=$(free_port)
# A state directory where the default queue cannot be made: the post goes
# straight to X, and the warning must not reach the connection, which is
# stderr too under inetd.
INETD_HOME=/proc/nonexistent
INETD_STATE=/proc/nonexistent
inetd_run "$IPORT" "$prog" "$@"
INETD_HOME=
INETD_STATE=
deliver "http://127.0.0.1:$IPORT/dockerhub?key=$KEY" v6.0.0
answer 200 '"status":"accepted"' "inetd line: 200"
npost=$((npost + 1)); wait_posts $npost
posted v6.0.0 "inetd line: posted"
run curl -sS -i --max-time 5 -d 'not json' "http://127.0.0.1:$IPORT/dockerhub?key=$KEY"
answer 400 '"reason":"body:1:[0-9]+: invalid JSON' "inetd: bad payload, 400"
if $CLIENT check <"$T/out" >"$T/why"; then ok "inetd: nothing but the answer on the connection"
else not_ok "inetd: nothing but the answer on the connection"; diag "$(cat "$T/why")" "$OUT"; fi

server=$(sed -n 's/^[[:space:]]*server[[:space:]]*=[[:space:]]*//p' "$TOP/scripts/xinetd.hubtweet")
sargs=$(sed -n 's/^[[:space:]]*server_args[[:space:]]*=[[:space:]]*//p' "$TOP/scripts/xinetd.hubtweet")
like "$(cat "$TOP/scripts/xinetd.hubtweet")" 'wait[[:space:]]*= no' "xinetd: wait = no"
printf 'dockerhub: { group_window = 0; };\n' >"$T/x.conf"
XPORT=$(free_port)
# shellcheck disable=SC2046 # server_args, split into words as xinetd does
inetd_run "$XPORT" "$(printf '%s' "$server" | sed "s|/usr/local/bin/|$TOP/scripts/|")" dh-hook \
    $(printf '%s' "$sargs" | sed "s|/etc/hubtweet/hubtweet.conf|$T/x.conf|")
deliver "http://127.0.0.1:$XPORT/dockerhub?key=$KEY" v7.0.0
answer 200 '"status":"accepted"' "xinetd service: 200"
npost=$((npost + 1)); wait_posts $npost
posted v7.0.0 "xinetd service: posted"

# tcpserver: the recipe script.
if command -v tcpserver >/dev/null 2>&1; then
	TPORT=$(free_port)
	hubtweet-tcpserver 127.0.0.1 "$TPORT" 2>>"$T/tcpserver.log" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$TPORT"
	deliver "http://127.0.0.1:$TPORT/dockerhub?key=$KEY" v8.0.0
	answer 200 '"status":"accepted"' "tcpserver: 200"
	npost=$((npost + 1)); wait_posts $npost
	posted v8.0.0 "tcpserver: posted"
	_i=0; while ! grep -q 'v8\.0\.0' "$T/tcpserver.log" && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	like "$(cat "$T/tcpserver.log")" '"POST /dockerhub" 200 id=ferrowind/gatekeeper:v8\.0\.0' "tcpserver: logged"
else
	skip "no tcpserver"; skip "no tcpserver"; skip "no tcpserver"
fi

# With the queue (dh-hook -q): X fails twice, the sender is answered at
# once, the post is retried and made once; the same delivery again is not
# posted again.
mkdir -m 700 "$T/q"
QPORT=$(free_port)
hubtweet-socat -b 127.0.0.1 -p "$QPORT" -- -q "$T/q" 2>>"$T/q.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$QPORT"
mock_x_script '503*2'
deliver "http://127.0.0.1:$QPORT/dockerhub?key=$KEY" v10.0.0
answer 200 '"status":"accepted"' "queue: X failing, the sender gets 200"
npost=$((npost + 1)); wait_posts $npost
posted v10.0.0 "queue: posted after X's failures"
_i=0; while [ -n "$(find "$T/q/new" -type f)" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
is "$(find "$T/q/new" -type f | wc -l)" 0 "queue: nothing left queued"
deliver "http://127.0.0.1:$QPORT/dockerhub?key=$KEY" v10.0.0
answer 200 '"status":"accepted"' "queue: the same delivery again, 200"
_i=0; while ! grep -q 'ferrowind/gatekeeper:v10\.0\.0@.*: not posted: repeat of' "$T/q.log" && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
like "$(cat "$T/q.log")" 'id=ferrowind/gatekeeper:v10\.0\.0@[^ ]*: not posted: repeat of ferrowind/gatekeeper:v10\.0\.0@' \
    "queue: the memory of releases knows the release"
posted v10.0.0 "queue: the same delivery is not posted twice"

# By default dh-hook queues, in the state directory: a post that X
# refuses for good is kept in its failed/ with the reason, where
# tw-post --queue-status and --retry find it with no argument.
SPORT=$(free_port)
STATE_DIRECTORY=$T/dstate hubtweet-socat -b 127.0.0.1 -p "$SPORT" 2>>"$T/s.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$SPORT"
mock_x_script '400'
deliver "http://127.0.0.1:$SPORT/dockerhub?key=$KEY" v11.0.0
answer 200 '"status":"accepted"' "default queue: the sender gets 200"
_i=0; while [ -z "$(find "$T/dstate/queue/failed" -name '*.reason' 2>/dev/null)" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
like "$(cat "$T"/dstate/queue/failed/*.reason 2>/dev/null)" '400' "default queue: X's refusal kept in failed/ with the reason"
is "$(stat -c %a "$T/dstate/queue")" 700 "default queue: owner only"
STATE_DIRECTORY=$T/dstate run tw-post --queue-status
like "$OUT" "failed item: $T/dstate/queue/failed/.*400" "default queue: tw-post -S with no argument finds it"
like "$(cat "$T/s.log")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z dh-parse: http: ' "socat: log lines begin with the time"
like "$(cat "$T/s.log")" 'Z tw-post: .*v11\.0\.0.*400' "socat: tw-post's error, with the event, logged"

# Each process gets only the secrets it uses, and wipes what it read: the
# wrappers record the names each tool was given, then what its
# /proc/PID/environ holds while it works (dh-parse reads the request for
# 2 s; tw-post, started once there is an event, then waits 4 s for the
# mock's answer).
mkdir "$T/wrap"
for n in dh-parse dh-format tw-post; do
	d=1; [ $n = tw-post ] && d=2
	# dh-parse runs twice: --http, then --drain (which runs the rest).
	cat >"$T/wrap/$n" <<EOF
#!/bin/sh
m=$n; [ $n = dh-parse ] && m=$n\$1
tr '\0' '\n' </proc/\$\$/environ | sed -n 's/^\(DH_KEY\|TW_CONSUMER_KEY\|TW_CONSUMER_SECRET\|TW_ACCESS_TOKEN\|TW_ACCESS_SECRET\)=..*/\1/p' | sort | tr '\n' ' ' >"$T/env-\$m"
( sleep $d; tr '\0' '\n' </proc/\$\$/environ >"$T/penv-\$m" ) &
exec "$BIN/$n" "\$@"
EOF
	chmod +x "$T/wrap/$n"
done
EPORT=$(free_port)
PATH=$T/wrap:$PATH XDG_STATE_HOME=$T/estate hubtweet-socat -b 127.0.0.1 -p "$EPORT" 2>>"$T/e.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$EPORT"
rm -f "$T"/env-* "$T"/penv-*
mock_x_script 'slow:4'
payload v12.0.0
{ printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' "$KEY" "$(wc -c <"$PAY")"; cat "$PAY"; } >"$T/ereq"
run $CLIENT "$EPORT" "$T/ereq" 60 2
answer 200 '"status":"accepted"' "secrets: the delivery is accepted"
npost=$((npost + 1)); wait_posts $npost
_i=0; while [ ! -s "$T/penv-tw-post" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
is "$(cat "$T/env-dh-parse--http")" "DH_KEY " "secrets: dh-parse --http is given DH_KEY alone"
is "$(cat "$T/env-dh-parse--drain")" "TW_ACCESS_SECRET TW_ACCESS_TOKEN TW_CONSUMER_KEY TW_CONSUMER_SECRET " \
    "secrets: dh-parse --drain is given the TW_ its tw-post needs, not DH_KEY"
is "$(cat "$T/env-dh-format")" "" "secrets: dh-format is given none"
is "$(cat "$T/env-tw-post")" "TW_ACCESS_SECRET TW_ACCESS_TOKEN TW_CONSUMER_KEY TW_CONSUMER_SECRET " "secrets: tw-post is given the four TW_ alone"
unlike "$(cat "$T/penv-dh-parse--http")" "$KEY" "secrets: dh-parse wiped the key from its environment once read"
unlike "$(cat "$T/penv-dh-parse--http")" "mock-consumer-secret|mock-access-secret|mock-access-token" \
    "secrets: dh-parse --http, which reads the request, never holds an X credential"
unlike "$(cat "$T/penv-tw-post")" "mock-consumer-secret|mock-access-secret|mock-access-token" "secrets: tw-post wiped the credentials once read"
like "$(cat "$T/penv-tw-post")" "TW_API_URL=" "... (what is no secret stays)"
posted v12.0.0 "secrets: posted all the same"
mock_x_script ''

# make demo: the same path, started and stopped by scripts/demo; twice in
# a row with the same HOME (the second run posts too), leaving nothing in
# the user's state directory.
mkdir "$T/dhome"
for _r in 1 2; do
	run env -u DH_KEY -u TW_API_URL -u TW_CONSUMER_KEY HOME="$T/dhome" \
	    "$TOP/scripts/demo"
	is_status 0 "make demo, run $_r: scripts/demo exits 0"
	like_out '\{"status":"accepted","id":"sealark/weather-station:1\.4\.2@2025-11-30T12:30:00Z"\}' "make demo, run $_r: shows the answer"
	like_out 'New release 1\.4\.2 of sealark/weather-station: docker pull sealark/weather-station:1\.4\.2$' "make demo, run $_r: shows the post the mock received"
	like_out 'id 110000000000000001: New release 1\.4\.2 .*\(Idempotency-Key hubtweet-' "make demo, run $_r: and the Mastodon status"
	like_out 'rkey [2-7a-j][2-7a-z]{12}: New release 1\.4\.2 ' "make demo, run $_r: and the Bluesky post"
done
is "$(find "$T/dhome" -mindepth 1 | head -n 5)" "" "make demo leaves nothing in HOME"

# Nothing was posted twice.
is "$(sort "$MOCK_POSTS" | sed 's/.*"text": *//' | sort | uniq -d | wc -l)" 0 "no post was made twice"
is "$(mock_x_stat bad_auth)" 0 "every request to X was signed right"
done_testing
