#!/bin/sh
# tw-post: text in, posts on (a mock of) X out.
. "${0%/*}/lib.sh"

# The mock's credentials: none of them may ever be printed.
SECRETS='mock-consumer-secret|mock-access-secret|mock-consumer-key|mock-access-token'
no_secret() { unlike "$OUT$ERR" "$SECRETS" "$1: no secret in stdout or stderr"; }
last_post() { tail -n 1 "$MOCK_POSTS"; }
posts() { wc -l <"$MOCK_POSTS" | tr -d ' '; }

# Usage.
run tw-post --help
is_status 0 "--help exits 0"
like_out '^usage: tw-post ' "--help on stdout"
synopsis_agrees tw-post
run tw-post --version
like_out '^tw-post [0-9]+\.[0-9]+' "--version"
run tw-post -Z
expect 64 '^usage: tw-post ' "unknown option: usage, exit 64"
run tw-post -T 0 hi
expect 64 '^tw-post: -T 0: seconds from 1 to 86400$' "-T out of range"
run tw-post -a 3 hi
expect 64 '^tw-post: -a 3: the API version is 2 or 1.1$' "-a names the versions"
run tw-post -r 12x hi
expect 64 '^tw-post: -r 12x: not a post id$' "-r wants a post id"
run tw-post -0 hi
expect 64 '^tw-post: text operands do not go with -0 or --json$' "operands and -0"

# Start-up cost: only the helper loads libcurl.
if ldd "$BIN/tw-post" | grep -q libcurl; then
	not_ok "tw-post does not link libcurl"
else
	ok "tw-post does not link libcurl"
fi
if ldd "$TOP/libexec/hubtweet/tw-send" | grep -q libcurl; then
	ok "the helper tw-send does"
else
	not_ok "the helper tw-send does"
fi
# Nor does any tool started per delivery link OpenSSL's libcrypto, whose
# tables cost thousands of relocations at every start: Nettle hashes and
# signs (README, Dependencies).  Statically linked, its symbols would show.
for tool in dh-parse tw-post; do
	if nm "$BIN/$tool" >"$T/syms" 2>&1 && grep -q ' main$' "$T/syms"; then
		unlike "$(ldd "$BIN/$tool"; grep -E ' (OPENSSL|EVP|CRYPTO)_' \
		    "$T/syms")" 'libcrypto|OPENSSL_|EVP_|CRYPTO_' \
		    "$tool links no libcrypto"
	else
		not_ok "$tool: nm lists its symbols"
	fi
done

# Dry runs need neither network nor credentials.
printf 'v2.0 is out\n' >"$T/in"
run_in "$T/in" tw-post -n
is_status 0 "dry run without credentials"
is "$OUT" 'dry run: POST https://api.x.com/2/tweets (11/280): {"text":"v2.0 is out"}' "dry run shows the request and the weighted length"
printf '{"text":"v2.0 is out","id":"ev"}\n' >"$T/in"
run_in "$T/in" tw-post --dry-run --json
is "$OUT" '{"text":"v2.0 is out","weighted_length":11,"valid":true,"urls":0}' "dry run --json"
run tw-post -n 'see https://example.com/changes'
is "$OUT" 'dry run: POST https://api.x.com/2/tweets (27/280, contains a link): {"text":"see https://example.com/changes"}' "dry run says the post contains a link"
printf '{"text":"see https://example.com"}\n{"text":"two: example.com https://example.org"}\n' >"$T/in"
run_in "$T/in" tw-post --dry-run --json
is "$OUT" "$(printf '%s\n' '{"text":"see https://example.com","weighted_length":27,"valid":true,"urls":1}' '{"text":"two: example.com https://example.org","weighted_length":52,"valid":true,"urls":2}')" "dry run --json: urls, as X counts them"
run tw-post -n 'user@example.com v1.2.3'
is "$OUT" 'dry run: POST https://api.x.com/2/tweets (23/280): {"text":"user@example.com v1.2.3"}' "no link: not said"
run tw-post -n -a 1.1 -r 42 'a + b'
is "$OUT" 'dry run: POST https://api.x.com/1.1/statuses/update.json (5/280): status=a%20%2B%20b&in_reply_to_status_id=42&auto_populate_reply_metadata=true' "dry run, v1.1 form body and reply"
python3 -c 'print("é" * 281)' >"$T/long"
run_in "$T/long" tw-post -n
expect 65 '^tw-post: too long: weighted length 281, at most 280; nothing sent$' "too long: exit 65 with the weighted length"
is "$OUT" "" "too long: nothing printed"
printf '{"text":"%s"}\n{"text":"ok"}\n' "$(python3 -c 'print("界" * 141)')" >"$T/in"
run_in "$T/in" tw-post -n --json
expect 65 '^tw-post: post 1: too long: weighted length 282, at most 280; nothing sent$' "dry run --json: CJK weighs 2"
like_out '"weighted_length":282,"valid":false' "dry run --json reports valid:false"
like_out '^\{"text":"ok","weighted_length":2,"valid":true,"urls":0\}$' "the stream goes on"
printf 'caf\351\n' >"$T/in"
run_in "$T/in" tw-post -n
expect 65 '^tw-post: invalid UTF-8 at byte 4; nothing sent$' "invalid UTF-8: exit 65"
: >"$T/in"
run_in "$T/in" tw-post -n
expect 65 '^tw-post: <stdin>: empty: nothing to post$' "empty input: exit 65, a message"
printf '\357\273\277hello' >"$T/in"
run_in "$T/in" tw-post -n
expect 65 '^tw-post: contains U\+FEFF \(weighted length 7\); nothing sent$' "a text X refuses for what it holds"
if [ -w /dev/full ]; then
	run sh -c 'tw-post -n hello >/dev/full'
	expect 74 'write error: No space left on device' "a full stdout exits 74"
