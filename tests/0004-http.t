#!/bin/sh
# shellcheck disable=SC3044 # complete is this file's own function
# dh-parse --http: one webhook delivery over real TCP on 127.0.0.1, under
# socat, systemd-socket-activate (inetd style) and tcpserver.
. "${0%/*}/lib.sh"

F=$PAYLOADS
CLIENT="python3 $TOP/tests/http-client.py"
KEY='s3cret-K3y'
DH_KEY=$KEY
export DH_KEY
P09=$F/09-semver-multistage-dockerfile.json
P21=$F/21-string-comment-count-float.json

# The request deadline is 1 s here, so that the 408 test is quick.
printf 'dockerhub: { timeout = 1; max_body = 4096; };\n' >"$T/h.conf"
: >"$T/events"; : >"$T/log"; : >"$T/status"

# listen PORT HANDLER: socat forks HANDLER per connection.
listen() {
	socat TCP-LISTEN:"$1",bind=127.0.0.1,fork,reuseaddr SYSTEM:"$2" \
	    2>>"$T/socat.err" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$1" || { echo "Bail out! nothing listens on $1"; exit 1; }
}
PORT=$(free_port)
listen "$PORT" "trap true TERM; dh-parse -H -c $T/h.conf >>$T/events 2>>$T/log; echo \$? >>$T/status"

