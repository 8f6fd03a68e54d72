#!/bin/sh
# A release's burst through socat + dh-hook: every delivery answered at
# once, kept in the spool first, one post per release once its window has
# closed; and nothing lost, nothing posted twice, when the processes after
# the 200 are killed (-9) at any moment and dh-hook --flush runs later.
. "${0%/*}/lib.sh"

KEY=burst-k3y-$$
DH_KEY=$KEY
export DH_KEY
# The state directory (spool and queue) of this test alone.
STATE=$T/state
STATE_DIRECTORY=$STATE
export STATE_DIRECTORY
mkdir -m 700 "$STATE"

# deliver REPO TAG: POST it; "CODE SECONDS" appended to $T/answers.
deliver() {
	delivery "$1" "$2" >"$T/body"
	curl -sS --max-time 20 -o "$T/answer" -w '%{http_code} %{time_total}\n' \
	    --data-binary @"$T/body" "$U" >>"$T/answers" 2>>"$T/curl.err"
}
# handlers: every process that socat started for a connection, and all
# that these started, but socat itself.  A handler whose connection is
# closed is no longer socat's child: the processes are known by a mark in
# their environment (Linux's /proc).
MARK=burst-$$-$(date +%s)
handlers() {
	for _e in /proc/[0-9]*/environ; do
		_p=${_e#/proc/}; _p=${_p%/environ}
		[ "$_p" != "$SOCAT" ] && [ "$_p" != $$ ] &&
		    { tr '\0' '\n' <"$_e"; } 2>/dev/null |
		    grep -qx "HT_BURST_MARK=$MARK" &&
		    echo "$_p"
	done
}
# kill_handlers: kill -9 them all, again until none is left, so that a
# child started while the list was made is not missed.
kill_handlers() {
	_k=0
	while [ $_k -lt 20 ]; do
		_l=$(handlers)
		[ -n "$_l" ] || break
		# shellcheck disable=SC2086 # the pids, one word each
		kill -9 $_l 2>/dev/null
		_k=$((_k + 1))
	done
	[ $_k -gt 0 ] && kills=$((kills + 1))
	return 0
}
kills=0
# wait_posts N: until the mock has N posts (60 s at most).
wait_posts() { wait_for_posts "$1" 60; }
ntimes() { grep -c "$1" "$MOCK_POSTS"; }
spool_left() {
	find "$STATE/spool/open" "$STATE/spool/closed" "$STATE/spool/tmp" \
	    -mindepth 1 2>/dev/null | wc -l | tr -d ' '
}

mock_x_start --delay 0.2 || { echo "Bail out! no mock X API"; exit 1; }
cat >"$HUBTWEET_CONFIG" <<'CONF'
dockerhub: { group_window = 3; };
format: { template = "New release {tag} of {repo_name} (tags {tags}; also {other_tags:-nothing else})"; };
CONF
PORT=$(free_port)
HT_BURST_MARK=$MARK socat TCP-LISTEN:"$PORT",bind=127.0.0.1,fork,reuseaddr,backlog=64 \
    EXEC:dh-hook 2>>"$T/hook.log" &
SOCAT=$!
at_exit "kill $SOCAT 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! nothing listens on $PORT"; exit 1; }
U="http://127.0.0.1:$PORT/dockerhub?key=$KEY"