else
	skip "no /dev/full"
fi

# Posting to the mock, which checks every signature itself.
mock_x_start --quiet || exit 1
printf 'hello\n' >"$T/in"
run_in "$T/in" tw-post
is_status 0 "echo hello | tw-post"
like_out '^1[0-9]+ https://x\.com/i/web/status/1[0-9]+$' "prints the id and the URL"
id=${OUT%% *}
is "$OUT" "$id https://x.com/i/web/status/$id" "the URL is the post's"
like "$(last_post)" '"id": "'"$id"'", "api": "2", "text": "hello", "reply_to": null' "the mock accepted the signature; trailing newline dropped"
no_secret "success"
run tw-post -r "$id" 'v2.0' is out, see https://example.com/changelog
is_status 0 "operands, as a reply"
like "$(last_post)" '"text": "v2.0 is out, see https://example.com/changelog", "reply_to": "'"$id"'"' "operands joined by spaces; reply_to sent"
run tw-post -a 1.1 'Hello Ladies + Gentlemen, a signed OAuth request!'
is_status 0 "legacy v1.1 endpoint"
like "$(last_post)" '"api": "1.1", "text": "Hello Ladies \+ Gentlemen, a signed OAuth request!"' "v1.1: form parameters signed"
printf 'x: { api_version = "1.1"; };\n' >"$T/v1.conf"
run tw-post -c "$T/v1.conf" 'from the config, 1.1'
like "$(last_post)" '"api": "1.1", "text": "from the config, 1.1"' "x.api_version = \"1.1\""
printf 'one\0\0two\nlines\0' >"$T/in"
run_in "$T/in" tw-post -0
is "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 2 "-0: two posts, the empty record skipped"
like "$(last_post)" '"text": "two\\nlines"' "-0: newlines kept inside a post"
printf '{"text":"json one","weighted_length":8,"id":"ev1"}\n{"text":"json two","reply_to":"%s"}\n' "$id" >"$T/in"
run_in "$T/in" tw-post --json
is_status 0 "--json in and out"
like_out '^\{"id":"1[0-9]+","url":"https://x.com/i/web/status/1[0-9]+","text":"json one","event":"ev1"\}' "--json output: id, url, text, the event id"
like "$(last_post)" '"text": "json two", "reply_to": "'"$id"'"' "--json reply_to"
printf '{"text":"ok one"}\n[1]\n{"text":5}\n{"text":"ok two","reply_to":"x"}\n{"text":"ok three"}\n' >"$T/in"
run_in "$T/in" tw-post --json
expect 65 '^tw-post: <stdin>:2:1: expected an object' "--json: a bad line is named"
like_err '<stdin>:3:1: "text": expected a string' "--json: a text that is not a string"
like_err '<stdin>:4:1: "reply_to": expected a post id' "--json: a bad reply_to"
is "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 2 "--json: the good posts are posted"

# The whole pipeline: payload, event, text, post.
run sh -c 'dh-parse "$1" | dh-format --json | tw-post --json' sh "$PAYLOADS/09-semver-multistage-dockerfile.json"
is_status 0 "dh-parse | dh-format --json | tw-post --json"
like_out '^\{"id":"1[0-9]+","url":"https://x.com/i/web/status/1[0-9]+","text":".*2\.4\.1.*"\}$' "the release is posted"
like "$(last_post)" 'docker pull ferrowind/gatekeeper:2.4.1' "the mock got the pull command"

