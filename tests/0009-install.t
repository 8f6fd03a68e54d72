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
if [ -x "$d/opt/ht/bin/dh-hook" ]; then ok "dh-hook is executable"; else not_ok "dh-hook is executable"; fi
# The paths in the recipes are the ones of this install.
like "$(grep '^ExecStart=' "$d/opt/ht/share/hubtweet/hubtweet@.service")" '^ExecStart=/opt/ht/bin/dh-hook$' "units: ExecStart names PREFIX's dh-hook"
like "$(grep '^ExecStart=' "$d/opt/ht/share/hubtweet/hubtweet-flush.service")" '^ExecStart=/opt/ht/bin/dh-hook --flush$' "flush unit: PREFIX's dh-hook --flush, the default spool and queue"
like "$(grep 'EXEC:' "$d/opt/ht/share/hubtweet/hubtweet-tls.service")" 'EXEC:/opt/ht/bin/dh-hook$' "TLS unit: PREFIX's dh-hook"
is "$(grep -c '/usr/local/bin' "$d"/opt/ht/share/hubtweet/* | grep -vc ':0$')" 0 "no recipe names /usr/local/bin"
run make -s -C "$TOP" SAN="${HT_SAN:-}" install DESTDIR="$T/dest2" PREFIX=/opt/ht LOCALSTATEDIR=/srv SYSCONFDIR=/opt/etc
# shellcheck disable=SC2016 # the script's own $1
like "$(grep -h 'd=/' "$T/dest2/opt/ht/bin/dh-hook")" 'd=/srv/lib/hubtweet/\$1' "dh-hook: LOCALSTATEDIR substituted"
like "$(grep '^LoadCredential=dh-key' "$T/dest2/opt/ht/share/hubtweet/hubtweet@.service")" '/opt/etc/hubtweet/dh-key$' "units: SYSCONFDIR substituted"
run make -s -C "$TOP" SAN="${HT_SAN:-}" uninstall DESTDIR="$d" PREFIX=/opt/ht
is_status 0 "make uninstall"
is "$(find "$d" -type f | wc -l)" 0 "uninstall removes every installed file"
done_testing
