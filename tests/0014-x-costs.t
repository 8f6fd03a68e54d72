#!/bin/sh
# What X charges and limits, said before it bites: posts without a link by
# default, the number of URLs shown, no credits left (402), the 24-hour
# caps, and a window used up.  Against the mock X API.
. "${0%/*}/lib.sh"

# count DIR: the entries of a queue subdirectory.
count() { find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l | tr -d ' '; }
# ntimes TEXT: how many times the mock accepted TEXT.
ntimes() {
	python3 -c 'import json,sys
print(sum(json.loads(l)["text"] == sys.argv[2] for l in open(sys.argv[1])))' "$MOCK_POSTS" "$1"
}
CREDITS='no credits left on the X account \(402\): top up the account'"'"'s credits \(X: "Your enrolled account does not have any credits to fulfill this request\."\)'

# The default template: no link, so the cheaper price.  An event of our own.
printf '{"repo_name":"acme/widget","tag":"v3.1.4","image":"acme/widget:v3.1.4","repo_url":"https://hub.docker.com/r/acme/widget"}\n' >"$T/event.json"
run_in "$T/event.json" dh-format
is "$OUT" "New release v3.1.4 of acme/widget: docker pull acme/widget:v3.1.4" "default template: tag, repository, pull command"
unlike "$OUT" 'http|hub\.docker\.com' "default template: no link"
run_in "$T/event.json" dh-format --json
like "$OUT" '"urls":0\}$' "dh-format --json: urls 0"
run_in "$T/event.json" dh-format --json -t 'New release {tag} of {repo_name}: docker pull {image} {repo_url}'
like "$OUT" '"urls":1\}$' "the linked template: urls 1"
# The count that tw-post reports is the one dh-format reports.
run sh -c 'dh-format --json -t "{repo_url} and docs.example.com" "$1" | tw-post --dry-run --json' sh "$T/event.json"
like "$OUT" '"urls":2\}$' "dh-format --json | tw-post --dry-run --json: urls 2"
printf '{"text":"see https://example.com"}\n' >"$T/in"
run_in "$T/in" tw-post --dry-run --json
is "$OUT" '{"text":"see https://example.com","weighted_length":27,"valid":true,"urls":1}' "tw-post --dry-run --json: urls 1"
run tw-post --dry-run 'see https://example.com'
like "$OUT" '^dry run: POST [^ ]+ \(27/280, contains a link\): ' "tw-post --dry-run: contains a link"

# The README's check, as written, on a payload of our own: passes with the
# default template, refuses the linked one.
mkdir "$T/ci"
printf '{"push_data":{"pushed_at":1764505800,"tag":"v3.1.4","pusher":"acme"},"repository":{"repo_name":"acme/widget","namespace":"acme","name":"widget","repo_url":"https://hub.docker.com/r/acme/widget","is_private":false}}\n' >"$T/ci/payload.json"
awk '/^#+ What X charges/ { on = 1 } on && /^    if / { p = 1 } p { sub(/^    /, ""); print }
    p && /^fi$/ { exit }' "$TOP/README.md" >"$T/ci/check.sh"
like "$(cat "$T/ci/check.sh")" 'grep -q' "the README's check is found"
printf 'format: { template = "{tag} {repo_url}"; };\n' >"$T/linked.conf"
cd "$T/ci" || exit 1
run sh -e check.sh
is "$STATUS/$ERR" "0/" "the README's check passes the default template"
run env HUBTWEET_CONFIG="$T/linked.conf" sh -e check.sh
expect 1 '^a post would contain a link$' "the README's check refuses the linked template"
cd "$TOP" || exit 1

mock_x_start || exit 1
Q=$T/q