# Five deliveries of one release, and another repository's in the same
# second.
: >"$T/answers"
deliver acme/widget 1.2.3
deliver acme/widget 1.2
deliver other/thing 0.9
deliver acme/widget 1
deliver acme/widget latest
deliver acme/widget 1.2.3
is "$(cut -d' ' -f1 "$T/answers" | tr '\n' ' ')" "200 200 200 200 200 200 " "six deliveries, each answered 200"
slowest=$(sort -k2 -n "$T/answers" | tail -n 1 | cut -d' ' -f2)
diag "slowest answer: $slowest s"
is "$(awk '$2 >= 1.0' "$T/answers" | wc -l | tr -d ' ')" 0 "each within a second (the window is not waited for)"
waiters=0
wenv=
for p in $(handlers); do
	if { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q '^dh-parse --drain --wait'; then
		waiters=$((waiters + 1))
		wenv="$wenv$({ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null)"
	fi
done
is "$waiters" 1 "one process waits for the windows, for both releases, not one per delivery"
like "$wenv" 'TW_API_URL=' "the waiter's environment is readable"
unlike "$wenv" 'mock-consumer-secret|mock-access-secret|mock-access-token' \
    "the waiter holds no X credential in its environment while it waits"
wait_posts 2
sleep 2
is "$(wc -l <"$MOCK_POSTS" | tr -d ' ')" 2 "two posts, no more"
is "$(ntimes '"New release 1.2.3 of acme/widget (tags 1.2.3, 1.2, 1; also 1.2, 1)"')" 1 \
    "the release: one post, main tag 1.2.3, tags 1.2.3, 1.2, 1"
is "$(ntimes '"New release 0.9 of other/thing (tags 0.9; also nothing else)"')" 1 \
    "the other repository: its own post"
is "$(spool_left)" 0 "the spool is empty again"
like "$(cat "$T/hook.log")" 'drain: [0-9]+\.[0-9]+\.acme\+widget: 4 deliveries, id=acme/widget:1\.2\.3@2026-01-01T00:00:00Z: passed on' \
    "the log says what the group held"

# Every process after the 200 killed: the delivery waits in the spool for
# dh-hook --flush, which posts it once.
posts=$(wc -l <"$MOCK_POSTS")
: >"$T/answers"
deliver acme/gadget 2.0.0
kill_handlers
sleep 4
is "$(cut -d' ' -f1 "$T/answers")" 200 "killed after the 200: it was answered 200"
is "$(wc -l <"$MOCK_POSTS")" "$posts" "killed: nothing posted"
is "$(spool_left)" 2 "killed: the delivery waits in the spool (its group, and it)"
run dh-hook --flush
is_status 0 "dh-hook --flush after the window"
is "$(ntimes 'New release 2.0.0 of acme/gadget')" 1 "it posts the delivery"
run dh-hook --flush
is_status 0 "dh-hook --flush again"
is "$(ntimes 'New release 2.0.0 of acme/gadget')" 1 "... posted exactly once"
is "$(spool_left)" 0 "the spool is empty again"

# The same in a loop, the kill at a random moment after the 200: the
# waiter asleep, the drain, dh-format, tw-post (sending: the mock answers
# after 0.2 s).  Then dh-hook --flush: each release posted exactly once.
sed 's/group_window = 3/group_window = 1/' "$HUBTWEET_CONFIG" >"$T/c1"
cp "$T/c1" "$HUBTWEET_CONFIG"
N=${HT_KILL_ROUNDS:-15}
kills=0
seed=${HT_KILL_SEED:-$(date +%s)}
diag "kill test: $N rounds, seed $seed (HT_KILL_SEED to repeat)"
awk -v n="$N" -v s="$seed" 'BEGIN { srand(s); for (i = 1; i <= n; i++)
	printf "%d %.2f\n", i, rand() * 1.8 }' >"$T/plan"
: >"$T/answers"
while read -r i delay; do
	deliver "kill/r$i" "1.$i.0"
	deliver "kill/r$i" "1.$i"
	sleep "$delay"
	kill_handlers
done <"$T/plan"
is "$(grep -vc '^200 ' "$T/answers")" 0 "kill test: every delivery answered 200"
diag "kill test: $kills of $N rounds found processes to kill"
diag "kill test: $(($(wc -l <"$MOCK_POSTS") - 3)) of $N releases posted before the flush"
sleep 2
j=0
while :; do
	run dh-hook --flush
	cat "$T/err" >>"$T/flush.err"
	[ "$STATUS" -eq 0 ] || [ $j -ge 3 ] && break
	j=$((j + 1)); sleep 1
done
is_status 0 "kill test: the last flush ends well"
bad=
while read -r i delay; do
	c=$(ntimes "New release 1\\.$i\\.0 of kill/r$i (tags 1\\.$i\\.0, 1\\.$i;")
	[ "$c" -eq 1 ] || bad="$bad r$i (killed after ${delay}s): posted $c times;"
