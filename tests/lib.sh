# tests/lib.sh — the little TAP library every tests/NNNN-*.t sources.
#
#   . "${0%/*}/lib.sh"
#   plan 3
#   run dh-parse "$PAYLOADS/09-semver-multistage-dockerfile.json"
#   is_status 0 "dh-parse accepts the docs example"
#   like_err 'invalid JSON' "names the problem"
#
# run captures stdout, stderr and the exit status of a command in
# $OUT, $ERR and $STATUS (files $T/out and $T/err hold them too).

set -u
TOP=${HT_TOP:-$(cd "${0%/*}/.." && pwd)}
BIN=$TOP/bin
DATA=$TOP/tests/data
# The payloads the tests rely on: the project's own, written for it.  Real
# captures (../shared/fixtures beside a checkout, or HT_FIXTURES) are an
# extra corpus that tests/0013-corpus.t runs when present, never a need.
PAYLOADS=$DATA/payloads
PATH=$BIN:$TOP/scripts:$PATH
export PATH TOP BIN PAYLOADS DATA
# No user or system config leaks into a test, and no test writes to the
# user's own state: an empty config, and HOME and the XDG directories in
# temporary directories removed at exit.
unset XDG_CONFIG_HOME XDG_STATE_HOME XDG_DATA_HOME XDG_CACHE_HOME \
	XDG_RUNTIME_DIR STATE_DIRECTORY DH_KEY GITHUB_WEBHOOK_SECRET \
	HARBOR_AUTHORIZATION QUAY_KEY REGISTRY_AUTHORIZATION TW_API_URL TW_CONSUMER_KEY \
	TW_CONSUMER_SECRET TW_ACCESS_TOKEN TW_ACCESS_SECRET MASTODON_URL \
	MASTODON_TOKEN BSKY_HANDLE BSKY_APP_PASSWORD BSKY_PDS
# Configs a test writes must not be group-writable (they would be refused).
umask 022
HOME=$(mktemp -d "${TMPDIR:-/tmp}/ht-home.XXXXXX")
export HOME
T=$(mktemp -d "${TMPDIR:-/tmp}/ht-test.XXXXXX")
_cleanups=""
at_exit() { _cleanups="$* ; $_cleanups"; }
trap 'eval "$_cleanups"; rm -rf "$T" "$HOME"' EXIT
trap 'exit 1' INT TERM HUP
: >"$T/empty.conf"
HUBTWEET_CONFIG=$T/empty.conf
export HUBTWEET_CONFIG
# The default queue is root's /var/lib/hubtweet/queue otherwise, which no
# test may touch: a state directory as systemd's StateDirectory= gives.
STATE_DIRECTORY=$T/state
export STATE_DIRECTORY

# wait_for_posts N [SECONDS]: until the mock X API has accepted N posts
# (30 s at most unless SECONDS); the caller checks the count.
wait_for_posts() {
	_w=0
	while [ "$(wc -l <"$MOCK_POSTS")" -lt "$1" ] &&
	    [ $_w -lt $(( ${2:-30} * 20 )) ]; do
		sleep 0.05; _w=$((_w + 1))
	done
}

_n=0
_failed=0
# need FILE...: every file is there, or the whole run stops at once naming
# the first one missing (never a test that fails or waits for a reason it
# does not say).
need() {
	for _f in "$@"; do
		[ -f "$_f" ] && continue
		echo "Bail out! missing test file: $_f"
		exit 1
	done
}
plan() { _planned=1; echo "1..$1"; }
ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
skip() { _n=$((_n + 1)); echo "ok $_n # skip $*"; }

# run CMD...: capture output and status; never fails.
run() {
	"$@" >"$T/out" 2>"$T/err"
	STATUS=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}