# No credits left (402).  Without a queue: 69, and what to do.
mock_x_script '402'
n=$(mock_x_stat requests)
run tw-post -T 20 'no queue, no credits'
expect 69 "^tw-post: $CREDITS\$" "402 without a queue: exit 69, no credits, top up"
is "$(($(mock_x_stat requests) - n))" 1 "402: not retried (the next would fail too)"
# With a queue: 75, the post stays queued, never failed/.
mock_x_script '402*100'
run tw-post -T 20 -q "$Q" 'queued, no credits'
expect 75 "^tw-post: $CREDITS; the post stays queued in $Q\$" "402 with a queue: exit 75, the post stays queued"
is "$(count "$Q/new")/$(count "$Q/failed")" 1/0 "402: queued, not failed"
printf '{"text":"later %d"}\n' 1 2 3 >"$T/three"
n=$(mock_x_stat requests)
run_in "$T/three" tw-post --json -q "$Q"
expect 75 "^tw-post: post 1: $CREDITS; the post stays queued in $Q\$" "a stream: the first meets the 402"
like_err "^tw-post: post 2: queued in $Q: not sent after the failure before\$" "the rest of the stream is only queued"
is "$(($(mock_x_stat requests) - n))" 1 "a stream: X asked once"
is "$(count "$Q/new")/$(count "$Q/failed")" 4/0 "four queued, none failed"
run tw-post -S "$Q"
is_status 0 "--queue-status while out of credits"
like_out '^queued: 4$' "status: the posts are pending"
like_out '^failed: 0$' "status: none failed"
like_out "^held: $CREDITS \\(since [0-9-]+ [0-9:]+ UTC\\); the next flush tries again\$" "status: why the queue is held"
# A flush stops at the first 402.
n=$(mock_x_stat requests)
run tw-post -F -T 20 "$Q"
expect 75 "^tw-post: $Q/new/[^:]+: $CREDITS; the post stays queued\$" "flush: 402, exit 75"
like_err "$Q: 0 posted, 0 already posted, 0 failed, 0 corrupt; 4 queued\$" "flush: nothing posted, four queued"
is "$(($(mock_x_stat requests) - n))" 1 "flush: stops at the first 402"
is "$(count "$Q/failed")" 0 "flush: nothing moved to failed/"
# Topped up: the next flush posts each once, and the queue is no longer held.
mock_x_script ''
run tw-post -F -T 20 "$Q"
is_status 0 "after topping up, the flush posts"
like_err "$Q: 4 posted, 0 already posted, 0 failed, 0 corrupt; 0 queued\$" "flush: four posted"
is "$(ntimes 'queued, no credits')$(ntimes 'later 1')$(ntimes 'later 2')$(ntimes 'later 3')" 1111 "each posted once"
is "$(ntimes 'no queue, no credits')" 0 "the post without a queue was not posted"
run tw-post -S "$Q"
unlike "$OUT" '^held:' "status: no longer held"
# The legacy v1.1 endpoint answers 402 the same way.
mock_x_script '402'
run tw-post -a 1.1 -T 20 'v1.1, no credits'
expect 69 '^tw-post: no credits left on the X account \(402\): top up the account'"'"'s credits' "v1.1 402: exit 69"

# The 24-hour caps: whichever reset is later holds.  The mock's 15-minute
# window has requests left and resets in 1 s; the user's cap in 30 s.
# timed CMD...: run CMD; $T0 and $T1 the whole seconds before and after.
timed() { T0=$(date +%s); run "$@"; T1=$(date +%s); }
# from_now CAP: the wait tw-post quoted is the cap's, 30 s from the mock's
# answer, counted from tw-post's own clock: both read in whole seconds
# somewhere between T0 and T1, so 30 give or take the run's length.
from_now() {
	_s=$(printf '%s' "$ERR" | sed -n 's/.* UTC (\([0-9]*\) s from now: .*/\1/p')
	if [ -n "$_s" ] && [ "$_s" -ge $((30 - (T1 - T0))) ] &&
	    [ "$_s" -le $((30 + T1 - T0)) ]; then
		ok "$1: the wait quoted is its reset's"
	else
		not_ok "$1: the wait quoted is its reset's"
		diag "want 30 s from now, give or take $((T1 - T0)) s"; _show
	fi
}
mock_x_script '429-user:30'
n=$(mock_x_stat requests)
timed tw-post -T 5 'user cap'
expect 75 "^tw-post: rate limited by X until [0-9:]+ UTC \\([0-9]+ s from now: the user's 24-hour limit is used up\\), beyond the time budget\$" "the user's 24-hour cap: its reset, not the earlier one"
from_now "the user's 24-hour cap"
is "$(($(mock_x_stat requests) - n))" 1 "no retry before the user's reset"
mock_x_script '429-app:30'
timed tw-post -T 5 -q "$Q" 'app cap'
expect 75 "^tw-post: queued in $Q: rate limited by X until [0-9:]+ UTC \\([0-9]+ s from now: the app's 24-hour limit is used up\\), beyond the time budget\$" "the app's 24-hour cap: queued, 75"
from_now "the app's 24-hour cap"
n=$(mock_x_stat requests)
run tw-post -F -T 5 "$Q"
expect 75 "^tw-post: $Q: rate limited by X until [0-9:]+ UTC; nothing sent\$" "a flush before the app's reset sends nothing"
is "$(mock_x_stat requests)" "$n" "X was not called"
like "$(tw-post -S "$Q")" 'rate limited until: [0-9:]+ UTC' "status: rate limited"
echo 1 >"$Q/ratelimit"
mock_x_script '429-app:1'
run tw-post -F -T 30 "$Q"
is_status 0 "an app cap that resets within the budget: waited for, then posted"
is "$(ntimes 'app cap')" 1 "posted once"

