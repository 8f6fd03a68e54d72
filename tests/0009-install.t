#!/bin/sh
# make install / uninstall honour PREFIX, DESTDIR, SYSCONFDIR and
# LOCALSTATEDIR.  The build is made from a copy of the sources (the files
# make deb copies too): the paths are compiled in, so building them in the
# tree would replace bin/ under the tests running beside this one.
. "${0%/*}/lib.sh"

s=$T/src
mkdir "$s"
cp -pR "$TOP/Makefile" "$TOP/cmd" "$TOP/lib" "$TOP/man" "$TOP/scripts" "$s/"
# Unoptimised and unsanitized: only the installed files are checked here.
mk() { run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$s" SAN= OPT=-O0 "$@"; }
d=$T/dest
paths="PREFIX=/opt/ht LOCALSTATEDIR=/srv SYSCONFDIR=/opt/etc"
# shellcheck disable=SC2086 # $paths is three words
mk -j2 install DESTDIR="$d" $paths
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
# shellcheck disable=SC2016 # the script's own $1
like "$(grep -h 'd=/' "$d/opt/ht/bin/dh-hook")" 'd=/srv/lib/hubtweet/\$1' "dh-hook: LOCALSTATEDIR substituted"
like "$(grep '^LoadCredential=dh-key' "$d/opt/ht/share/hubtweet/hubtweet@.service")" '/opt/etc/hubtweet/dh-key$' "units: SYSCONFDIR substituted"
# The compiled-in paths are this install's too.
like "$(strings "$s/bin/tw-post" | grep -x '/opt/ht/libexec/hubtweet' || :)" . "tools: LIBEXECDIR compiled in"
# shellcheck disable=SC2086
mk uninstall DESTDIR="$d" $paths
is_status 0 "make uninstall"
is "$(find "$d" -type f | wc -l)" 0 "uninstall removes every installed file"
done_testing
