#!/bin/sh
# tw-post --queue, --flush, --queue-status: nothing lost, nothing twice.
. "${0%/*}/lib.sh"

# count DIR: the entries of a queue subdirectory.
count() { find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l | tr -d ' '; }
# texts: the texts the mock accepted, one per line.
texts() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["text"])' "$MOCK_POSTS"
}
# ntimes TEXT: how many ntimes the mock accepted TEXT.
ntimes() { texts | grep -cx -- "$1"; }
# events FILE FIRST LAST [TAG]: --json posts "release TAG N" with event ids.
events() {
	_i=$2
	: >"$1"
	while [ "$_i" -le "$3" ]; do
		printf '{"text":"release %s %d","weighted_length":12,"valid":true,"id":"r/%s:%d@2026-11-27T00:00:00Z"}\n' \
		    "${4:-v}" "$_i" "${4:-v}" "$_i" >>"$1"
		_i=$((_i + 1))
	done
}

# Usage.
run tw-post -F -S "$T/q"
expect 64 '^tw-post: -F, -S and -R take one queue directory' "-F and -S together"
STATE_DIRECTORY=$T/state run tw-post -F
expect 0 "^tw-post: $T/state/queue: no queue yet: nothing to send\$" "-F without a directory: the default queue, none yet"
run tw-post -S -q "$T/q" "$T/other"
expect 64 '^tw-post: -F, -S and -R take one queue directory' "-S with two directories"
run tw-post -F "$T/nonexistent"
expect 66 "^tw-post: queue $T/nonexistent: No such file or directory$" "-F does not make a queue"
run tw-post -q '' hello
expect 64 '^tw-post: -q: the queue directory is empty$' "-q ''"
mkdir -m 777 "$T/open"
run tw-post -q "$T/open" hello
expect 77 "^tw-post: queue $T/open: writable by others: anyone who can write there can post; chmod go-w it$" "a queue others can write to is refused"
# A queue, or a part of it, that another user owns: that user could put
# posts in new/ (chown needs root; nobody is uid 65534 here).
if [ "$(id -u)" = 0 ]; then
	mkdir -m 700 "$T/theirs"
	chown 65534 "$T/theirs"
	run tw-post -q "$T/theirs" hello
	expect 77 "^tw-post: queue $T/theirs: owned by uid 65534, not by this user \\(uid 0\\): whoever owns it can post; use a directory of your own$" "a queue another user owns is refused"
	run tw-post -q "$T/mine" hello
	chown 65534 "$T/mine/new"
	run tw-post -F "$T/mine"
	expect 77 "^tw-post: queue $T/mine/new: owned by uid 65534, not by this user" "a new/ another user owns is refused, even by --flush"
else
	skip "not root: cannot give a directory away"
	skip "not root: cannot give a directory away"
fi

mock_x_start || exit 1
Q=$T/q

# Posted at once: written first, removed after.
run tw-post -q "$Q" "hello from the queue"
is_status 0 "--queue: posted"
like_out '^1[0-9]+ https://x\.com/i/web/status/1[0-9]+$' "--queue: prints the id and URL"
is "$(count "$Q/new")/$(count "$Q/tmp")/$(count "$Q/failed")" 0/0/0 "--queue: nothing left"
is "$(stat -c %a "$Q" "$Q/new" "$Q/tmp" "$Q/failed" "$Q/sent" | sort -u)" 700 "queue directories are 0700"

# The event id travels from dh-parse through dh-format --json to the queue:
# the same delivery twice is posted once, and not even tried again.
dh-parse -L "$DATA/payload.json" | dh-format --json >"$T/pipe"
like "$(cat "$T/pipe")" '"id":"[^"]+@[^"]+"' "dh-format --json passes the event id on"
run_in "$T/pipe" tw-post --json -q "$Q"
is_status 0 "pipeline into the queue: posted"
n=$(mock_x_stat requests)
run_in "$T/pipe" tw-post --json -q "$Q"
expect 0 '^tw-post: post 1: event [^ ]+@[^ ]+: already posted$' "the same delivery again: already posted"
is "$(mock_x_stat requests)" "$n" "X not called for it"

