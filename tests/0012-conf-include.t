#!/bin/sh
# A secret read through libconfig's @include is held to the same rule as
# one in the main file: refused when group or others can read its file.
. "${0%/*}/lib.sh"

printf 'dockerhub = { key = "s3cret"; };\n' >"$T/secret.conf"
printf '@include "%s"\n' "$T/secret.conf" >"$T/main.conf"
chmod 600 "$T/main.conf"
: >"$T/empty"

chmod 644 "$T/secret.conf"
run_in "$T/empty" dh-parse -c "$T/main.conf"
expect 78 "^dh-parse: $T/secret.conf:1: holds secrets but group or others can read it \\(mode 644\\); chmod 600 it\$" \
    "a secret in a readable included file is refused"

chmod 600 "$T/secret.conf"
run_in "$T/empty" dh-parse -c "$T/main.conf"
is "$STATUS:$ERR" "0:" "the same file, mode 600, is accepted"

printf 'dockerhub = { skip_latest = false; };\n' >"$T/plain.conf"
chmod 644 "$T/plain.conf"
printf '@include "%s"\n' "$T/plain.conf" >"$T/main.conf"
chmod 644 "$T/main.conf"
run_in "$T/empty" dh-parse -c "$T/main.conf"
is "$STATUS:$ERR" "0:" "a readable included file without secrets is fine"
done_testing
