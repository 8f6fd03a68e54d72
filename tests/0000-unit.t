#!/bin/sh
# The C unit tests of lib/ (cmocka), one TAP line per test program.
. "${0%/*}/lib.sh"

set -- "$BIN"/test/*
plan $#
for t; do
	name=${t##*/}
	if "$t" >"$T/unit.out" 2>&1; then
		ok "unit: $name"
	else
		not_ok "unit: $name"
		sed 's/^/# /' "$T/unit.out"
	fi
done
done_testing
