#!/bin/sh
# Every fuzz target's harness runs once over its seed corpus
# (tests/fuzz/<target>/, and tests/data/payloads/ for the payload target,
# tests/data/payloads/<target>/ for a registry's),
# built with make check's sanitizers: the harnesses
# cannot rot, and each crash make fuzz once found stays fixed.
. "${0%/*}/lib.sh"

for d in "$TOP"/tests/fuzz/*/; do
	t=$(basename "$d")
	n=$(find "$d" -type f | wc -l)
	if [ ! -x "$BIN/fuzz/$t" ]; then
		not_ok "fuzz $t: harness bin/fuzz/$t is built"
		diag "add $t to FUZZ in the Makefile"
		continue
	fi
	# The payload harness also replays the project's test payloads.
	if [ "$t" = payload ]; then
		n=$((n + $(find "$PAYLOADS" -maxdepth 1 -type f | wc -l)))
		run "$BIN/fuzz/$t" "$d" "$PAYLOADS"
	elif [ -d "$PAYLOADS/$t" ]; then
		n=$((n + $(find "$PAYLOADS/$t" -type f | wc -l)))
		run "$BIN/fuzz/$t" "$d" "$PAYLOADS/$t"
	else
		run "$BIN/fuzz/$t" "$d"
	fi
	if [ "$STATUS" -eq 0 ] && [ "$OUT" = "replayed $n inputs" ] &&
	    [ -z "$ERR" ]; then
		ok "fuzz $t: $n seeds replay cleanly"
	else
		not_ok "fuzz $t: $n seeds replay cleanly"; _show
	fi
done
done_testing