# run_in FILE CMD...: the same, with FILE on stdin.
run_in() {
	_in=$1; shift
	"$@" <"$_in" >"$T/out" 2>"$T/err"
	STATUS=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

_show() { diag "status: $STATUS" "stdout:" "$OUT" "stderr:" "$ERR"; }
is_status() {
	if [ "$STATUS" -eq "$1" ]; then ok "$2"; else not_ok "$2"; diag "expected status $1"; _show; fi
}
is() { # is GOT WANT NAME
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3"; diag "got:" "$1" "want:" "$2"; fi
}
like() { # like TEXT ERE NAME
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok "$3"; else not_ok "$3"; diag "no match for /$2/ in:" "$1"; fi
}
unlike() { # unlike TEXT ERE NAME
	if printf '%s' "$1" | grep -Eq -- "$2"; then not_ok "$3"; diag "unexpected /$2/ in:" "$1"; else ok "$3"; fi
}
like_err() { like "$ERR" "$1" "$2"; }
like_out() { like "$OUT" "$1" "$2"; }
# expect STATUS ERE NAME: the last run exited STATUS with ERE on stderr.
expect() {
	if [ "$STATUS" -eq "$1" ] && printf '%s' "$ERR" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"; diag "expected status $1 and /$2/ on stderr"; _show
	fi
}
# Compare stdout with a golden file (tests/data/NAME); HT_UPDATE=1 rewrites it.
golden() {
	if [ "${HT_UPDATE:-0}" = 1 ]; then cp "$T/out" "$DATA/$1"; fi
	if cmp -s "$T/out" "$DATA/$1"; then ok "$2"; else not_ok "$2"; diff -u "$DATA/$1" "$T/out" | sed 's/^/# /'; fi
}
# answer STATUS BODY-ERE NAME: the HTTP answer the last run got (curl -i,
# in $T/out) has that status and a body matching BODY-ERE.
answer() {
	_st=$(sed -n '1s/\r$//p' "$T/out")
	_body=$(sed '1,/^\r$/d' "$T/out")
	if printf '%s' "$_st" | grep -Eq "^HTTP/1\\.1 $1 " &&
	    printf '%s' "$_body" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"; diag "want $1 and /$2/ in the body; got:" "$OUT"
		[ -z "$ERR" ] || diag "stderr:" "$ERR"
	fi
}
# One free TCP port on 127.0.0.1, for a listener the test starts next.
# Test files run in parallel: the port is picked at random below the
# kernel's ephemeral range, where no bind to port 0 (the mocks) and no
# outgoing connection can take it between this pick and the listener's
# bind; only another pick could, 1 in 20000.
free_port() {
	python3 - <<'PY'
import random, socket
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
for _ in range(100):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(10000, low - 1)
                if low > 12000 else 0))
    except OSError:
        s.close()
        continue
    print(s.getsockname()[1])
    break
PY
}
# wait_port PORT: until something listens on 127.0.0.1:PORT (5 s at most).
wait_port() {
	python3 - "$1" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}
