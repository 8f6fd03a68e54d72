#!/bin/sh
# From the docs to a day in production: private repositories, empty input,
# one layout, logs.
. "${0%/*}/lib.sh"

# An invented push to a private repository.
cat >"$T/private.json" <<'JSON'
{"push_data":{"pushed_at":1950000000,"pusher":"ops","tag":"3.1.0"},
 "repository":{"repo_name":"quietco/vault","namespace":"quietco","name":"vault",
 "is_private":true,"repo_url":"https://hub.docker.com/r/quietco/vault"}}
JSON
run dh-parse "$T/private.json"
is "$STATUS/$OUT/$ERR" "0//" "a private repository gives no event by default"
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
done_testing
