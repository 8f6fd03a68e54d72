#!/bin/sh
# Grouping a release's burst of deliveries into one event (dh-parse), in a
# pipeline; the webhook's spool and dh-hook's drain are further down.
. "${0%/*}/lib.sh"

count() { find "$1" -mindepth 1 -maxdepth 1 | wc -l | tr -d ' '; }
ids() { printf '%s\n' "$OUT" | sed 's/.*"id":"\([^"]*\)".*/\1/' | tr '\n' ' '; }

# A release: 1.2.3, 1.2, 1, latest and 1.2.3 again, within a second, and
# another repository's push in the same second.
{ delivery acme/widget 1.2.3 1767225600
  delivery acme/widget 1.2 1767225600
  delivery other/thing 0.9 1767225600
  delivery acme/widget 1 1767225601
  delivery acme/widget latest 1767225601
  delivery acme/widget 1.2.3 1767225601; } >"$T/burst.ndjson"

run dh-parse "$T/burst.ndjson"
is_status 0 "a burst is read"
is "$(ids)" "acme/widget:1.2.3@2026-01-01T00:00:00Z other/thing:0.9@2026-01-01T00:00:00Z " \
    "one event per repository"
like_out '"tag":"1.2.3","tags":\["1.2.3","1.2","1"\],"other_tags":\["1.2","1"\],"image":"acme/widget:1.2.3"' \
    "main tag, every tag once, latest filtered before grouping"
like_out '"tag":"0.9","tags":\["0.9"\],"other_tags":\[\]' "a group of one has its lists"

run dh-parse "$T/burst.ndjson"
first=$OUT
run dh-parse "$T/burst.ndjson"
is "$OUT" "$first" "the same burst read again gives the same events and ids"

run sh -c 'dh-parse "$1" | dh-format -t "{tag} of {name} (tags: {tags}; also {other_tags:-no other tags})"' sh "$T/burst.ndjson"
is "$OUT" "1.2.3 of widget (tags: 1.2.3, 1.2, 1; also 1.2, 1)
0.9 of thing (tags: 0.9; also no other tags)" "templates read the lists naturally"

run dh-parse -L "$T/burst.ndjson"
like_out '"tags":\["1.2.3","1.2","1","latest"\]' "-L: latest joins the group"

run dh-parse -w 0 "$T/burst.ndjson"
is "$(ids)" "acme/widget:1.2.3@2026-01-01T00:00:00Z other/thing:0.9@2026-01-01T00:00:00Z " \
    "-w 0: a group per delivery, but the stream remembers the release"
is "$ERR" "dh-parse: acme/widget:1.2@2026-01-01T00:00:00Z: not posted: late alias of acme/widget:1.2.3@2026-01-01T00:00:00Z
dh-parse: acme/widget:1@2026-01-01T00:00:01Z: not posted: late alias of acme/widget:1.2.3@2026-01-01T00:00:00Z
dh-parse: acme/widget:latest@2026-01-01T00:00:01Z: not posted: tag 'latest' is skipped
dh-parse: acme/widget:1.2.3@2026-01-01T00:00:01Z: not posted: repeat of acme/widget:1.2.3@2026-01-01T00:00:00Z" \
    "every delivery not posted is logged, with the reason and the release"

# The quiet period: a group closes a window after its last delivery, at
# most dockerhub.group_max after its first.
{ delivery acme/widget 2.0.1 1767225600
  delivery acme/widget 2.0 1767225659
  delivery acme/widget 2 1767225718
  delivery acme/widget 2.0.2 1767225800; } >"$T/window.ndjson"
run dh-parse "$T/window.ndjson"
is "$(ids)" "acme/widget:2.0.1@2026-01-01T00:00:00Z acme/widget:2.0.2@2026-01-01T00:03:20Z " \
    "pushes less than 60 s apart are one release, over two minutes"
like_out '"tag":"2\.0\.1","tags":\["2\.0\.1","2\.0","2"\]' "... with every tag"
is "$ERR" "" "... and nothing dropped"
run dh-parse -w 30 "$T/window.ndjson"
is "$(ids)" "acme/widget:2.0.1@2026-01-01T00:00:00Z acme/widget:2.0.2@2026-01-01T00:03:20Z " \
    "-w 30: the same releases"