# X down: every delivery is queued (75); a redelivery is not queued twice.
mock_x_script '503*1000'
events "$T/ev" 1 5
n=$(mock_x_stat requests)
run_in "$T/ev" tw-post --json -T 1 -q "$Q"
expect 75 "^tw-post: post 1: event r/v:1@2026-11-27T00:00:00Z: queued in $Q: X is unavailable \(503\)" "503: queued, exit 75"
like_err "post 2: queued in $Q: not sent after the failure before" "the posts after a failure are queued, not sent"
is "$(printf '%s\n' "$OUT" | grep -c '"queued":true')" 5 "--json: one queued line per post"
is "$(count "$Q/new")" 5 "five posts queued"
is "$(stat -c %a "$Q"/new/* | sort -u)" 600 "queue files are 0600"
like "$(cat "$Q"/new/*)" '"id":"r/v:3@2026-11-27T00:00:00Z"' "items carry the event id"
like "$(cat "$Q"/new/* | head -n 1)" '"attempts":1,"last_error":"X is unavailable \(503\)' "the attempt is counted"
events "$T/ev2" 3 3
run_in "$T/ev2" tw-post --json -T 1 -q "$Q"
expect 75 "^tw-post: post 1: event r/v:3@2026-11-27T00:00:00Z: already queued in $Q$" "a redelivered event is not queued twice"
is "$(count "$Q/new")" 5 "still five"
run tw-post -S "$Q"
is_status 0 "--queue-status"
like_out '^queued: 5$' "status: queued count"
like_out '^oldest queued: [0-9]+ s ago$' "status: age of the oldest"
like_out '^failed: 0$' "status: failed count"
like_out '^flushing: no$' "status: no flush running"
run tw-post -F -T 1 "$Q"
expect 75 "^tw-post: $Q/new/[^:]+: event r/v:[0-9]+@2026-11-27T00:00:00Z: still queued: X is unavailable \(503\)" "flush while X is down: 75"
like_err "$Q: 0 posted, 0 already posted, 0 failed, 0 corrupt; 5 queued$" "flush reports what it did"
# X is back.
mock_x_script ''
run tw-post -F "$Q"
is_status 0 "flush after X recovered: 0"
is "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 5 "five ids printed"
like_err "$Q: 5 posted, 0 already posted, 0 failed, 0 corrupt; 0 queued$" "flush: five posted"
is "$(count "$Q/new")" 0 "queue empty"
all_once=ok
for i in 1 2 3 4 5; do [ "$(ntimes "release v $i")" = 1 ] || all_once="release v $i: $(ntimes "release v $i") ntimes"; done
is "$all_once" ok "every delivery made during the outage posted exactly once"
is "$(texts | sort | uniq -d)" "" "no text posted twice"
run tw-post -F "$Q"
is "$STATUS/$ERR" "0/" "an empty flush is silent"
n=$(mock_x_stat requests)
run_in "$T/ev2" tw-post --json -q "$Q"
expect 0 "^tw-post: post 1: event r/v:3@2026-11-27T00:00:00Z: already posted$" "a posted event is not posted again"
is "$(mock_x_stat requests)" "$n" "not even tried"

# A duplicate counts as posted.
run tw-post -q "$Q" "hello from the queue"
expect 0 'already posted \(X: "You are not allowed to create a Tweet with duplicate content\."\)$' "duplicate: posted, exit 0"
is "$(count "$Q/new")/$(count "$Q/failed")" 0/0 "duplicate: removed from the queue"

