#!/bin/sh
# make install / uninstall honour PREFIX and DESTDIR.
. "${0%/*}/lib.sh"

d=$T/dest
run make -s -C "$TOP" SAN="${HT_SAN:-}" install DESTDIR="$d" PREFIX=/opt/ht
is_status 0 "make install"
for f in bin/dh-parse bin/dh-format bin/tw-post libexec/hubtweet/tw-send \
    bin/dh-hook share/man/man1/dh-parse.1 share/man/man1/dh-format.1 \
    share/man/man1/tw-post.1 share/hubtweet/hubtweet@.service \
    share/hubtweet/hubtweet-socat share/hubtweet/hubtweet-flush.timer \
    share/man/man1/dh-hook.1 share/man/man5/hubtweet.conf.5 \
    share/man/man7/hubtweet.7; do
	if [ -f "$d/opt/ht/$f" ]; then ok "installs $f"; else not_ok "installs $f"; fi
done
if [ -x "$d/opt/ht/bin/dh-parse" ]; then ok "tools are executable"; else not_ok "tools are executable"; fi
run make -s -C "$TOP" SAN="${HT_SAN:-}" uninstall DESTDIR="$d" PREFIX=/opt/ht
is_status 0 "make uninstall"
is "$(find "$d" -type f | wc -l)" 0 "uninstall removes every installed file"
done_testing