is "$(printf '%s\n' "$ERR" | grep -c 'not posted: late alias of acme/widget:2\.0\.1@')" 2 \
    "... the late tags dropped as late aliases"
printf 'dockerhub: { group_max = 100; };\n' >"$T/max.conf"
run dh-parse -c "$T/max.conf" "$T/window.ndjson"
like_out '"tags":\["2\.0\.1","2\.0"\]' "dockerhub.group_max: a group stays open 100 s at most"
like_err '^dh-parse: acme/widget:2@2026-01-01T00:01:58Z: not posted: late alias of acme/widget:2\.0\.1@2026-01-01T00:00:00Z$' \
    "... what comes after is judged on its own"
printf 'dockerhub: { group_window = 0; };\n' >"$T/w0.conf"
run dh-parse -c "$T/w0.conf" "$T/window.ndjson"
is "$(printf '%s\n' "$ERR" | grep -c 'not posted')" 2 "dockerhub.group_window = 0"
run dh-parse -c "$T/w0.conf" -w 60 "$T/window.ndjson"
is "$ERR" "" "-w over the config"
run dh-parse -w 90000 "$T/window.ndjson"
expect 64 '^dh-parse: -w: "90000": expected seconds, 0 to 86400$' "-w out of range"
printf 'dockerhub: { group_window = -1; };\n' >"$T/bad.conf"
run dh-parse -c "$T/bad.conf" "$T/window.ndjson"
expect 78 'group_window' "a negative window in the config"
printf 'dockerhub: { group_max = 0; };\n' >"$T/bad.conf"
run dh-parse -c "$T/bad.conf" "$T/window.ndjson"
expect 78 'group_max' "a group_max of 0"

# The memory across runs: a spool's (-s), shown by -m, forgotten by -f.
rm -rf "$T/mem"; mkdir -m 700 "$T/mem"
run dh-parse -s "$T/mem" "$T/burst.ndjson"
is "$(ids)" "acme/widget:1.2.3@2026-01-01T00:00:00Z other/thing:0.9@2026-01-01T00:00:00Z " \
    "-s: the first run announces"
run dh-parse -s "$T/mem" "$T/burst.ndjson"
is "$OUT" "" "-s: the same releases again: nothing"
like_err '^dh-parse: acme/widget:1\.2\.3@2026-01-01T00:00:00Z: not posted: repeat of acme/widget:1\.2\.3@2026-01-01T00:00:00Z$' \
    "... each logged as a repeat"
is "$(stat -c %a "$T/mem/releases")" 600 "the memory is the owner's alone"
run dh-parse -m -s "$T/mem"
is_status 0 "-m shows the memory"
like_out '^acme/widget:1\.2\.3	1\.2\.3,1\.2,1	acme/widget:1\.2\.3@2026-01-01T00:00:00Z	20[0-9-]+T[0-9:]+Z$' \
    "... a release a line: repo:tag, tags, id, when"
run dh-parse -f acme/widget:1.2 -s "$T/mem"
is_status 0 "-f forgets a release by one of its tags"
like_err '^dh-parse: acme/widget:1\.2: forgotten \(1 release\)$' "... and says so"
run dh-parse -s "$T/mem" "$T/burst.ndjson"
is "$(ids)" "acme/widget:1.2.3@2026-01-01T00:00:00Z " "... so it is announced again"
run dh-parse -f acme/widget:9.9 -s "$T/mem"
expect 65 '^dh-parse: -f: acme/widget:9\.9: not remembered$' "-f: nothing to forget"
run dh-parse -f acme-widget -s "$T/mem"
expect 64 '^dh-parse: -f: "acme-widget": expected REPO:TAG$' "-f needs REPO:TAG"
run dh-parse -m
expect 64 '^dh-parse: -m: no memory of releases: give -s DIR, -T or set spool\.dir$' "-m needs a spool"
run dh-parse -m -f a/b:1 -s "$T/mem"
expect 64 '^usage: dh-parse' "-m and -f do not go together"
run dh-parse -m -s "$T/mem" "$T/burst.ndjson"
expect 64 '^usage: dh-parse' "-m reads no input"
printf '{"not":"a list"}\n' >"$T/mem/releases"
run dh-parse -m -s "$T/mem"
expect 65 '^dh-parse: releases: .*/mem: releases: not a list of releases$' "a memory that is not a list"
printf 'garbage' >"$T/mem/releases"
run dh-parse -s "$T/mem" "$T/burst.ndjson"
expect 65 '^dh-parse: releases: .*/mem: releases:1: ' "a memory that is not JSON stops the stream"
run dh-parse -m -s "$T/nonexistent"
expect 75 '^dh-parse: releases: .*/nonexistent: No such file or directory$' "a missing spool"