# Refused for good: failed/, with the reason beside it.
mock_x_script '400'
run tw-post -q "$Q" "refused text"
expect 65 "X rejected the post \(400\).*; moved to $Q/failed/[0-9.]+$" "400: moved to failed/, exit 65"
for f in "$Q"/failed/*; do case $f in *.reason) ;; *) break ;; esac; done
f=${f##*/}
like "$(cat "$Q/failed/$f.reason")" '^X rejected the post \(400\)' "the reason is beside it"
is "$(stat -c %a "$Q/failed/$f" "$Q/failed/$f.reason" | sort -u)" 600 "failed files are 0600"
mock_x_script '503*1000'
run tw-post -T 1 -q "$Q" "cred one"
run tw-post -T 1 -q "$Q" "cred two"
mock_x_script '403:readonly'
run tw-post -F "$Q"
expect 77 "$Q/new/[0-9.]+: X refused to post \(403\): the app is read-only.*; moved to $Q/failed/" "403: exit 77"
is "$(count "$Q/new")" 1 "bad credentials stop the flush: the next post stays queued"
run tw-post -S "$Q"
like_out '^failed: 2$' "status: two failed"
like_out "^failed item: $Q/failed/[0-9.]+: X refused to post \(403\)" "status: failed items and why"
rm -f "$Q"/failed/*

# A corrupt item goes to failed/, and the flush goes on.
printf '{"text":' >"$Q/new/00000000001.000000.1.0"
run tw-post -F "$Q"
expect 65 "^tw-post: $Q/new/00000000001.000000.1.0: corrupt item: invalid JSON: .*; moved to $Q/failed/$" "corrupt item: reported, exit 65"
is "$(ntimes "cred two")" 1 "the flush went on after it"
like "$(cat "$Q/failed/00000000001.000000.1.0.reason")" '^corrupt item: invalid JSON' "corrupt: the reason is beside it"
rm -f "$Q"/failed/*

# Posts whose writer was killed before renaming them into new/: a whole one
# is queued again, an empty one removed, a cut one moved to failed/.
dead=$(sh -c 'echo $$')
printf '{"text":"left in tmp"}\n' >"$Q/tmp/00000000002.000000.$dead.0"
: >"$Q/tmp/00000000002.000000.$dead.1"
printf '{"text":"cut' >"$Q/tmp/00000000002.000000.$dead.2"
run tw-post -F "$Q"
expect 65 "^tw-post: $Q: queued again 1 post\(s\) left in tmp/ by a process that died$" "a whole post left in tmp/ is queued again"
like_err "^tw-post: $Q: moved to failed/ 1 incomplete post\(s\) left in tmp/ by a process that died$" "a cut one goes to failed/"
is "$(ntimes "left in tmp")" 1 "and posted once"
is "$(count "$Q/tmp")" 0 "tmp/ is empty"
like "$(cat "$Q/failed/00000000002.000000.$dead.2.reason")" '^corrupt item left in tmp/ by a dead writer: invalid JSON' "the cut one's reason"
rm -f "$Q"/failed/*

# Rate limited: the reset is beyond the time budget, so the flush stops and
# nothing calls X before the reset.
mock_x_script '429:30'
run tw-post -T 2 -q "$Q" "limited one"
expect 75 "^tw-post: queued in $Q: rate limited by X until [0-9:]+ UTC \([0-9]+ s from now\), beyond the time budget$" "429: queued, exit 75"
n=$(mock_x_stat requests)
run tw-post -T 2 -q "$Q" "limited two"
expect 75 "^tw-post: queued in $Q: rate limited by X until [0-9:]+ UTC$" "while rate limited, --queue only queues"
run tw-post -F -T 2 "$Q"
expect 75 "^tw-post: $Q: rate limited by X until [0-9:]+ UTC; nothing sent$" "while rate limited beyond the time budget, a flush sends nothing"
is "$(mock_x_stat requests)" "$n" "X was not called"
like "$(tw-post -S "$Q")" 'rate limited until: [0-9:]+ UTC' "status shows the rate limit"
# The reset has passed.
echo 1 >"$Q/ratelimit"
run tw-post -F "$Q"
is_status 0 "after the reset, the flush posts"
is "$(ntimes "limited one")$(ntimes "limited two")" 11 "both posted once"
# A reset within the budget: the flush waits for it.
Q2=$T/q2
mock_x_script '503*1000'
run tw-post -T 1 -q "$Q2" "waited for"
mock_x_script '429:1'
run tw-post -F -T 20 "$Q2"
is_status 0 "429 with the reset within the budget: the flush waits, then posts"
is "$(ntimes "waited for")" 1 "posted once"

# Two flushers at once: one runs, the other leaves at once.
Q3=$T/q3
mock_x_script '503*1000'
events "$T/ev3" 1 8 f
run_in "$T/ev3" tw-post --json -T 1 -q "$Q3"
n=$(mock_x_stat requests)
mock_x_script 'slow:0.3*8'
tw-post -F "$Q3" >"$T/f1.out" 2>"$T/f1.err" &
f1=$!
i=0
until tw-post -S "$Q3" | grep -q '^flushing: yes$' || [ $i -ge 100 ]; do
	sleep 0.05; i=$((i + 1))
done
run tw-post -F "$Q3"
expect 75 "^tw-post: $Q3: another flush is running$" "second flusher: exit 75 at once"
tw-post -F "$Q3" >"$T/f3.out" 2>"$T/f3.err" &
f3=$!
wait $f1; s1=$?
wait $f3
is "$s1" 0 "first flusher posted everything"
all_once=ok
for i in 1 2 3 4 5 6 7 8; do [ "$(ntimes "release f $i")" = 1 ] || all_once="release f $i: $(ntimes "release f $i") ntimes"; done
is "$all_once" ok "every post once"
is "$(($(mock_x_stat requests) - n))" 8 "no item sent twice: 8 requests for 8 posts"

# The same delivery five times at once (a redelivery racing the first):
# posted once, whichever process gets there; the others say why not.
Q4=$T/q4
printf '{"text":"raced release","id":"r/race:1@2026-11-27T00:00:00Z"}\n' >"$T/race"
mock_x_script 'slow:0.3*5'
before=$(mock_x_stat requests)
pids=
for i in 1 2 3 4 5; do
	tw-post --json -q "$Q4" <"$T/race" >"$T/race.$i.out" 2>"$T/race.$i.err" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(ntimes "raced release")" 1 "five racing deliveries: posted once"
is "$(($(mock_x_stat requests) - before))" 1 "five racing deliveries: X asked once, not left to its duplicate check"
is "$(count "$Q4/new")" 0 "and nothing left queued"
unlike "$(cat "$T"/race.*.err)" 'still queued|corrupt|failed' "the others: already queued, already posted or a duplicate"

# kill -9 at random points while posting and flushing.  Afterwards every
# post whose tw-post got as far as queueing it is posted exactly once, and
# X refused at most one duplicate per kill.
mock_x_start --delay 0.03 || exit 1
QK=$T/qk
N=${HT_KILL_ROUNDS:-40}
seed=${HT_KILL_SEED:-$(date +%s)}
diag "kill test: $N rounds, seed $seed (HT_KILL_SEED to repeat)"
awk -v n="$N" -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < n; i++)
	printf "%d %.3f\n", int(rand() * 10), rand() * 0.25 }' >"$T/plan"
: >"$T/runs"
kills=0
i=0
while read -r kind delay; do
	i=$((i + 1))
	# Now and then X fails for a while, so that posts pile up.
	[ "$kind" -eq 0 ] && mock_x_script '503*3'
	if [ "$kind" -lt 6 ]; then
		printf '{"text":"kill test %d","id":"k/%d"}\n' "$i" "$i" >"$T/k.in"
		tw-post --json -T 1 -q "$QK" <"$T/k.in" >/dev/null 2>&1 &
	else
		tw-post -F -T 1 "$QK" >/dev/null 2>>"$T/flush.err" &
	fi
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	st=$?
	[ "$kind" -lt 6 ] && echo "$i $st" >>"$T/runs"
	# What each kill left, for the check below.
	cat "$QK"/new/* "$QK"/tmp/* 2>/dev/null | sed -n 's/.*"text":"\(kill test [0-9]*\)".*/\1/p' >>"$T/seen" || :