done <"$T/plan"
is "$bad" "" "kill test: every release posted exactly once, with both tags"
is "$(sed -n 's/.*"text": "\([^"]*\)".*/\1/p' "$MOCK_POSTS" | sort | uniq -d)" "" \
    "kill test: the mock counts no duplicate post"
is "$(spool_left)" 0 "kill test: nothing left in the spool"
is "$(find "$STATE/queue/new" "$STATE/queue/failed" -type f | wc -l | tr -d ' ')" 0 \
    "kill test: nothing left queued or failed"

# The queue cannot take the event: it stays in the spool with the reason,
# and a later flush posts it.
cp "$T/c1" "$HUBTWEET_CONFIG"
: >"$T/blocked"
printf 'queue: { dir = "%s/blocked/queue"; };\n' "$T" >>"$HUBTWEET_CONFIG"
posts=$(wc -l <"$MOCK_POSTS")
: >"$T/answers"
deliver acme/held 3.0.0
is "$(cut -d' ' -f1 "$T/answers")" 200 "no queue: the delivery is still accepted"
i=0
while [ -z "$(find "$STATE/spool/closed" -name reason 2>/dev/null)" ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
reason=$(cat "$STATE"/spool/closed/*.acme+held/reason 2>/dev/null)
like "$reason" '^exit 66: ([0-9TZ:-]+ )?tw-post: queue .*/blocked/queue: Not a directory$' "the group is kept, with tw-post's reason"
like "$(cat "$T/hook.log")" 'drain: [0-9]+\.[0-9]+\.acme\+held: id=acme/held:3\.0\.0@2026-01-01T00:00:00Z kept in the spool: exit 66: ([0-9TZ:-]+ )?tw-post: queue ' \
    "and the log says so"
is "$(wc -l <"$MOCK_POSTS")" "$posts" "nothing posted"
run dh-hook --flush
like "$STATUS" '^(66|75)$' "dh-hook --flush while the queue is still broken: not 0"
like "$ERR" 'kept in the spool: exit 66' "... and the group is kept again"
cp "$T/c1" "$HUBTWEET_CONFIG"
run dh-hook --flush
is_status 0 "dh-hook --flush once it is repaired"
is "$(ntimes 'New release 3.0.0 of acme/held')" 1 "posts it"
is "$(spool_left)" 0 "and the spool is empty"

# A spool that cannot be written: 503, the reason in the log, nothing
# posted.
{ cat "$T/c1"; printf 'spool: { dir = "%s/no/such/dir"; };\n' "$T"; } >"$HUBTWEET_CONFIG"
posts=$(wc -l <"$MOCK_POSTS")
delivery acme/nospool 5.0.0 >"$T/body"
run curl -sS -i --max-time 20 --data-binary @"$T/body" "$U"
answer 503 '"reason":"cannot keep the delivery now"' "an unwritable spool: dh-hook answers 503"
i=0
while ! grep -q 'acme/nospool.* 503 ' "$T/hook.log" && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
like "$(grep 'acme/nospool' "$T/hook.log")" '" 503 id=acme/nospool:5\.0\.0@[^ ]* bytes=[0-9]+ spool: .*/no/such/dir: No such file or directory$' \
    "the log says why"
sleep 3
is "$(wc -l <"$MOCK_POSTS")" "$posts" "nothing is posted for it"

# X refuses the post for good (400): the queue keeps it in failed/ with
# X's reason; the spool is done with it, and no flush sends it again.
cp "$T/c1" "$HUBTWEET_CONFIG"
mock_x_script '400'
: >"$T/answers"
deliver acme/refused 6.0.0
i=0
while [ -z "$(find "$STATE/queue/failed" -name '*.reason' 2>/dev/null)" ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
like "$(cat "$STATE"/queue/failed/*.reason 2>/dev/null)" '400' "X's refusal: in the queue's failed/, with the reason"
sleep 1
is "$(spool_left)" 0 "X's refusal: the spool is done with it"
requests=$(mock_x_stat requests)
run dh-hook --flush
is "$(mock_x_stat requests)" "$requests" "X's refusal: a flush does not send it again"

# A template that cannot be rendered: the queue keeps the event in
# failed/ with the reason (tw-post --retry sends it again); the spool is
# done with it.
rm -f "$STATE"/queue/failed/*
sed 's/{other_tags:-nothing else}/{nosuch}/' "$T/c1" >"$HUBTWEET_CONFIG"
: >"$T/answers"
deliver acme/badtpl 4.0.0
i=0
while [ -z "$(find "$STATE/queue/failed" -name '*.reason' 2>/dev/null)" ] && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
like "$(cat "$STATE"/queue/failed/*.reason 2>/dev/null)" 'nosuch' \
    "a render failure: in the queue's failed/, the field named"
sleep 1
is "$(spool_left)" 0 "a render failure: the spool is done with it"
cp "$T/c1" "$HUBTWEET_CONFIG"

done_testing
