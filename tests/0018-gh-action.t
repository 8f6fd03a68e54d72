#!/bin/sh
# scripts/gh-action, the step of the GitHub Action, against the mock X API;
# action.yml's inputs, outputs and steps.
. "${0%/*}/lib.sh"

mock_x_start || exit 1
# ga OUTFILE [VAR=VALUE...]: run scripts/gh-action with those inputs and
# GITHUB_OUTPUT=OUTFILE, outside GitHub (GITHUB_ACTIONS unset).
ga() {
	_o=$1; shift
	: >"$_o"
	run env -u GITHUB_ACTIONS INPUT_TEXT= INPUT_TEXT_FILE= INPUT_DRY_RUN= \
	    INPUT_TIMEOUT= INPUT_NETWORK= GITHUB_OUTPUT="$_o" "$@" gh-action
	cat "$_o" >>"$T/all-outputs"
	cat "$T/out" "$T/err" >>"$T/all-logs"
}
# output FILE NAME: the value of output NAME in FILE.
output() { sed -n "s/^$2=//p" "$1"; }
posts() { wc -l <"$MOCK_POSTS" | tr -d ' '; }

# A post: id and url to GITHUB_OUTPUT.
ga "$T/o1" INPUT_TEXT="v1.0 is out"
is_status 0 "a post: status 0"
id=$(output "$T/o1" id)
like "$id" '^[0-9]+$' "id= is the post's id"
is "$(output "$T/o1" url)" "https://x.com/i/web/status/$id" "url= is its URL"
is "$(output "$T/o1" weighted-length)" 11 "weighted-length= too"
is "$(output "$T/o1" already-posted)" false "already-posted=false"
is "$(output "$T/o1" exit-status)" 0 "exit-status=0"
is "$(posts)" 1 "the mock got one post"
like "$(tail -n 1 "$MOCK_POSTS")" '"text": ?"v1\.0 is out"' "with the text"
like_out "^$id https://x\\.com/i/web/status/$id\$" "tw-post's line shows in the log"

# The same text again (a re-run job): success, no id.
ga "$T/o2" INPUT_TEXT="v1.0 is out"
expect 0 'already posted' "a re-run: already posted, status 0"
is "$(output "$T/o2" id)" "" "already posted: id= is empty"
is "$(output "$T/o2" already-posted)" true "already-posted=true"
is "$(posts)" 1 "nothing more was posted"

# A dry run sends nothing and needs no credentials.
n=$(mock_x_stat requests)
ga "$T/o3" INPUT_TEXT="v1.1 is out: https://example.org/releases/v1.1" \
    INPUT_DRY_RUN=true TW_CONSUMER_KEY= TW_CONSUMER_SECRET= \
    TW_ACCESS_TOKEN= TW_ACCESS_SECRET=
is_status 0 "dry run: status 0"
is "$(output "$T/o3" weighted-length)" 36 "dry run: weighted-length= (the URL weighs 23)"
is "$(output "$T/o3" id)" "" "dry run: no id"
like_out '^dry run: POST .*"v1\.1 is out' "dry run: the request is shown"
is "$(mock_x_stat requests)" "$n" "dry run: no request reached X"

# Too long: fails before sending, with the weighted length.
long=$(printf 'x%.0s' $(seq 1 300))
ga "$T/o4" INPUT_TEXT="$long"
expect 65 'too long: weighted length 300' "too long: 65, with the weighted length"
is "$(mock_x_stat requests)" "$n" "too long: nothing sent"
is "$(output "$T/o4" weighted-length)" 300 "too long: weighted-length=300"
is "$(output "$T/o4" exit-status)" 65 "too long: exit-status=65"

# A text file; its trailing newline is not part of the post.
printf 'line one\nline two\n' >"$T/note"
ga "$T/o5" INPUT_TEXT_FILE="$T/note" INPUT_TIMEOUT=30
is_status 0 "text-file: posted"
like "$(tail -n 1 "$MOCK_POSTS")" '"text": ?"line one\\nline two"' "text-file: its text, less the last newline"
is "$(output "$T/o5" weighted-length)" 17 "text-file: weighted-length="

