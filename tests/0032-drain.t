#!/bin/sh
# One drain per burst: deliveries that arrive while another drains the
# spool only put, and the drain passes what has closed on in batches, each
# batch one run of the posters, whose tw-send keeps one connection to X.
. "${0%/*}/lib.sh"

KEY=drain-k3y-$$
DH_KEY=$KEY
export DH_KEY
# lib.sh's state directory (spool and queue), made.
STATE=$STATE_DIRECTORY
mkdir -m 700 "$STATE"

# conns: the mock's connections so far, the one that asks included.
conns() { mock_x_stat connections; }

mock_x_start || { echo "Bail out! no mock X API"; exit 1; }
cat >"$HUBTWEET_CONFIG" <<'CONF'
dockerhub: { group_window = 0; };
format: { template = "New release {tag} of {repo_name}"; };
CONF

# tw-post with several posts in one run: one tw-send, one connection.
c0=$(conns)
for i in 1 2 3; do
	printf '{"id":"e%d","text":"post %d of a batch"}\n' "$i" "$i"
done >"$T/batch"
run sh -c 'tw-post --json <"$0"' "$T/batch"
c1=$(conns)
is_status 0 "three posts in one run"
is "$(mock_x_stat accepted)" 3 "... all three posted"
is "$((c1 - c0 - 1))" 1 "... over one kept-alive connection"

# A burst over socat: twelve releases of twelve repositories, sent as
# fast as curl goes; each answered at once, each posted once, in fewer
# batches (connections to X) than deliveries.
PORT=$(free_port)
MARK=drain-$$-$(date +%s)
HT_DRAIN_MARK=$MARK socat TCP-LISTEN:"$PORT",bind=127.0.0.1,fork,reuseaddr,backlog=64 \
    EXEC:dh-hook 2>>"$T/hook.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! nothing listens on $PORT"; exit 1; }
U="http://127.0.0.1:$PORT/dockerhub?key=$KEY"
before=$(wc -l <"$MOCK_POSTS")
c0=$(conns)
: >"$T/answers"
pids=
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	delivery "burst/r$i" "2.$i.0" >"$T/body$i"
	curl -sS --max-time 20 -o /dev/null -w '%{http_code}\n' \
	    --data-binary @"$T/body$i" "$U" >>"$T/answers" 2>>"$T/curl.err" &
	pids="$pids $!"
done
# shellcheck disable=SC2086 # the pids, one word each
wait $pids
is "$(sort -u "$T/answers")" 200 "twelve deliveries, each answered 200"
i=0
while [ "$(wc -l <"$MOCK_POSTS")" -lt $((before + 12)) ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
is "$(($(wc -l <"$MOCK_POSTS") - before))" 12 "each posted"
i=1 bad=
while [ $i -le 12 ]; do
	[ "$(grep -c "New release 2\\.$i\\.0 of burst/r$i\"" "$MOCK_POSTS")" = 1 ] ||
	    bad="$bad r$i"
	i=$((i + 1))
done
is "$bad" "" "... exactly once"
c=$(($(conns) - c0 - 1))
diag "connections to X for 12 deliveries: $c"
like "$c" '^([1-9]|1[01])$' "in fewer batches than deliveries: $c connections for 12 posts"
i=0
while [ -n "$(find "$STATE/spool/open" "$STATE/spool/closed" -mindepth 1 2>/dev/null)" ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
is "$(find "$STATE/spool/open" "$STATE/spool/closed" "$STATE/spool/tmp" -mindepth 1 | wc -l | tr -d ' ')" 0 \
    "the spool is empty"
drains=$(grep -c ': passed on$' "$T/hook.log")
is "$drains" 12 "the log has each group passed on"

# The drain stops once nothing is left: no process of the burst remains.
sleep 1.5
left=
for p in $(pgrep -f 'dh-parse --http' 2>/dev/null); do
	tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "HT_DRAIN_MARK=$MARK" &&
	    left="$left $p"
done
is "$left" "" "no drain lingers once the spool is empty"

# The state directory's spool cannot be made: 503, and the log says why.
delivery solo/app 9.0.0 >"$T/solo"
{ printf 'POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' "$KEY" "$(wc -c <"$T/solo")"; cat "$T/solo"; } >"$T/soloreq"
cp "$T/soloreq" "$T/solo.conn"
STATE_DIRECTORY=/proc/self/nowhere run dh-parse -H -T <>"$T/solo.conn"
is_status 75 "-H -T, no spool can be made: 75"
like "$(cat "$T/solo.conn")" '^HTTP/1\.1 503 ' "... answered 503"
like "$(cat "$T/solo.conn")" '"reason":"cannot keep the delivery now"' "... that it cannot keep it"
like "$ERR" '" 503 id=solo/app:9\.0\.0@[^ ]* bytes=[0-9]+ spool: /proc/self/nowhere/spool: ' "... and the log says why"
is "$OUT" "" "... nothing on stdout"
run dh-parse -H "$T/soloreq"
expect 64 '^usage: dh-parse' "-H takes no file"

done_testing
