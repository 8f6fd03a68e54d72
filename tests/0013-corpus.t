#!/bin/sh
# The extra corpus: real Docker Hub payloads as Docker Hub sent them over
# the years, when a directory of them is at hand.  HT_FIXTURES names it
# (none: no extra run); else ../shared/fixtures/dockerhub-payloads beside
# the checkout, when there is one.  A user's clone has neither, and the
# project's own payloads (tests/0001-dh-parse.t) cover every shape the
# tests rely on: this file then skips.
. "${0%/*}/lib.sh"

case ${HT_FIXTURES:-} in
none)
	echo "1..0 # SKIP HT_FIXTURES=none"; exit 0 ;;
"")
	C=$TOP/../shared/fixtures/dockerhub-payloads
	if [ ! -d "$C" ]; then
		echo "1..0 # SKIP no extra corpus (HT_FIXTURES=DIR runs one)"
		exit 0
	fi ;;
*)
	C=$HT_FIXTURES
	[ -d "$C" ] || { echo "Bail out! HT_FIXTURES=$C: no such directory"; exit 1; } ;;
esac
diag "extra corpus: $C"

payload_corpus "$C"

# Every accepted payload of the corpus becomes a post X would take.
run sh -c 'dh-parse -L "$@" 2>/dev/null | dh-format --json' sh "$C"/*.json
is_status 0 "every event of the corpus formats"
if python3 - "$T/out" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    p = json.loads(line)
    assert p["valid"] is True and 0 < p["weighted_length"] <= 280, p
    n += 1
assert n > 0
PY
then ok "every post of the corpus is valid for X"; else not_ok "every post of the corpus is valid for X"; _show; fi
done_testing