# Per-tag filters apply before grouping.
run dh-parse -x '1.2.3' "$T/burst.ndjson"
like_out '"tag":"1.2","tags":\["1.2","1"\]' "an excluded tag is in no group"

# The webhook: a delivery is in the spool before its 200.
KEY=k3y-for-the-spool-test
DH_KEY=$KEY
export DH_KEY
mkdir -m 700 "$T/spool"
: >"$T/hout"; : >"$T/hlog"; : >"$T/hst"
PORT=$(free_port)
# The handler's spool is named in a file, so that the tests can change it.
use_spool() { printf '%s\n' "$1" >"$T/spoolname"; }
use_spool "$T/spool"
echo 30 >"$T/window"
socat TCP-LISTEN:"$PORT",bind=127.0.0.1,fork,reuseaddr \
    SYSTEM:"trap true TERM; dh-parse -H -w \$(cat $T/window) -s \"\$(cat $T/spoolname)\" >>$T/hout 2>>$T/hlog; echo \$? >>$T/hst" \
    2>>"$T/socat.err" &
at_exit "kill $! 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! nothing listens on $PORT"; exit 1; }
n=1
wait_st() {
	_i=0
	while [ "$(wc -l <"$T/hst")" -lt "$1" ] && [ $_i -lt 200 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
}
U="http://127.0.0.1:$PORT/dockerhub?key=$KEY"
deliver() { # deliver REPO TAG: one delivery, answer in $OUT
	delivery "$1" "$2" 1767225600 >"$T/body"
	run curl -sS -i --max-time 20 --data-binary @"$T/body" "$U"
	n=$((n + 1)); wait_st $n
}
deliver acme/widget 1.2.3
answer 200 '"status":"accepted","id":"acme/widget:1.2.3@' "a delivery is accepted"
groups=$(ls "$T/spool/open")
is "$(printf '%s\n' "$groups" | wc -l | tr -d ' ')" 1 "it opened a group"
is "$(cat "$T/spool/open/$groups"/* | sed 's/.*"tag":"\([^"]*\)".*/\1/')" 1.2.3 \
    "the delivery's event is in it, on disk"
is "$(cat "$T/hout")" "" "with a spool, nothing is written: the spool has it"
like "$groups" '^[0-9]{14}\.[0-9]+\.acme\+widget$' "the group's name: close time, pid, repository"
deliver acme/widget 1.2
answer 200 '"status":"accepted"' "a second delivery"
joined=$(ls "$T/spool/open")
is "${joined#*.}" "${groups#*.}" "it joined the open group"
is "$(test "${joined%%.*}" -ge "${groups%%.*}" && echo later)" later \
    "which now closes a window after it"
is "$(count "$T/spool/open/$joined")" 2 "two deliveries in it"
deliver acme/widget latest
answer 200 '"status":"ignored"' "a filtered delivery"
is "$(count "$T/spool/open/$joined")" 2 "is not spooled"
deliver other/thing 0.9
is "$(count "$T/spool/open")" 2 "another repository, another group"

# Unwritable spools: 503, and the log says why; nothing is accepted.
use_spool "$T/nonexistent"
deliver acme/widget 1.2.3
answer 503 '^\{"status":"error","id":"acme/widget:1\.2\.3@[^"]*","reason":"cannot keep the delivery now"\}$' "a missing spool: 503"
like "$(tail -n 1 "$T/hlog")" '" 503 id=acme/widget:1\.2\.3@2026-01-01T00:00:00Z bytes=[0-9]+ spool: .*/nonexistent: No such file or directory$' \
    "the log says why"
is "$(tail -n 1 "$T/hst")" 75 "dh-parse exits 75"
mkdir -m 700 "$T/broken"; : >"$T/broken/tmp"
use_spool "$T/broken"
deliver acme/widget 1.2.3
answer 503 'cannot keep the delivery now' "a spool whose tmp/ is a file: 503"
like "$(tail -n 1 "$T/hlog")" 'spool: .*/broken: tmp: Not a directory$' "the log says why"
mkdir -m 770 "$T/shared"
use_spool "$T/shared"
deliver acme/widget 1.2.3
answer 503 'cannot keep the delivery now' "a spool the group can write to: 503"
like "$(tail -n 1 "$T/hlog")" 'spool: .*/shared: writable by the group: anyone who can write there can post; chmod go-w it$' \
    "the log says why"
mkdir -m 700 "$T/ro"
if [ "$(id -u)" != 0 ]; then
	chmod 500 "$T/ro"
	use_spool "$T/ro"
	deliver acme/widget 1.2.3
	answer 503 'cannot keep the delivery now' "an unwritable spool: 503"
	like "$(tail -n 1 "$T/hlog")" 'Permission denied$' "the log says why"
else
	skip "root writes anywhere: no unwritable spool to test"
	skip "root writes anywhere"
fi

# -D: each closed group's event to a command; kept, with the reason, when
# the command does not take it.
rm -rf "$T/d"; mkdir -m 700 "$T/d"
run dh-parse -D -s "$T/d" -- cat
is_status 0 "-D with nothing to drain"
is "$OUT" "" "... gives nothing"
run dh-parse -D -s "$T/d" -g 00000000001.1.acme+widget -- cat
expect 64 "invalid option -- 'g'" "-D -g is no more: the drain waits for the windows"
run dh-parse -D -s "$T/d"
expect 64 '^usage: dh-parse' "-D needs a command"
run dh-parse -D -- cat
expect 64 '^dh-parse: -D: no spool: give -s DIR, -T or set spool.dir$' "-D needs a spool"
STATE_DIRECTORY=$T/sd run dh-parse -D -T -- cat
is_status 0 "-D -T: the state directory's spool"
is "$(stat -c %a "$T/sd/spool")" 700 "... made, owner only"
run dh-parse -W -s "$T/d" -- cat
expect 64 '^usage: dh-parse' "-W goes with -D"
run dh-parse -n -s "$T/d" -- cat
expect 64 '^usage: dh-parse' "-n goes with -D"
run dh-parse -T -C
expect 64 '^usage: dh-parse' "-T does not go with -C"

# By hand: three deliveries for one group over the socket, each within
# the 4 s quiet period of the one before; the group closed 4 s after the
# last.
use_spool "$T/d"
echo 4 >"$T/window"
: >"$T/hout"
deliver acme/widget 1.2.3
deliver acme/widget 1.2
deliver acme/widget 1
g=$(ls "$T/d/open")
gre=$(printf '%s' "$g" | sed 's/[.+]/\\&/g')
sleep 4.1
run dh-parse -D -s "$T/d" -- sh -c 'echo "cannot take it" >&2; exit 74'
is_status 75 "-D: a command that does not take the event: 75"
like_err "drain: $gre: id=acme/widget:1\.2\.3@2026-01-01T00:00:00Z kept in the spool: exit 74: cannot take it\$" \
    "... logged with the reason"
is "$(cat "$T/d/closed/$g/reason")" "exit 74: cannot take it" "the reason is kept beside the deliveries"
is "$(find "$T/d/closed/$g" -mindepth 1 -name '[0-9]*' | wc -l | tr -d ' ')" 3 "the deliveries are kept"
# shellcheck disable=SC2016 # $0 is the sh's
run dh-parse -D -s "$T/d" -- sh -c 'cat >"$0"; exit 75' "$T/taken"
is_status 0 "-D: the next drain passes it on (75: queued)"
like "$(cat "$T/taken")" '"tag":"1\.2\.3","tags":\["1\.2\.3","1\.2","1"\],"other_tags":\["1\.2","1"\]' \
    "the command got the group's event"
like_err "drain: $gre: 3 deliveries, id=acme/widget:1\.2\.3@2026-01-01T00:00:00Z: passed on" "... logged"
is "$(ls "$T/d/closed" "$T/d/open" "$T/d/tmp")" "$(printf '%s\n' "$T/d/closed:" "" "$T/d/open:" "" "$T/d/tmp:")" \
    "and the spool is empty"

done_testing
