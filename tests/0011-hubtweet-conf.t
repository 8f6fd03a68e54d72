#!/bin/sh
# hubtweet.conf(5): its example is a valid file and names every setting.
. "${0%/*}/lib.sh"

# The example file of EXAMPLES, as the page shows it: from its first line
# to the end of its last group.
mandoc -Tascii "$TOP/man/hubtweet.conf.5" | col -bx |
    awk '/# \/etc\/hubtweet\/hubtweet.conf$/ { on = 1 } on { print }
    on && /^ *log: \{/ { l = 1 } l && /^ *\};$/ { exit }' >"$T/all.conf"
chmod 600 "$T/all.conf"
run tw-post -n -c "$T/all.conf" hello
is_status 0 "the example configuration is valid"
# Every setting of lib/conf.c's table is in the example and documented.
sed -n 's/^[[:space:]]*{ "\([a-z_]*\.[a-z_]*\)".*/\1/p' "$TOP/lib/conf.c" >"$T/names"
while read -r s; do
	g=${s%%.*} k=${s#*.}
	if awk -v g="$g" -v k="$k" '$1 == g":" { on = 1 } on && ($1 == k || ($1 == "#" && $2 == k)) { f = 1 } on && /^ *};$/ { on = 0 } END { exit !f }' "$T/all.conf" &&
	    grep -q "^\.It Cm .*$k" "$TOP/man/hubtweet.conf.5"; then
		ok "$s documented, in the example"
	else
		not_ok "$s documented, in the example"
	fi
done <"$T/names"
chmod 644 "$T/all.conf"
run tw-post -n -c "$T/all.conf" hello
expect 78 'holds secrets but group or others can read it \(mode 644\); chmod 600 it$' "the example, readable by others, is refused"
done_testing