done <"$T/plan"
# Let the helpers of killed senders finish what they had begun.
prev=-1
j=0
while [ "$(mock_x_stat requests)" != "$prev" ] && [ $j -lt 50 ]; do
	prev=$(mock_x_stat requests); sleep 0.3; j=$((j + 1))
done
mock_x_script ''
j=0
while :; do
	run tw-post -F -T 5 "$QK"
	cat "$T/err" >>"$T/flush.err"
	[ "$STATUS" -eq 0 ] || [ $j -ge 3 ] && break
	j=$((j + 1))
done
is_status 0 "kill test: the last flush ends well"
is "$(count "$QK/new")/$(count "$QK/tmp")/$(count "$QK/failed")" 0/0/0 "kill test: nothing left queued, half-written or failed"
lost=
unqueued=0
# The mock's texts once, not once per post.
texts >"$T/texts"
while read -r n st; do
	c=$(grep -cx -- "kill test $n" "$T/texts")
	if [ "$c" -gt 1 ]; then
		lost="$lost kill test $n: posted $c ntimes;"
	elif [ "$c" -eq 0 ]; then
		# Never posted: then it never reached the queue, and its
		# tw-post was killed, so no one was told it was taken.
		if [ "$st" -ne 137 ] || grep -qx "kill test $n" "$T/seen" 2>/dev/null; then
			lost="$lost kill test $n: lost (status $st);"
		else
			unqueued=$((unqueued + 1))
		fi
	fi