# Nothing is sent for a bad text.
n=$(posts)
run_in "$T/long" tw-post
expect 65 '^tw-post: too long: weighted length 281, at most 280; nothing sent$' "too long: exit 65, not sent"
is "$(posts)" "$n" "the mock got nothing"

# Duplicates count as posted.
printf 'hello\n' >"$T/in"
run_in "$T/in" tw-post
expect 0 '^tw-post: already posted \(X: "You are not allowed to create a Tweet with duplicate content."\)$' "duplicate content: already posted, exit 0"
is "$OUT" "" "duplicate: no id"
mock_x_script dup
run tw-post 'a new text'
expect 0 'already posted' "a scripted duplicate"
printf '{"text":"hello"}\n' >"$T/in"
run_in "$T/in" tw-post --json -a 1.1
expect 0 '^tw-post: post 1: already posted \(X: "Status is a duplicate."\)$' "v1.1 duplicate (code 187)"
is "$OUT" '{"id":null,"url":null,"text":"hello","duplicate":true}' "--json duplicate line"

# Credentials.
run env -u TW_CONSUMER_SECRET -u TW_ACCESS_SECRET tw-post 'no secrets'
expect 78 '^tw-post: missing credentials: x.consumer_secret \(TW_CONSUMER_SECRET\), x.access_secret \(TW_ACCESS_SECRET\); searched the environment and '"$T"'/empty.conf$' "missing credentials are named with the files searched, exit 78"
printf 'x: {\n consumer_key = "mock-consumer-key";\n consumer_secret = "mock-consumer-secret";\n access_token = "mock-access-token";\n access_secret = "mock-access-secret";\n};\n' >"$T/cred.conf"
chmod 644 "$T/cred.conf"
run env -u TW_CONSUMER_KEY -u TW_CONSUMER_SECRET -u TW_ACCESS_TOKEN -u TW_ACCESS_SECRET tw-post -c "$T/cred.conf" 'from a readable file'
expect 78 "^tw-post: $T/cred.conf: holds secrets but group or others can read it \\(mode 644\\); chmod 600 it$" "secrets in a readable config: exit 78"
no_secret "readable config"
chmod 600 "$T/cred.conf"
run env -u TW_CONSUMER_KEY -u TW_CONSUMER_SECRET -u TW_ACCESS_TOKEN -u TW_ACCESS_SECRET tw-post -c "$T/cred.conf" 'from the config file'
is_status 0 "credentials from a mode 600 config"
like "$(last_post)" '"text": "from the config file"' "posted with the config's credentials"
run env TW_CONSUMER_SECRET=wrong-secret tw-post 'bad signature'
expect 77 '^tw-post: X refused the credentials \(401\): check the consumer key and secret and the access token and secret, which may have been regenerated or revoked \(X: "Unauthorized"\)$' "bad signature: 401, exit 77"
unlike "$ERR" 'wrong-secret' "the wrong secret is not printed"
is "$(mock_x_stat bad_auth)" 1 "the mock refused the signature"

# Errors from X: each with its message and status, no secret shown.
check_answer() { # SPEC STATUS ERE NAME
	mock_x_script "$1"
	run tw-post -T 3 "text for $1"
	expect "$2" "$3" "$4"
	no_secret "$1"
}
check_answer 401:token 77 '^tw-post: X refused the access token \(401\): it is invalid, expired or revoked; generate a new one' "revoked token: exit 77"
check_answer 403:readonly 77 '^tw-post: X refused to post \(403\): the app is read-only; give it Read and Write permission, then regenerate the access token' "read-only app: exit 77"
check_answer 403:project 77 '^tw-post: X refused the app \(403\): it is not attached to a project, which API v2 requires' "app not in a project: exit 77"
check_answer 403:suspended 77 '^tw-post: X refused to post \(403\): the account is suspended' "suspended account: exit 77"
check_answer 403 77 '^tw-post: X refused to post \(403\) \(X: "You are not permitted to perform this action."\)$' "other 403: exit 77"
check_answer 400 65 '^tw-post: X rejected the post \(400\) \(X: "Invalid text: the text is too long."\)$' "400: exit 65"
mock_x_script 403:readonly
run tw-post -T 3 -a 1.1 'v1.1 read-only'
expect 77 'the app is read-only.*\(X: "Application cannot perform write actions."\)$' "v1.1 read-only (code 261)"

