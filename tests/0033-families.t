#!/bin/sh
# Real tag families (tests/data/families) as a slow release brings them:
# spread over 3 minutes, each tag 1 to 3 times in any order, all pushed
# again 15 minutes later (a rebuild), then a late alias and the next
# release; as streams (times from pushed_at, so nothing waits), and as
# HTTP deliveries through dh-hook to the mock X API.
. "${0%/*}/lib.sh"
. "${0%/*}/families.sh"
need "$DATA/families"

B=1767225600
expected >"$T/want"
nfam=$(wc -l <"$T/want" | tr -d ' ')
# A quiet period of 2 minutes: the longest pause between two deliveries
# of one release in this traffic (the default, 60 s, splits a release
# whose push pauses longer; see dh-parse(1)).
printf 'dockerhub: { group_window = 120; };\n' >"$T/w120.conf"

for seed in 1 2 3 4; do
	{ spread $seed $B; spread $((seed + 50)) $((B + 900)); } | payloads \
	    >"$T/s$seed.ndjson"
	run dh-parse -c "$T/w120.conf" "$T/s$seed.ndjson"
	printf '%s\n' "$OUT" | got >"$T/got$seed"
	is "$(cat "$T/got$seed")" "$(cat "$T/want")" \
	    "stream $seed: one event a release, its main tag, every tag"
	is "$(printf '%s\n' "$ERR" | grep -c ': not posted: repeat of ')" "$nfam" \
	    "stream $seed: each rebuild 15 minutes later is a repeat, logged"
	printf '%s\n' "$OUT" | sed 's/.*"tags":\(\[[^]]*\]\).*/\1/' >"$T/tags$seed"
done
is "$(cat "$T/tags2" "$T/tags3" "$T/tags4" | sort -u | wc -l | tr -d ' ')" \
    "$(wc -l <"$T/tags1" | tr -d ' ')" "{tags} reads the same in every run"
like "$(cat "$T/tags1")" '^\["7\.0\.12","7\.0\.12-bookworm","7\.0","7\.0-bookworm","7","7-bookworm","bookworm"\]$' \
    "most specific first, then by name"

# The same traffic read in reverse: within a release, order does not matter.
for seed in 1 2; do
	{ spread $seed $B; } | sort -s -r -n -k1,1 | payloads >"$T/r$seed.ndjson"
	run dh-parse -c "$T/w120.conf" "$T/r$seed.ndjson"
	is "$(printf '%s\n' "$OUT" | got)" "$(cat "$T/want")" \
	    "stream $seed read backwards: the same releases"
done

# A memory across runs: the rebuild in a later run is still a repeat, the
# late alias too, and the next release is posted.
mkdir -m 700 "$T/mem"
spread 1 $B | payloads >"$T/first.ndjson"
spread 2 $((B + 3600)) | payloads >"$T/rebuild.ndjson"
{ delivery library/alpine 3.17.0 $((B + 7200))
  delivery library/alpine 3.17 $((B + 7500)); delivery library/alpine 3 $((B + 7510)); } >"$T/later.ndjson"
run dh-parse -c "$T/w120.conf" -s "$T/mem" "$T/first.ndjson"
is "$(printf '%s\n' "$OUT" | got)" "$(cat "$T/want")" "run 1: the releases"
run dh-parse -c "$T/w120.conf" -s "$T/mem" "$T/rebuild.ndjson"
is "$OUT" "" "run 2: their rebuild an hour later: nothing"
run dh-parse -c "$T/w120.conf" -s "$T/mem" "$T/later.ndjson"
like "$OUT" '"id":"library/alpine:3\.17\.0@' "run 3: 3.17.0 the next hour is posted"
is "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 1 "... alone"
like_err '^dh-parse: library/alpine:3\.17@[^ ]*: not posted: late alias of library/alpine:3\.17\.0@' \
    "... 3.17 and 3 five minutes later: a late alias, logged"