# wait_status N: until N handlers have exited; $LAST is the last status.
wait_status() {
	_i=0
	while [ "$(wc -l <"$T/status")" -lt "$1" ] && [ $_i -lt 200 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
	LAST=$(tail -n 1 "$T/status")
	LOG=$(tail -n 1 "$T/log")
}
# wait_port's probe was a connection too.
wait_status 1
n=1
# post ARGS...: curl -i to the listener; $OUT is the whole answer.
post() {
	run curl -sS -i --max-time 20 "$@"
	n=$((n + 1))
	wait_status $n
}
# raw FILE [ARGS]: send FILE as the request with the raw client.
raw() {
	_f=$1; shift
	run $CLIENT "$PORT" "$_f" "$@"
	n=$((n + 1))
	wait_status $n
}
# answer_complete NAME: the last answer is one complete HTTP/1.1 response.
answer_complete() {
	if $CLIENT check <"$T/out" >"$T/why"; then ok "$1: complete response"
	else not_ok "$1: complete response"; diag "$(cat "$T/why")" "$OUT"; fi
}
U="http://127.0.0.1:$PORT"

# Accepted.
post --data-binary @"$P09" "$U/dockerhub?key=$KEY"
answer 200 '' "accepted: 200"
answer 200 '^\{"status":"accepted","id":"ferrowind/gatekeeper:2.4.1@2017-06-16T11:41:24Z"\}$' "accepted: JSON body with the event id"
answer_complete accepted
is "$LAST" 0 "accepted: exit 0"
is "$(wc -l <"$T/events")" 1 "accepted: one event on stdout"
like "$(cat "$T/events")" '^\{"repo_name":"ferrowind/gatekeeper",.*"id":"ferrowind/gatekeeper:2.4.1@2017-06-16T11:41:24Z"\}$' "accepted: the event"
like "$LOG" '^dh-parse: http: 127\.0\.0\.1:[0-9]+ "POST /dockerhub" 200 id=ferrowind/gatekeeper:2\.4\.1@2017-06-16T11:41:24Z bytes=[0-9]+ accepted$' "accepted: one log line with peer, method, path, status, id, bytes"

# The old parameter name; a chunked body.
post --data-binary @"$P09" "$U/dockerhub?dockerkey=$KEY"
like "$OUT" '"status":"accepted"' "dockerkey= is accepted too"
post -H 'Transfer-Encoding: chunked' --data-binary @"$P09" "$U/dockerhub?key=$KEY"
answer 200 '"status":"accepted"' "chunked body accepted"
is "$(wc -l <"$T/events")" 3 "each accepted delivery gives its event"
# A client that waits for "100 Continue" before the body gets it: told to
# wait 10 s for it, curl would otherwise miss the 1 s deadline.
post --expect100-timeout 10 -H 'Expect: 100-continue' --data-binary @"$P09" "$U/dockerhub?key=$KEY"
like "$OUT" '^HTTP/1\.1 100 Continue' "Expect: 100-continue is answered 100"
like "$(sed -n '/^HTTP\/1\.1 200 OK/,$p' "$T/out")" '"status":"accepted"' "... then 200 accepted"
sed -i '$d' "$T/events"
enc=$(printf '%s' "$KEY" | sed 's/-/%2D/g')
post --data-binary @"$P09" "$U/dockerhub?x=1&key=$enc&y"
like "$OUT" '"status":"accepted"' "percent-encoded key among other parameters"

# Ignored: filtered out (latest), 200, nothing passed on.
post --data-binary @"$P21" "$U/dockerhub?key=$KEY"
answer 200 '' "ignored: 200"
answer 200 '^\{"status":"ignored","id":"moorgate/console:latest@2016-04-01T08:40:00Z","reason":"tag .latest. is skipped"\}$' "ignored: reason given"
answer_complete ignored
is "$LAST" 0 "ignored: exit 0"
is "$(wc -l <"$T/events")" 4 "ignored: no event"
like "$LOG" '" 200 id=moorgate/console:latest@2016-04-01T08:40:00Z bytes=[0-9]+ ignored: tag .latest. is skipped$' "ignored: logged with the reason"

# 403: wrong key, no key; nothing passed on, no key in the log.
post --data-binary @"$P09" "$U/dockerhub?key=wrong"
answer 403 '' "wrong key: 403"
answer 403 '^\{"status":"error","reason":"wrong key"\}$' "wrong key: reason"
answer_complete "wrong key"
is "$LAST" 77 "wrong key: exit 77"
like "$LOG" '"POST /dockerhub" 403 id=- bytes=[0-9]+ wrong key$' "wrong key: logged, path without query"
post --data-binary @"$P09" "$U/dockerhub?key=${KEY}x"
answer 403 '' "key with a suffix: 403"
post --data-binary @"$P09" "$U/dockerhub?key=s3cret"
answer 403 '' "key prefix: 403"
post --data-binary @"$P09" "$U/dockerhub?key="
answer 403 '' "empty key: 403"
post --data-binary @"$P09" "$U/dockerhub"
answer 403 '"reason":"no key"' "no key: 403"
# A mangled URL puts the key in the path: the log cuts it off.
post --data-binary @"$P09" "$U/dockerhub%3Fkey=$KEY"
answer 404 '' "key in a mangled path: 404"
post --data-binary @"$P09" "$U/dockerhub;key=$KEY"
answer 404 '' "key after ';': 404"
like "$LOG" '"POST /dockerhub\.\.\." 404' "mangled path: logged up to the cut"
is "$(wc -l <"$T/events")" 4 "a refused delivery passes nothing on"
unlike "$(cat "$T/log")" "$KEY|key=|s3cret" "no key in any log line"

# 404, 405.
post --data-binary @"$P09" "$U/other?key=$KEY"
answer 404 '' "other path: 404"
answer_complete 404
is "$LAST" 65 "404: exit 65"
post --data-binary @"$P09" "$U/dockerhub/?key=$KEY"
answer 404 '' "path with a trailing slash: 404"
post "$U/dockerhub?key=$KEY"
answer 405 '' "GET: 405"
like "$OUT" 'Allow: POST' "405 says Allow: POST"
answer_complete 405
post -X PUT --data-binary @"$P09" "$U/dockerhub?key=$KEY"
answer 405 '"reason":"method PUT not allowed"' "PUT: 405"
like "$LOG" '"PUT /dockerhub" 405 ' "405 logged with the method"

# 411: a POST without Content-Length and not chunked.
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\n\r\n' "$KEY" >"$T/req"
raw "$T/req"
answer 411 '' "no length: 411"
answer_complete 411
is "$LAST" 65 "411: exit 65"

# 413: over max_body (4096 here), announced or chunked.
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/big"
post --data-binary @"$T/big" "$U/dockerhub?key=$KEY"
answer 413 '' "body over the limit: 413"
answer 413 '"reason":"body of 5000 bytes is over the limit of 4096 bytes"' "413: reason"
answer_complete 413
is "$LAST" 65 "413: exit 65"
post -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$U/dockerhub?key=$KEY"
answer 413 '"reason":"body over the limit of 4096 bytes"' "chunked body over the limit: 413"
head -c 3000000 /dev/zero >"$T/huge"
post --data-binary @"$T/huge" "$U/dockerhub?key=$KEY"
answer 413 '' "3 MB body: 413 (curl waits for 100-continue)"
post -H 'Expect:' --data-binary @"$T/huge" "$U/dockerhub?key=$KEY"
answer 413 '' "3 MB body sent at once: 413, not a reset"

# 431: a header block over 8 KiB.
{ printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\n' "$KEY"
  python3 -c 'print("X-Pad: " + "a" * 9000, end="\r\n")'
  printf 'Content-Length: 2\r\n\r\n{}'; } >"$T/req"
raw "$T/req"
answer 431 '"reason":"header block longer than 8192 bytes"' "header block over 8 KiB: 431"
answer_complete 431

# 400: malformed request, cut short, not JSON, not a payload, two values.
printf 'HELLO\r\n\r\n' >"$T/req"
raw "$T/req"
answer 400 '"reason":"malformed request: invalid HTTP method"' "garbage: 400"
answer_complete "400 garbage"
is "$LAST" 65 "400: exit 65"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nContent-Length: 10\r\n\r\n{"a"' "$KEY" >"$T/req"
raw "$T/req" halfclose
answer 400 '"reason":"connection closed before the request was complete"' "cut short: 400"
like "$LOG" '400 id=- bytes=[0-9]+ connection closed before the request was complete$' "cut short: 400 logged"
post --data-binary 'not json' "$U/dockerhub?key=$KEY"
answer 400 '"reason":"body:1:[0-9]+: invalid JSON: ' "not JSON: 400 with the reason"
answer_complete "400 not JSON"
post --data-binary '{"hello":1}' "$U/dockerhub?key=$KEY"
answer 400 '"reason":"not a Docker Hub payload: no \\"push_data\\" object"' "not a payload: 400 with the reason"
like "$LOG" '"POST /dockerhub" 400 id=- bytes=[0-9]+ not a Docker Hub payload' "not a payload: logged"
printf '{"a": \033[31m}' >"$T/esc"
post --data-binary @"$T/esc" "$U/dockerhub?key=$KEY"
answer 400 'invalid JSON' "a body with an escape sequence: 400"
like "$LOG" "invalid token near '[?]'$" "the log line quotes the body, its control characters replaced"
cat "$P09" "$P09" >"$T/two"
post --data-binary @"$T/two" "$U/dockerhub?key=$KEY"
answer 400 '"reason":"more than one JSON value in the body"' "two payloads: 400"
post --data-binary @"$F/23-dotted-tag-ellipsis-INVALID.json" "$U/dockerhub?key=$KEY"
answer 400 'invalid JSON' "a real invalid payload: 400"
is "$(wc -l <"$T/events")" 4 "no event from any bad request"

# Framing a proxy could read differently: a transfer coding other than
# chunked alone is 501, white space before a header's colon 400.
BODY='{"push_data":{"tag":"v1","pushed_at":1700000000},"repository":{"repo_name":"alice/app"}}'
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' "$KEY" ${#BODY} "$BODY" >"$T/req"
raw "$T/req"
answer 501 '"reason":"transfer coding other than chunked alone"' "Transfer-Encoding: gzip, chunked: 501"
answer_complete 501
is "$LAST" 65 "501: exit 65"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' "$KEY" ${#BODY} "$BODY" >"$T/req"
raw "$T/req"
answer 501 '' "Transfer-Encoding given twice: 501"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length : %d\r\n\r\n%s' "$KEY" ${#BODY} "$BODY" >"$T/req"
raw "$T/req"
answer 400 '"reason":"white space before the colon of a header field"' "Content-Length with a space before the colon: 400"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked \r\n\r\n%x\r\n%s\r\n0\r\n\r\n' "$KEY" ${#BODY} "$BODY" >"$T/req"
raw "$T/req"
answer 200 '"status":"accepted"' "Transfer-Encoding: Chunked (any case) is still chunked"
sed -i '$d' "$T/events"
# Duplicate keys: 400, whichever would have won.
post --data-binary '{"push_data":{"tag":"v1","pushed_at":1700000000},"repository":{"repo_name":"alice/app","repo_name":"evil/other"}}' "$U/dockerhub?key=$KEY"
answer 400 '"reason":"body:1:[0-9]+: invalid JSON: duplicate object key near ' "duplicate keys in a payload: 400"
post --data-binary '{"push_data":{"tag":"v1","pushed_at":1700000000},"repository":{"repo_name":"evil.example.com/app"}}' "$U/dockerhub?key=$KEY"
answer 400 'names a registry host' "a dotted namespace: 400"
# A bidi override quoted in a message reaches neither answer nor log as is.
printf '{"push_data":{"tag":"v1","pushed_at":1700000000},"repository":{"repo_name":"a\342\200\256b/app"}}' >"$T/bidi"
post --data-binary @"$T/bidi" "$U/dockerhub?key=$KEY"
answer 400 'is not a valid Docker repository name' "a name with U+202E: 400"
like "$LOG" 'repo_name: "a[?]b/app" is not a valid' "the log line shows the override as '?'"
unlike "$(cat "$T/log")" "$(printf '\342\200\256')" "no U+202E in the log"
is "$(wc -l <"$T/events")" 4 "none of these gave an event"

# 408: a client slower than the whole-request deadline (1 s here), even
# though it sends a byte every 0.3 s.
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}' "$KEY" >"$T/req"
raw "$T/req" trickle 0.3
answer 408 '"reason":"request not complete after 1 s"' "slow client: 408"
answer_complete 408
is "$LAST" 65 "408: exit 65"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\n\r\n' "$KEY" >"$T/req"
head -c 1400 "$P09" >>"$T/req"
raw "$T/req"
answer 408 '' "body that never ends: 408"

# The request line and headers have their own deadline (header_timeout),
# shorter than the whole request's; and the key is judged as soon as the
# request line is in, so a sender without it is answered before it can
# hold the handler with slow headers.
printf 'dockerhub: { timeout = 10; header_timeout = 1; max_body = 4096; };\n' >"$T/hd.conf"
HPORT=$(free_port)
: >"$T/hstatus"
listen "$HPORT" "trap true TERM; dh-parse -H -c $T/hd.conf >>$T/hevents 2>>$T/hlog; echo \$? >>$T/hstatus"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nContent-Length: 2\r\n\r\n{}' "$KEY" >"$T/req"
run $CLIENT "$HPORT" "$T/req" trickle 0.3
answer 408 '"reason":"request line and headers not complete after 1 s"' "slow headers: 408 after header_timeout, not timeout"
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s' "$KEY" ${#BODY} "$BODY" >"$T/req"
run $CLIENT "$HPORT" "$T/req" "$(( $(wc -c <"$T/req") - ${#BODY} + 1 ))" 2
answer 200 '"status":"accepted"' "a body slower than header_timeout (within timeout) is fine"
printf 'POST /dockerhub?key=wrong HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nContent-Length: 2\r\n\r\n{}' >"$T/req"
run $CLIENT "$HPORT" "$T/req" trickle 0.3 36
answer 403 '"reason":"wrong key"' "wrong key, slow headers: 403 at the request line"
printf 'POST /dockerhub?key=wrong HTTP/1.1\r\nThis is no header\r\n\r\n' >"$T/req"
run $CLIENT "$HPORT" "$T/req"
answer 403 '' "wrong key, then a malformed header: 403, the headers unread"
printf 'POST /other?key=%s HTTP/1.1\r\nThis is no header\r\n\r\n' "$KEY" >"$T/req"
run $CLIENT "$HPORT" "$T/req"
answer 404 '' "other path, then a malformed header: 404"
printf 'dockerhub: { header_timeout = 0; };\n' >"$T/hd0.conf"
run_in /dev/null dh-parse -H -c "$T/hd0.conf"
expect 78 "setting 'dockerhub.header_timeout' must be between 1 and 3600" "header_timeout is bounded"

# At most max_per_source handlers per source address (slot_dir): the
# others are answered 503 at once, and other sources are still served.
mkdir -m 700 "$T/slots"
printf 'dockerhub: { slot_dir = "%s"; max_per_source = 1; };\n' "$T/slots" >"$T/sl.conf"
SLPORT=$(free_port)
# A handler that answers before it reads the request (the 503 here, the
# 500s below) exits with the request unread: socat, still writing it to
# the handler, fails and may close the connection before it has passed
# the answer on (a few times in a hundred, tried with a handler that reads
# nothing).  cat reads the rest once dh-parse is done, so that the test
# sees dh-parse's answer rather than socat's failure.
listen "$SLPORT" "trap true TERM; dh-parse -H -c $T/sl.conf >/dev/null 2>>$T/sllog; cat >/dev/null"
# slot_held: a handler holds the slot.  Read from /proc/locks: a flock(1)
# probe would hold the lock itself for a moment, and a handler taking the
# slot then would answer 503.
slot_held() {
	for _f in "$T"/slots/*.0; do
		[ -e "$_f" ] && grep -Eq "^[0-9]+: FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$(stat -c %i "$_f") " /proc/locks &&
		    return 0
	done
	return 1
}
# wait_port's probe was a connection too: until its handler is gone.
_i=0; while { [ ! -s "$T/sllog" ] || slot_held; } && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s' "$KEY" ${#BODY} "$BODY" >"$T/slreq"
# Its head at once, its body 6 s later (within the 10 s deadline).
$CLIENT "$SLPORT" "$T/slreq" "$(( $(wc -c <"$T/slreq") - ${#BODY} ))" 6 >"$T/slow-out" 2>&1 &
slow=$!
# Until its handler holds the slot.
_i=0; until slot_held || [ $_i -ge 200 ]; do sleep 0.05; _i=$((_i + 1)); done
run curl -sS -i --max-time 5 --data-binary "$BODY" "http://127.0.0.1:$SLPORT/dockerhub?key=$KEY"
answer 503 '"reason":"too many connections from this address"' "a second connection from the same address: 503"
run curl -sS -i --max-time 5 --interface 127.0.0.2 --data-binary "$BODY" "http://127.0.0.1:$SLPORT/dockerhub?key=$KEY"
answer 200 '"status":"accepted"' "... while another address is served"
wait $slow
like "$(head -n 1 "$T/slow-out")" '^HTTP/1\.1 200 ' "the slow one, which held the slot, got its answer"
# Its handler answers, logs, then exits, which frees the slot.
_i=0; while slot_held && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
run curl -sS -i --max-time 5 --data-binary "$BODY" "http://127.0.0.1:$SLPORT/dockerhub?key=$KEY"
answer 200 '"status":"accepted"' "its slot is free again once it is done"
like "$(cat "$T/sllog")" '^dh-parse: http: 127\.0\.0\.1:[0-9]+ 503 too many connections from this address$' "the 503 is logged"
chmod 777 "$T/slots"
run curl -sS -i --max-time 5 --data-binary "$BODY" "http://127.0.0.1:$SLPORT/dockerhub?key=$KEY"
answer 500 '' "a slot directory others can write to: 500"
like "$(tail -n 1 "$T/sllog")" "^dh-parse: $T/slots: writable by others: " "... and why in the log"
chmod 700 "$T/slots"

# The answer comes before the rest of the pipeline is done: the consumer
# of the event waits until the test has its answer.
PORT2=$(free_port)
listen "$PORT2" "dh-parse -H 2>>$T/log | { IFS= read -r l || exit 0; while [ ! -e $T/answered ]; do sleep 0.05; done; printf '%s\\n' \"\$l\" >$T/late; }"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$PORT2/dockerhub?key=$KEY"
answer 200 '' "answered while the event's consumer is still busy"
: >"$T/answered"
_i=0; while [ ! -s "$T/late" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
like "$(cat "$T/late" 2>/dev/null)" '"id":"ferrowind/gatekeeper:2.4.1@' "the event went on after the answer"

# Setup errors: no key (78), key files.
run_in /dev/null env -u DH_KEY dh-parse -H
expect 78 '^dh-parse: no key configured: set DH_KEY, dockerhub.key or dockerhub.key_file, or give -k FILE; searched ' "no key: exit 78, the files searched"
run_in /dev/null env DH_KEY= dh-parse -H
expect 78 'no key configured' "empty DH_KEY is no key"
printf '%s\n' "$KEY" >"$T/key"; chmod 644 "$T/key"
run_in /dev/null env -u DH_KEY dh-parse -H -k "$T/key"
expect 78 "^dh-parse: $T/key: key file can be read by group or others \\(mode 644\\); chmod 600 it$" "readable key file refused"
run_in /dev/null env -u DH_KEY dh-parse -H -k "$T/nokey"
expect 78 "^dh-parse: $T/nokey: cannot open key file: No such file or directory$" "missing key file"
chmod 600 "$T/key"
printf 'dockerhub: { key_file = "%s"; };\n' "$T/key" >"$T/kf.conf"
PORT3=$(free_port)
listen "$PORT3" "env -u DH_KEY dh-parse -H -c $T/kf.conf >>$T/events3 2>>$T/log"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$PORT3/dockerhub?key=$KEY"
answer 200 '"status":"accepted"' "key from dockerhub.key_file (newline dropped)"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$PORT3/dockerhub?key=$KEY%0A"
answer 403 '' "the key file's newline is not part of the key"
printf 'dockerhub: { path = "/hooks/docker"; };\n' >"$T/p.conf"
PORT4=$(free_port)
listen "$PORT4" "env -u DH_KEY dh-parse -H -k $T/key -c $T/p.conf 2>>$T/log"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$PORT4/hooks/docker?key=$KEY"
answer 200 '"status":"accepted"' "-k FILE and dockerhub.path"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$PORT4/dockerhub?key=$KEY"
answer 404 '' "the default path is then 404"
PORT5=$(free_port)
listen "$PORT5" "env -u DH_KEY dh-parse -H 2>>$T/log5; cat >/dev/null"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$PORT5/dockerhub?key=$KEY"
answer 500 '"reason":"server misconfigured"' "no key under a launcher: 500 to the sender"
like "$(cat "$T/log5")" 'no key configured' "... and the reason in the log"
printf 'dockerhub: { path = "dockerhub"; };\n' >"$T/rel.conf"
run_in /dev/null dh-parse -H -c "$T/rel.conf"
expect 78 '^dh-parse: dockerhub.path: "dockerhub" does not begin with ./.$' "a path without / is a config error"
run dh-parse -H "$P09"
expect 64 '^usage: dh-parse ' "--http takes no file operand"
run dh-parse -k "$T/key" "$P09"
expect 64 '^usage: dh-parse ' "-k needs --http"

# systemd socket activation, inetd style: fds 0 and 1 are the connection.
SPORT=$(free_port)
systemd-socket-activate -a --inetd -E PATH -E DH_KEY -E HUBTWEET_CONFIG -l "127.0.0.1:$SPORT" \
    sh -c "exec dh-parse --http >>$T/events-sd 2>>$T/log-sd" 2>>"$T/sd.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$SPORT"
run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$SPORT/dockerhub?key=$KEY"
answer 200 '"status":"accepted"' "systemd-socket-activate --inetd: 200"
answer_complete "systemd-socket-activate"
_i=0; while { ! grep -q '" 200 ' "$T/log-sd" || [ ! -s "$T/events-sd" ]; } && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
like "$(cat "$T/events-sd")" '"id":"ferrowind/gatekeeper:2.4.1@' "systemd: event on stdout"
like "$(grep '" 200 ' "$T/log-sd")" '^dh-parse: http: 127\.0\.0\.1:[0-9]+ "POST /dockerhub" 200 ' "systemd: peer from REMOTE_ADDR or getpeername"
run curl -sS -i --max-time 5 -d '{}' "http://127.0.0.1:$SPORT/dockerhub?key=nope"
answer 403 '' "systemd: 403"

# inetd: stderr is the connection too; no diagnostic may reach the sender.
IPORT=$(free_port)
systemd-socket-activate -a --inetd -E PATH -E DH_KEY -E HUBTWEET_CONFIG -l "127.0.0.1:$IPORT" \
    sh -c "exec 2>&1; exec dh-parse --http >>$T/events-in" 2>>"$T/sd.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$IPORT"
run curl -sS -i --max-time 5 -d 'not json' "http://127.0.0.1:$IPORT/dockerhub?key=$KEY"
answer 400 '' "stderr on the connection: 400"
answer_complete "stderr on the connection"
unlike "$OUT" 'dh-parse:' "... with no log text in the answer (it went to syslog)"

# ucspi-tcp: tcpserver sets TCPREMOTEIP; fds 0 and 1 are the connection.
if command -v tcpserver >/dev/null 2>&1; then
	TPORT=$(free_port)
	tcpserver -q -R -H 127.0.0.1 "$TPORT" \
	    sh -c "exec dh-parse -H >>$T/events-t 2>>$T/log-t" &
	at_exit "kill $! 2>/dev/null"
	wait_port "$TPORT"
	run curl -sS -i --max-time 5 --data-binary @"$P09" "http://127.0.0.1:$TPORT/dockerhub?key=$KEY"
	answer 200 '"status":"accepted"' "tcpserver: 200"
	_i=0; while ! grep -q '" 200 ' "$T/log-t" && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	like "$(grep '" 200 ' "$T/log-t")" '^dh-parse: http: 127\.0\.0\.1:[0-9]+ "POST /dockerhub" 200 ' "tcpserver: peer from TCPREMOTEIP"
else
	skip "tcpserver not installed"; skip "tcpserver not installed"
fi

synopsis_agrees dh-parse
done_testing