# X refuses the credentials: 77, and on GitHub an error annotation.
mock_x_script 401
ga "$T/o6" INPUT_TEXT="v1.2 is out"
expect 77 'X refused the credentials \(401\)' "401: status 77, tw-post's message"
is "$(output "$T/o6" id)" "" "401: no id"
mock_x_script 401
ga "$T/o7" INPUT_TEXT="v1.2 is out" GITHUB_ACTIONS=true
like_out '^::error title=hubtweet::not posted on X: X refused the credentials \(exit 77\)$' "on GitHub: an error annotation"
nl='
'
ga "$T/o7" INPUT_TEXT=hi INPUT_DRY_RUN="no${nl}::warning::100%" GITHUB_ACTIONS=true
expect 64 'dry-run must be true or false' "a bad input on GitHub: 64"
is "$OUT" "::error title=hubtweet::dry-run must be true or false, not 'no ::warning::100%25'" \
    "the annotation is one line, escaped: no command of the input's"

# Rate limited beyond the budget: 75, distinct.
mock_x_script '429:3600'
ga "$T/o8" INPUT_TEXT="v1.3 is out" INPUT_TIMEOUT=5
expect 75 'rate limited by X' "rate limited: status 75"
is "$(output "$T/o8" exit-status)" 75 "rate limited: exit-status=75"
mock_x_script ''

# No credits left (402): 69, with what to do; no queue in a CI step.
mock_x_script 402
ga "$T/o8" INPUT_TEXT="v1.4 is out"
expect 69 'no credits left' "402: status 69, tw-post's message"
is "$(output "$T/o8" exit-status)" 69 "402: exit-status=69"
mock_x_script ''

# Inputs that make no sense, before anything runs.
n=$(mock_x_stat requests)
ga "$T/o9" INPUT_TEXT=hi INPUT_TEXT_FILE="$T/note"
expect 64 'give text or text-file, not both' "text and text-file: 64"
ga "$T/o9"
expect 64 'no text' "no text: 64"
ga "$T/o9" INPUT_TEXT=hi INPUT_DRY_RUN=yes
expect 64 "dry-run must be true or false, not 'yes'" "dry-run=yes: 64"
ga "$T/o9" INPUT_TEXT=hi INPUT_TIMEOUT=1m
expect 64 "timeout must be a number of seconds" "timeout=1m: 64"
ga "$T/o9" INPUT_TEXT_FILE="$T/missing"
expect 66 "cannot read text-file $T/missing" "a missing text-file: 66"
: >"$T/empty"
ga "$T/o9" INPUT_TEXT_FILE="$T/empty"
expect 65 'the text is empty' "an empty text-file: 65"
printf ' \t\n\n' >"$T/blank"
ga "$T/o9" INPUT_TEXT_FILE="$T/blank"
expect 65 'the text is empty' "a blank text-file: 65"
is "$(mock_x_stat requests)" "$n" "bad inputs: nothing sent"
is "$(cat "$T/o9")" "" "bad inputs: no outputs"

# All three networks in one step, each with its own credentials from the
# environment: each URL to GITHUB_OUTPUT.
mock_mastodon_start || exit 1
mock_bsky_start || exit 1
count() { wc -l <"$1" | tr -d ' '; }
x0=$(posts)
ga "$T/o10" INPUT_TEXT="v2.0 is out #docker" INPUT_NETWORK="x mastodon bluesky"
is_status 0 "x mastodon bluesky: status 0"
is "$(($(posts) - x0))/$(count "$MASTO_DIR/posts")/$(count "$BSKY_DIR/posts")" 1/1/1 "one post on each mock"
like "$(output "$T/o10" x-url)" '^https://x\.com/i/web/status/[0-9]+$' "x-url="
like "$(output "$T/o10" mastodon-url)" '^http://mastodon\.example/@mock/[0-9]+$' "mastodon-url="
like "$(output "$T/o10" bluesky-url)" '^https://bsky\.app/profile/mock\.bsky\.example/post/[a-z2-7]{13}$' "bluesky-url="
is "$(output "$T/o10" exit-status)" 0 "exit-status=0"
is "$(output "$T/o10" url)" "$(output "$T/o10" x-url)" "url= is the first network's"
like "$(tail -n 1 "$MASTO_DIR/posts")" '"status": "v2\.0 is out #docker"' "Mastodon: the text"
like "$(tail -n 1 "$BSKY_DIR/posts")" '"text": "v2\.0 is out #docker"' "Bluesky: the text"
# The worst status: Mastodon refusing its token fails the step, the
# others still post.
mock_post "$MASTODON_URL" script 401
ga "$T/o11" INPUT_TEXT="v2.1 is out" INPUT_NETWORK="bluesky,mastodon x"
expect 77 'Mastodon refused the access token' "Mastodon's 401: the step's status 77"
is "$(output "$T/o11" mastodon-exit-status)/$(output "$T/o11" bluesky-exit-status)/$(output "$T/o11" x-exit-status)" 77/0/0 "each network's status"
is "$(output "$T/o11" mastodon-url)" "" "no mastodon-url"
like "$(output "$T/o11" bluesky-url)" '^https://bsky\.app/' "bluesky-url= all the same"
like "$(output "$T/o11" x-url)" '^https://x\.com/' "x-url= all the same"
is "$(output "$T/o11" url)" "$(output "$T/o11" bluesky-url)" "url= is the first listed network's"
# Too long for one network: nothing sent anywhere.
n=$(mock_x_stat requests)
b=$(count "$BSKY_DIR/posts")
long=$(printf 'y%.0s' $(seq 1 290))
ga "$T/o12" INPUT_TEXT="$long" INPUT_NETWORK="bluesky x"
expect 65 'too long' "too long for X: 65"
is "$(mock_x_stat requests)/$(count "$BSKY_DIR/posts")" "$n/$b" "nothing sent, not even to Bluesky, where it fits"
is "$(output "$T/o12" x-exit-status)" 65 "x-exit-status=65"
ga "$T/o12" INPUT_TEXT=hi INPUT_NETWORK="x threads"
expect 64 "network must be x, mastodon or bluesky, or a list of them, not 'threads'" "an unknown network: 64"
ga "$T/o13" INPUT_TEXT="v2.2 is out" INPUT_NETWORK=mastodon INPUT_DRY_RUN=true MASTODON_TOKEN=
is_status 0 "a dry run on Mastodon alone"
is "$(output "$T/o13" weighted-length)" 11 "weighted-length= as Mastodon counts it"
unlike "$(cat "$T/o13")" '^x-' "no output of a network not asked for"