# Through the webhook: every delivery answered at once, one post a
# release, the rebuild and the late alias not posted.
KEY=families-k3y-$$
DH_KEY=$KEY
export DH_KEY
STATE=$STATE_DIRECTORY		# lib.sh's
mkdir -m 700 "$STATE"
mock_x_start || { echo "Bail out! no mock X API"; exit 1; }
cat >"$HUBTWEET_CONFIG" <<'CONF'
dockerhub: { group_window = 10; };
format: { template = "{tag} of {repo_name}: {tags}"; };
CONF
PORT=$(free_port)
socat TCP-LISTEN:"$PORT",bind=127.0.0.1,fork,reuseaddr,backlog=64 \
    EXEC:dh-hook 2>>"$T/hook.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! nothing listens on $PORT"; exit 1; }
U="http://127.0.0.1:$PORT/dockerhub?key=$KEY"
# post_all FILE: each payload of FILE posted, in order; the answers' codes.
post_all() {
	while IFS= read -r _p; do
		printf '%s\n' "$_p" >"$1.body"
		curl -sS --max-time 20 -o /dev/null -w '%{http_code}\n' \
		    --data-binary @"$1.body" "$U" 2>>"$T/curl.err"
	done <"$1"
}
# wait_for N ERE: until the hook's log has N lines matching ERE (60 s).
wait_for() {
	_i=0
	while [ "$(grep -Ec -- "$2" "$T/hook.log")" -lt "$1" ] && [ $_i -lt 1200 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
}
# Each repository's deliveries in their spread order, the two at once.
spread 3 $B | grep ' library/alpine ' | payloads >"$T/hook1a.ndjson"
spread 3 $B | grep ' library/redis ' | payloads >"$T/hook1r.ndjson"
n=$(cat "$T/hook1a.ndjson" "$T/hook1r.ndjson" | wc -l | tr -d ' ')
post_all "$T/hook1a.ndjson" >"$T/codes1a" &
post_all "$T/hook1r.ndjson" >"$T/codes1r"
wait $!
is "$(sort -u "$T/codes1a" "$T/codes1r")" 200 "webhook: $n deliveries of two releases, each answered 200"
wait_for 2 'drain: .*: passed on'
is "$(wc -l <"$MOCK_POSTS" | tr -d ' ')" 2 "webhook: two posts"
like "$(cat "$MOCK_POSTS")" '"3\.16\.2 of library/alpine: 3\.16\.2, 3\.16, 3"' "webhook: alpine's, every tag"
like "$(cat "$MOCK_POSTS")" '"7\.0\.12 of library/redis: 7\.0\.12, 7\.0\.12-bookworm, 7\.0, 7\.0-bookworm, 7, 7-bookworm, bookworm"' \
    "webhook: redis's, every tag"
spread 4 $((B + 900)) | grep -E ' library/(alpine|redis) ' | payloads >"$T/hook2.ndjson"
post_all "$T/hook2.ndjson" >/dev/null
wait_for 2 'not posted: repeat of library/'
is "$(grep -c 'not posted: repeat of library/' "$T/hook.log")" 2 "webhook: the rebuild is two repeats, logged"
delivery library/alpine 3.17.0 $((B + 3600)) >"$T/hook3.ndjson"
post_all "$T/hook3.ndjson" >/dev/null
wait_for 3 'drain: .*: passed on'
is "$(wc -l <"$MOCK_POSTS" | tr -d ' ')" 3 "webhook: 3.17.0 the next hour is the third post"
{ delivery library/alpine 3.17 $((B + 3900)); delivery library/alpine 3 $((B + 3900)); } >"$T/hook4.ndjson"
post_all "$T/hook4.ndjson" >/dev/null
wait_for 1 'not posted: late alias of library/alpine:3\.17\.0@'
like "$(cat "$T/hook.log")" 'drain: [^ ]*library\+alpine: 2 deliveries, id=library/alpine:3\.17@[^ ]*: not posted: late alias of library/alpine:3\.17\.0@' \
    "webhook: 3.17 and 3 five minutes after 3.17.0: a late alias, logged"
is "$(wc -l <"$MOCK_POSTS" | tr -d ' ')" 3 "webhook: ... not posted"
run dh-parse -m -T
like_out 'library/alpine:3\.16\.2	3\.16\.2,3\.16,3	' "dh-parse -m -T: the webhook's memory"
done_testing