done <"$T/runs"
is "$lost" "" "kill test: every post taken is posted exactly once"
is "$(texts | sort | uniq -d)" "" "kill test: the mock counts no duplicate post"
d=$(mock_x_stat duplicates)
if [ "$d" -le "$kills" ]; then
	ok "kill test: at most one duplicate refused per kill ($d for $kills kills)"
else
	not_ok "kill test: at most one duplicate refused per kill ($d for $kills kills)"
fi
a=$(sed -n 's/.*: queued again \([0-9]*\) post(s) left in tmp.*/\1/p' "$T/flush.err" | awk '{ n += $1 } END { print n + 0 }')
diag "kill test: $kills kills, $(wc -l <"$T/runs" | tr -d ' ') posts, $unqueued killed before they were queued, $a recovered from tmp/, $d duplicates refused by X"

# kill -9 of tw-post while its tw-send is in the middle of the request:
# the helper dies with it (it used to finish the POST alone while the item
# stayed queued), and the flush that follows reconciles the interrupted
# send with X's duplicate check: every post is made exactly once.  The
# mock answers each post in 0.4 s while the kills go on; the flush after
# them needs no delay.
mock_x_start || exit 1
mock_x_script 'slow:0.4*1000'
QS=$T/qs
NS=${HT_KILL_SEND_ROUNDS:-12}
# alive PID: it runs (a zombie waiting for its new parent does not).
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
: >"$T/orphans"
i=0
while [ $i -lt "$NS" ]; do
	i=$((i + 1))
	printf '{"text":"send kill %d","id":"s/%d"}\n' "$i" "$i" >"$T/s.in"
	tw-post --json -T 5 -q "$QS" <"$T/s.in" >/dev/null 2>&1 &
	pid=$!
	# Until its helper runs: the request is then being sent or answered.
	child=
	j=0
	while [ -z "$child" ] && [ $j -lt 200 ]; do
		child=$(tr -d ' ' 2>/dev/null <"/proc/$pid/task/$pid/children")
		[ -n "$child" ] || sleep 0.01
		j=$((j + 1))
	done
	sleep "0.$(( i % 3 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# The helper goes with it, at once (its answer would take 0.4 s).
	j=0
	while alive "$child" && [ $j -lt 20 ]; do
		sleep 0.01; j=$((j + 1))
	done
	alive "$child" && echo "round $i: tw-send $child outlived tw-post" >>"$T/orphans"
	[ -z "$child" ] && echo "round $i: no tw-send seen" >>"$T/orphans"
done
is "$(cat "$T/orphans")" "" "send kill: no tw-send outlives its killed tw-post"
mock_x_script ''
run tw-post -F -T 20 "$QS"
is_status 0 "send kill: the flush after the kills ends well"
is "$(count "$QS/new")/$(count "$QS/failed")" 0/0 "send kill: nothing left queued or failed"
miss=
i=0
texts >"$T/texts"
while [ $i -lt "$NS" ]; do
	i=$((i + 1))
	c=$(grep -cx -- "send kill $i" "$T/texts")
	[ "$c" -eq 1 ] || miss="$miss send kill $i: posted $c times;"
done
is "$miss" "" "send kill: every post made exactly once"

done_testing