# Without GITHUB_OUTPUT the outputs go to stdout.
run env -u GITHUB_OUTPUT INPUT_TEXT=hi INPUT_DRY_RUN=true gh-action
like_out '^weighted-length=2$' "no GITHUB_OUTPUT: outputs on stdout"

# No secret anywhere in what the step printed or output.
for s in "$TW_CONSUMER_SECRET" "$TW_ACCESS_SECRET" "$TW_CONSUMER_KEY" \
    "$TW_ACCESS_TOKEN" "$MASTODON_TOKEN" "$BSKY_APP_PASSWORD"; do
	if grep -qF -- "$s" "$T/all-logs" "$T/all-outputs"; then
		not_ok "no $s in the logs or outputs"
	else
		ok "no $s in the logs or outputs"
	fi
done

# action.yml: a composite action with the inputs and outputs above, its
# credentials from env only, its last step scripts/gh-action.
python3 - "$TOP/action.yml" >"$T/yml" 2>&1 <<'PY'
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
check(a.get("name") and a.get("description"), "name and description")
ins = a.get("inputs", {})
for k in ("text", "text-file", "dry-run", "timeout", "network"):
    check(k in ins and "description" in ins[k], "input " + k)
    check(not ins.get(k, {}).get("required", False), "input " + k + " optional")
check(not [k for k in ins if any(w in k for w in ("key", "secret", "token"))],
      "no credential as an input")
outs = a.get("outputs", {})
for k in ("id", "url", "weighted-length", "already-posted", "exit-status",
          "x-url", "mastodon-url", "bluesky-url"):
    check(outs.get(k, {}).get("value") == "${{ steps.post.outputs.%s }}" % k,
          "output " + k + " from the post step")
r = a.get("runs", {})
check(r.get("using") == "composite", "composite")
steps = r.get("steps", [])
check(steps and all(s.get("shell") for s in steps if "run" in s),
      "every run step names its shell")
post = [s for s in steps if s.get("id") == "post"]
check(len(post) == 1 and post[0] is steps[-1], "the post step is the last")
p = post[0] if post else {}
check("scripts/gh-action" in p.get("run", ""), "it runs scripts/gh-action")
env = p.get("env", {})
for k in ("text", "text-file", "dry-run", "timeout", "network"):
    v = "INPUT_" + k.upper().replace("-", "_")
    check(env.get(v) == "${{ inputs.%s }}" % k, v + " from inputs." + k)
check(not [k for k in env if k.startswith(("TW_", "MASTODON_", "BSKY_"))],
      "no credential variable set by the action")
check(ins.get("network", {}).get("default") == "x", "network: x by default")
check("scripts/deps tw-post" in steps[0].get("run", ""), "deps: tw-post's only")
PY
if grep -q '^FAIL' "$T/yml" || ! grep -q '^ok' "$T/yml"; then
	not_ok "action.yml has the required keys"; diag "$(cat "$T/yml")"
else
	ok "action.yml has the required keys ($(grep -c '^ok' "$T/yml") checks)"
fi
done_testing