# A 401 stops a stream: the next posts would fail the same way.
mock_x_script 401
printf 'first\0second\0' >"$T/in"
run_in "$T/in" tw-post -0
expect 77 '^tw-post: post 1: X refused the credentials' "-0: 401 on the first post"
unlike "$ERR" 'post 2' "-0: no second attempt after a 401"

# Transient failures: retried with backoff within -T.
mock_x_script '503*2'
r0=$(mock_x_stat requests)
run tw-post -T 20 'after two 503s'
is_status 0 "503 twice, then posted"
is "$(( $(mock_x_stat requests) - r0 ))" 3 "three requests"
mock_x_script '503*100'
r0=$(mock_x_stat requests)
run tw-post -T 2 'always 503'
expect 69 '^tw-post: X is unavailable \(503\) \(X: "Service Unavailable"\) \([0-9]+ attempts in [0-9]+ s\)$' "503 until the budget is spent: exit 69"
no_secret "503"
r1=$(mock_x_stat requests)
if [ $((r1 - r0)) -ge 2 ]; then ok "retried ($((r1 - r0)) requests)"; else not_ok "retried ($((r1 - r0)) requests)"; fi
mock_x_script ''
mock_x_script 'drop'
run tw-post -T 20 'after a dropped connection'
is_status 0 "a dropped connection is retried"
mock_x_script 'slow:5'
run tw-post -T 2 'too slow'
expect 69 '^tw-post: no answer in time: ' "no answer within -T: exit 69"
no_secret "timeout"
run env TW_API_URL="http://127.0.0.1:$(free_port)" tw-post -T 1 'nobody listens'
expect 69 '^tw-post: cannot connect: ' "connection refused: exit 69"
no_secret "connection refused"

# 429: wait for x-rate-limit-reset when the budget allows it.
mock_x_script '429:1'
r0=$(mock_x_stat requests)
run tw-post -T 20 'after a 429'
is_status 0 "429 with a reset within the budget: waited, then posted"
is "$(( $(mock_x_stat requests) - r0 ))" 2 "two requests"
mock_x_script '429:3600'
r0=$(mock_x_stat requests)
run tw-post -T 3 'rate limited for an hour'
expect 75 '^tw-post: rate limited by X until [0-9]{2}:[0-9]{2}:[0-9]{2} UTC \([0-9]+ s from now\), beyond the time budget$' "429 with a reset beyond the budget: exit 75"
is "$(( $(mock_x_stat requests) - r0 ))" 1 "no retry before the reset"
no_secret "429"
# A reset X gives in the past, or absurdly far, is not believed: tw-post
# backs off (0.5 s, 1 s, 2 s...) instead of retrying once a second, or
# computing with an overflowing time.
mock_x_script '429:-100000*20'
run tw-post -T 3 'reset in the past'
expect 75 '^tw-post: rate limited by X \(429\)( \(X: "[^"]*"\))? \([0-9]+ attempts in [0-9]+ s\)$' "429 with a reset in the past: backoff, then exit 75"
unlike "$ERR" 's from now' "... no reset time is quoted"
mock_x_script '429:1e20*20'
run tw-post -T 2 -q "$T/rq" 'reset absurdly far'
expect 75 'rate limited by X \(429\)' "429 with an absurd reset: exit 75, queued"
rl=$(cat "$T/rq/ratelimit" 2>/dev/null || echo 0)
if [ "$rl" -le $(( $(date +%s) + 90000 )) ]; then ok "... and no absurd hold in the queue"; else not_ok "... and no absurd hold in the queue"; diag "ratelimit: $rl"; fi
mock_x_script ''

