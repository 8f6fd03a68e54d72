#!/bin/sh
# Every man page is mdoc that mandoc -Tlint finds clean.
. "${0%/*}/lib.sh"

for m in "$TOP"/man/*.[0-9]; do
	run mandoc -Tlint -Wwarning "$m"
	if [ "$STATUS" -eq 0 ] && [ -z "$OUT$ERR" ]; then
		ok "mandoc -Tlint: ${m##*/}"
	else
		not_ok "mandoc -Tlint: ${m##*/}"; _show
	fi
done
done_testing