_planned=0
# synopsis_agrees TOOL: the man page's SYNOPSIS is the --help usage line.
synopsis_agrees() {
	_bs=$(printf '\b')
	_syn=$(mandoc -Tascii "$TOP/man/$1.1" | sed "s/.$_bs//g" |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    tr -s ' \t\n' '   ' | sed 's/^ //;s/ $//')
	# The usage: line and any indented lines after it (more synopses).
	_use=$("$1" --help | awk 'NR == 1 { sub(/^usage: /, ""); print; next }
	    /^[ \t]/ { print; next } { exit }' | tr -s ' \t\n' '   ' |
	    sed 's/^ //;s/ $//')
	is "$_syn" "$_use" "$1: man SYNOPSIS and --help usage agree"
}
# mock_x_start [mock-x.py options]: start the mock X API (tests/mock-x.py)
# on a free port of 127.0.0.1, stopped at exit.  Sets MOCK_URL, MOCK_POSTS
# (its JSON lines of accepted posts) and MOCK_ERR (its log), and exports
# TW_API_URL and the four credentials the mock accepts.
mock_x_start() {
	_md=$(mktemp -d "$T/mock.XXXXXX")
	python3 "$TOP/tests/mock-x.py" --quiet --port-file "$_md/port" \
	    --record "$_md/posts" "$@" >"$_md/out" 2>"$_md/err" &
	at_exit "kill $! 2>/dev/null"
	_i=0
	while [ ! -s "$_md/port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 $! 2>/dev/null; then
			diag "mock-x did not start:"; sed 's/^/# /' "$_md/err"
			return 1
		fi
		sleep 0.05
	done
	MOCK_URL=http://127.0.0.1:$(cat "$_md/port")
	MOCK_POSTS=$_md/posts
	# shellcheck disable=SC2034 # for the tests that source this file
	MOCK_ERR=$_md/err
	: >>"$MOCK_POSTS"
	TW_API_URL=$MOCK_URL
	TW_CONSUMER_KEY=mock-consumer-key
	TW_CONSUMER_SECRET=mock-consumer-secret
	TW_ACCESS_TOKEN=mock-access-token
	TW_ACCESS_SECRET=mock-access-secret
	export TW_API_URL TW_CONSUMER_KEY TW_CONSUMER_SECRET TW_ACCESS_TOKEN \
	    TW_ACCESS_SECRET MOCK_URL MOCK_POSTS MOCK_ERR
}
# mock_start NAME [options]: start tests/mock-NAME.py on a free port of
# 127.0.0.1, stopped at exit; sets MOCK_DIR (its port, posts, out and err
# files) and MOCK_BASE (its URL).
mock_start() {
	MOCK_DIR=$(mktemp -d "$T/mock-$1.XXXXXX")
	_name=$1
	shift
	python3 "$TOP/tests/mock-$_name.py" --quiet --port-file \
	    "$MOCK_DIR/port" --record "$MOCK_DIR/posts" "$@" \
	    >"$MOCK_DIR/out" 2>"$MOCK_DIR/err" &
	at_exit "kill $! 2>/dev/null"
	_i=0
	while [ ! -s "$MOCK_DIR/port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 $! 2>/dev/null; then
			diag "mock-$_name did not start:"
			sed 's/^/# /' "$MOCK_DIR/err"
			return 1
		fi
		sleep 0.05
	done
	MOCK_BASE=http://127.0.0.1:$(cat "$MOCK_DIR/port")
	: >>"$MOCK_DIR/posts"
}
# mock_mastodon_start [options]: the mock Mastodon instance; exports
# MASTODON_URL and the MASTODON_TOKEN it accepts; MASTO_DIR its files.
mock_mastodon_start() {
	mock_start mastodon "$@" || return 1
	MASTODON_URL=$MOCK_BASE
	MASTODON_TOKEN=mock-mastodon-token
	MASTO_DIR=$MOCK_DIR
	export MASTODON_URL MASTODON_TOKEN MASTO_DIR
}
# mock_bsky_start [options]: the mock PDS; exports BSKY_PDS and the
# BSKY_HANDLE and BSKY_APP_PASSWORD it accepts; BSKY_DIR its files.
mock_bsky_start() {
	mock_start bsky "$@" || return 1
	BSKY_PDS=$MOCK_BASE
	BSKY_HANDLE=mock.bsky.example
	BSKY_APP_PASSWORD=mock-app-password
	BSKY_DIR=$MOCK_DIR
	export BSKY_PDS BSKY_HANDLE BSKY_APP_PASSWORD BSKY_DIR
}
# mock_get URL NAME: the number NAME of the mock at URL's /_mock/stats.
mock_get() {
	curl -sf "$1/_mock/stats" | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
# mock_post URL WHAT [BODY]: POST to the mock's /_mock/WHAT (script,
# expire, revoke).
mock_post() {
	curl -sf -X POST --data-binary "${3:-}" "$1/_mock/$2" >/dev/null
}
# mock_x_script SPEC: tell the mock how to answer the next requests.
mock_x_script() {
	curl -sf -X POST --data-binary "$1" "$MOCK_URL/_mock/script" >/dev/null
}
# mock_x_stat NAME: requests, accepted or bad_auth, so far.
mock_x_stat() {
	curl -sf "$MOCK_URL/_mock/stats" | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
# delivery REPO TAG [PUSHED_AT]: an invented Docker Hub payload on one
# line (pushed 2026-01-01 by default).
delivery() {
	printf '{"push_data":{"pushed_at":%s,"tag":"%s","pusher":"ci"},' "${3:-1767225600}" "$2"
	printf '"repository":{"repo_name":"%s","is_private":false}}\n' "$1"
}
done_testing() { [ "$_planned" = 1 ] || echo "1..$_n"; [ "$_failed" -eq 0 ]; }
# payload_corpus DIR: every *.json payload in DIR gives one event, or a
# clear rejection with exit 65 when its name says INVALID (not JSON: the
# position named) or REJECTED (JSON, but not a push we can announce); the
# same payloads as one stream skip the bad ones and go on.
payload_corpus() {
	_dir=$1
	_bad=0
	: >"$T/corpus.json"
	for _p in "$_dir"/*.json; do
		need "$_p"
		_b=${_p##*/}
		cat "$_p" >>"$T/corpus.json"; echo >>"$T/corpus.json"
		run dh-parse -LP "$_p"
		case $_b in
		*INVALID*)
			_bad=$((_bad + 1))
			expect 65 "^dh-parse: $_p:[0-9]+:[0-9]+: invalid JSON: " "$_b: rejected with position"
			is "$OUT" "" "$_b: nothing on stdout" ;;
		*REJECTED*)
			_bad=$((_bad + 1))
			expect 65 "^dh-parse: $_p:[0-9]+:[0-9]+: [a-z_.]+: " "$_b: rejected, the field named"
			is "$OUT" "" "$_b: nothing on stdout" ;;
		*)
			if [ "$STATUS" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] &&
			    printf '%s' "$OUT" | python3 -c 'import json,sys; e=json.load(sys.stdin); assert e["id"]==e["image"]+"@"+e["pushed_at"]'; then
				ok "$_b: one event"
			else
				not_ok "$_b: one event"; _show
			fi
			is "$ERR" "" "$_b: nothing on stderr" ;;
		esac
	done
	run dh-parse -LP "$T/corpus.json"
	if [ "$_bad" -gt 0 ]; then _want=65; else _want=0; fi
	is "$STATUS" "$_want" "the payloads as one stream: exit $_want"
	is "$(grep -c . "$T/err")" "$_bad" "one error line per bad payload in the stream"
}