# The README's CI shell step, as written, against the mock.
awk '/^### A plain shell step/ { on = 1 } on && /^```sh$/ { p = 1; next }
    p && /^```$/ { exit } p { print }' "$TOP/README.md" >"$T/ci.sh"
run env TAG=v9.9.9 sh -e "$T/ci.sh"
is_status 0 "the README's CI step posts"
like "$OUT" '\(53/280\)' "the CI step's dry run shows the length"
like "$(last_post)" '"text": "myorg/app v9.9.9 is out: docker pull myorg/app:v9.9.9"' "the CI step's post reached the mock"
no_secret "CI step"

# --verbose: requests traced, the Authorization header redacted.
run tw-post -v 'traced'
is_status 0 "--verbose"
like_err '> Authorization: OAuth \[redacted\]' "--verbose redacts the Authorization header"
like_err '< 201 ' "--verbose shows the answer"
no_secret "--verbose"

# The helper: found, given no secret, and missed clearly.
run env HUBTWEET_LIBEXECDIR=/nonexistent tw-post 'no helper'
expect 69 '^tw-post: /nonexistent/tw-send: cannot run: No such file or directory$' "a missing helper: exit 69"
mkdir "$T/fake"
cat >"$T/fake/tw-send" <<EOF
#!/bin/sh
{ echo "argv: \$*"; env; } >"$T/fake/seen"
read -r req; printf '%s\n' "\$req" >"$T/fake/request"
echo '{"status":201,"headers":{},"body":"{\"data\":{\"id\":\"77\"}}"}'
EOF
chmod +x "$T/fake/tw-send"
run env HUBTWEET_LIBEXECDIR="$T/fake" DH_KEY=dh-secret tw-post 'to the fake helper'
is "$OUT" "77 https://x.com/i/web/status/77" "HUBTWEET_LIBEXECDIR overrides where the helper is"
unlike "$(cat "$T/fake/seen")" "$SECRETS|dh-secret|TW_" "the helper's argv and environment hold no credential"
like "$(cat "$T/fake/request")" '"Authorization: OAuth oauth_consumer_key=\\"mock-consumer-key\\"' "the request is signed before it reaches the helper"
unlike "$(cat "$T/fake/request")" 'mock-consumer-secret|mock-access-secret' "the helper never sees a secret"

# An installation, even moved, finds its own helper.  The tools of the
# tree as they are: -o all rebuilds nothing (with PREFIX=/opt/ht, it would
# rebuild bin/ under the tests running beside this one), so the one
# compiled in is /usr/local's, not the one it finds.
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" -o all install DESTDIR="$T/d" PREFIX=/opt/ht
is_status 0 "make install"
mv "$T/d/opt/ht" "$T/d/moved"
run "$T/d/moved/bin/tw-post" -v 'from a moved installation'
is_status 0 "a moved installation posts"
like_err "^tw-post: helper: $T/d/moved/libexec/hubtweet/tw-send\$" "its helper is the one beside it"

# Over 64 KiB is no post.
python3 -c 'print("a" * 70000)' >"$T/in"
run_in "$T/in" tw-post
expect 65 '^tw-post: longer than 65536 bytes; nothing sent$' "input over 64 KiB: exit 65"
python3 -c 'print("a" * 300000)' >"$T/in"
run_in "$T/in" tw-post
expect 65 '^tw-post: longer than 65536 bytes; nothing sent$' "input far over 64 KiB: not all read"

# valgrind: no leak on the success path (valgrind cannot run ASan builds:
# "make valgrind" builds without sanitizers and runs this test).
# $vg is split into words on purpose.
# shellcheck disable=SC2086
if [ -n "${HT_SAN:-}" ]; then
	skip "valgrind: sanitized build (run make valgrind)"
elif ! command -v valgrind >/dev/null; then
	skip "valgrind: not installed"
else
	vg() {
		valgrind -q --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@"
	}
	run vg tw-post 'valgrind v2'
	is "$STATUS:$ERR" "0:" "valgrind: success path (v2), no error, no leak"
	run vg tw-post -a 1.1 -v 'valgrind v1.1'
	is_status 0 "valgrind: success path (v1.1, verbose)"
	printf '{"text":"valgrind json"}\n{"text":"valgrind json 2"}\n' >"$T/in"
	run_in "$T/in" vg tw-post --json
	is "$STATUS:$ERR" "0:" "valgrind: two posts from --json"
	run vg tw-post -n 'valgrind dry run'
	is "$STATUS:$ERR" "0:" "valgrind: dry run"
	run vg --trace-children=yes tw-post 'valgrind helper'
	is "$STATUS:$ERR" "0:" "valgrind: the helper tw-send too"
fi
# format.max_length is tw-post's limit too (accounts with longer posts).
printf 'format: { max_length = 1000; };\n' >"$T/long.conf"
python3 -c 'print("a" * 500)' >"$T/long.txt"
run_in "$T/long.txt" tw-post -n -c "$T/long.conf"
is_status 0 "format.max_length = 1000 lets a 500-weight post through"
like_out '\(500/1000\)' "the dry run shows the configured limit"
run_in "$T/long.txt" tw-post -n
expect 65 'too long: weighted length 500, at most 280; nothing sent$' "without it, 280"
done_testing
