#!/bin/sh
# Templates are checked at load: a field an event does not have is an
# error before any input is read, and what cannot be rendered is kept.
. "${0%/*}/lib.sh"
printf '{"repo_name":"acme/anvil","tag":"2.4.1","image":"acme/anvil:2.4.1","id":"acme/anvil:2.4.1@2031-05-06T07:08:09Z"}\n' >"$T/ev11.json"
run dh-format -t '{repo_name} {version}' /nonexistent/never-read.json
expect 64 '^dh-format: template:1:13: unknown field "version": not an event field \(-A for other JSON\)$' "-t naming no event field: 64, field named, input not read"
printf 'format: { template = "New {imgae} out"; };\n' >"$T/typo.conf"
run dh-format -c "$T/typo.conf" /nonexistent/never-read.json
expect 78 "^dh-format: $T/typo.conf: format.template:1:5: unknown field \"imgae\": not an event field" "config template naming no event field: 78"
run_in "$T/ev11.json" dh-format -A -t '{tag} {build.arch:-any}'
is "$STATUS $OUT" "0 2.4.1 any" "-A: any field or dotted path"
run_in "$T/ev11.json" dh-format -t '{tag} {pusher:-someone} {star_count:-0}'
is "$STATUS $OUT" "0 2.4.1 someone 0" "event fields are allowed"
# With --json, what cannot be rendered is passed on as a failure line.
run_in "$T/ev11.json" dh-format --json -c "$T/typo.conf"
expect 78 'not rendered: .*unknown field "imgae"' "--json, bad config template: 78, each event reported"
like "$OUT" '^\{"id":"acme/anvil:2\.4\.1@2031-05-06T07:08:09Z","error":".*unknown field \\"imgae\\".*","status":78,"event":\{"repo_name":"acme/anvil"' "--json, bad config template: the event is passed on with the error"
run_in "$T/ev11.json" dh-format --json -t '{tag} by {pusher}'
expect 65 'missing field "pusher"' "--json, missing field: 65"
like "$OUT" '"error":"missing field \\"pusher\\"","status":65,"event":' "--json, missing field: a failure line"

# The pipeline of dh-hook: what dh-format could not render is kept in the
# queue's failed/ with its reason, shown by -S, and sent again by --retry.
Q=$T/q
dh-format --json -c "$T/typo.conf" "$T/ev11.json" 2>/dev/null |
    tw-post --json -q "$Q" >/dev/null 2>"$T/err"
is "$?" 78 "tw-post --json exits with the status of the failure line"
like "$(cat "$T/err")" "^tw-post: post 1: event acme/anvil:2\.4\.1@2031-05-06T07:08:09Z: not rendered: .*; kept in $Q/failed/" "tw-post says where the event is kept"
run tw-post -S "$Q"
like "$OUT" "failed item: $Q/failed/[^:]+: not rendered: .*unknown field \"imgae\"" "-S: the failed item and its reason"
like "$OUT" 'event \(not rendered\): \{"repo_name":"acme/anvil"' "-S: the event it holds"
run tw-post -S -j "$Q"
like "$OUT" '"failed":1,.*"items":\[\{"state":"failed",.*"reason":"not rendered: ' "-S -j: JSON with the item and its reason"
run tw-post --retry "$Q"
is "$STATUS" 0 "--retry exits 0"
like "$OUT" '^\{"repo_name":"acme/anvil","tag":"2\.4\.1"' "--retry writes the event for dh-format"
is "$(find "$Q/failed" -mindepth 1 | wc -l | tr -d ' ')" 0 "--retry leaves nothing in failed/ (no .reason either)"
printf '%s\n' "$OUT" | dh-format --json -t 'Release {tag} of {repo_name}' |
    tw-post --json -n >"$T/out"
like "$(cat "$T/out")" '"text":"Release 2\.4\.1 of acme/anvil"' "the retried event renders with a fixed template"

# Texts: white space runs in values collapse, the template's own are kept;
# a cut falls at the end of a word when one is near.
printf '{"tag":"6.0","description":"Fast relay.\\n\\nWith\\tTLS   and  queues."}\n' >"$T/ws.json"
run dh-format -t "$(printf '{tag}\n{description}')" "$T/ws.json"
is "$OUT" "$(printf '6.0\nFast relay. With TLS and queues.')" "newlines and tabs in a value become one space; the template's newline stays"
printf '{"tag":"6.0","image":"acme/relay:6.0","description":"Lightweight relay with apparently endless configurability"}\n' >"$T/cut.json"
run dh-format -m 57 -t '{description} - docker pull {image}' "$T/cut.json"
is "$OUT" "Lightweight relay with… - docker pull acme/relay:6.0" "a cut at the end of a word, not inside one"
done_testing