# A window used up by the last post: the next waits for the reset rather
# than spend a request on a 429 (the mock answers 429 until the reset).
mock_x_script 'last:30'
run tw-post -q "$Q" 'last of the window'
is_status 0 "the window's last post: posted"
n=$(mock_x_stat requests)
run tw-post -T 3 -q "$Q" 'after the last'
expect 75 "^tw-post: queued in $Q: rate limited by X until [0-9:]+ UTC\$" "the next, with a queue: held, only queued"
run tw-post -F -T 3 "$Q"
expect 75 "^tw-post: $Q: rate limited by X until [0-9:]+ UTC; nothing sent\$" "a flush before the reset sends nothing"
is "$(mock_x_stat requests)" "$n" "no request spent"
# Within the budget a flush waits for it.
echo 1 >"$Q/ratelimit"
mock_x_script 'last:4'
run tw-post -q "$Q" 'last again'
is_status 0 "a window's last post again (reset in 4 s)"
run tw-post -T 1 -q "$Q" 'waits for the reset'
is_status 75 "queued while held"
run tw-post -F -T 30 "$Q"
is_status 0 "the flush waits for the reset, then posts"
is "$(ntimes 'waits for the reset')$(ntimes 'after the last')" 11 "both held posts posted once"
is "$(mock_x_stat limited)" 0 "no request met the used-up window"
# In one flush: the post that uses the window up is made, the rest waits.
Q2=$T/q2
mock_x_script '503*100'
run tw-post -T 1 -q "$Q2" 'flush one'
run tw-post -T 1 -q "$Q2" 'flush two'
is "$(count "$Q2/new")" 2 "two posts queued while X is down"
mock_x_script 'last:60'
n=$(mock_x_stat requests)
run tw-post -F -T 3 "$Q2"
expect 75 "^tw-post: $Q2: rate limited by X until [0-9:]+ UTC; the rest waits\$" "a flush: the window's last post made, the rest waits"
is "$(ntimes 'flush one')/$(ntimes 'flush two')" 1/0 "the first posted, the second not tried"
is "$(($(mock_x_stat requests) - n))" 1 "one request"
# Without a queue, in one stream: the second post waits; or gives up
# without a request when the reset is beyond the time budget.
mock_x_script 'last:2'
printf 'stream one\0stream two\0' >"$T/in"
run_in "$T/in" tw-post -0 -T 30
is_status 0 "a stream: the post after the window's last waits, then posts"
is "$(ntimes 'stream two')" 1 "posted once"
mock_x_script 'last:60'
printf 'stream three\0stream four\0' >"$T/in"
n=$(mock_x_stat requests)
run_in "$T/in" tw-post -0 -T 3
expect 75 "^tw-post: post 2: rate limited by X until [0-9:]+ UTC \\([0-9]+ s from now\\), beyond the time budget\$" "a stream: beyond the budget, 75"
is "$(($(mock_x_stat requests) - n))" 1 "... without a second request"
is "$(mock_x_stat limited)" 0 "still no request met the used-up window"
done_testing
