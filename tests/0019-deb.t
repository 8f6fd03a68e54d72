#!/bin/sh
# make deb: the package's files and control fields, and its tools run from
# a dpkg-deb -x of it (nothing is installed on this system).
. "${0%/*}/lib.sh"

if ! command -v dpkg-deb >/dev/null || ! command -v dpkg-shlibdeps >/dev/null; then
	plan 1
	skip "dpkg-dev is not installed (scripts/deps installs it)"
	exit 0
fi
# The package is built without sanitizers, from a copy of the sources
# (make deb's own files and README.md) in this test's directory: neither
# this make nor its package touch the tree, where other tests run.
s=$T/src
mkdir "$s"
cp -pR "$TOP/Makefile" "$TOP/README.md" "$TOP/LICENSE" "$TOP/cmd" "$TOP/lib" \
    "$TOP/man" "$TOP/scripts" "$s/"
run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 -C "$s" deb
is_status 0 "make deb"
arch=$(dpkg --print-architecture)
version=$(sed -n 's/^VERSION = //p' "$TOP/Makefile")
debversion=$version-$(sed -n 's/^DEB_REVISION = //p' "$TOP/Makefile")
deb=$s/hubtweet_${debversion}_$arch.deb
if [ ! -f "$deb" ]; then
	not_ok "make deb wrote hubtweet_${debversion}_$arch.deb"; _show
	done_testing; exit 1
fi
ok "make deb wrote hubtweet_${debversion}_$arch.deb"

field() { dpkg-deb -f "$deb" "$1"; }
is "$(field Package)" hubtweet "Package: hubtweet"
is "$(field Version)" "$debversion" "Version: the Makefile's VERSION-DEB_REVISION"
is "$(field Architecture)" "$arch" "Architecture: this machine's"
like "$(field Maintainer)" '^[^<]+ <[^>]+@[^>]+>$' "Maintainer: a name and an address"
is "$(field Maintainer)" "$(sed -n 's/^DEB_MAINTAINER ?= //p' "$TOP/Makefile")" \
    "Maintainer: the Makefile's DEB_MAINTAINER"
like "$(field Installed-Size)" '^[1-9][0-9]*$' "Installed-Size"
dep=$(field Depends)
like "$dep" '(^|, )libc6 \(>= [0-9.]+\)' "Depends: libc6, versioned (dpkg-shlibdeps)"
for lib in libcurl4 libjansson4 libnettle8 libconfig9 libutf8proc2 libpsl5 \
    'libhttp-parser[0-9.]*'; do
	like "$dep" "(^|, )$lib( |,|$)" "Depends: $lib"
done
unlike "$dep" 'libcmocka|libasan|libubsan|-dev' "Depends: no test, sanitizer or -dev package"
# libcurl brings OpenSSL for TLS; no program of ours links it itself.
unlike "$dep" '(^|, )libssl' "Depends: no libssl (Nettle hashes and signs)"
dpkg-deb -I "$deb" md5sums >"$T/md5sums" 2>&1
like "$(cat "$T/md5sums")" '^[0-9a-f]{32}  usr/bin/tw-post$' "md5sums lists the files"

# The files: where Debian puts them, owned by root, nothing else.
dpkg-deb -c "$deb" >"$T/list"
awk '{ print $6 }' "$T/list" | sed 's#^\./##; /\/$/d; /^$/d' | sort >"$T/files"
for f in usr/bin/dh-parse usr/bin/dh-format usr/bin/tw-post usr/bin/dh-hook \
    usr/libexec/hubtweet/tw-send usr/share/man/man1/tw-post.1.gz \
    usr/share/man/man1/dh-parse.1.gz usr/share/man/man1/dh-format.1.gz \
    usr/share/man/man1/dh-hook.1.gz usr/share/man/man5/hubtweet.conf.5.gz \
    usr/share/man/man7/hubtweet.7.gz lib/systemd/system/hubtweet@.service \
    lib/systemd/system/hubtweet.socket lib/systemd/system/hubtweet-flush.service \
    lib/systemd/system/hubtweet-flush.timer lib/systemd/system/hubtweet-tls.service \
    usr/share/hubtweet/hubtweet-socat usr/share/doc/hubtweet/README.md.gz \
    usr/share/doc/hubtweet/copyright usr/share/doc/hubtweet/changelog.Debian.gz; do
	if grep -qx "$f" "$T/files"; then ok "has $f"; else not_ok "has $f"; fi
done
is "$(grep -Ev '^(usr/(bin|libexec/hubtweet|share/(man/man[157]|hubtweet|doc/hubtweet))|lib/systemd/system)/[^/]+$' "$T/files")" "" \
    "no file anywhere else (usr/local, build/, DEBIAN...)"
is "$(grep -E '^usr/share/hubtweet/.*\.(service|socket|timer)$' "$T/files")" "" \
    "the units where systemd finds them, not among the recipes"

# Shipped disabled: no maintainer script enables (or starts) anything.
dpkg-deb -e "$deb" "$T/control"
is "$(find "$T/control" -type f | sed 's#.*/##' | sort | tr '\n' ' ')" "control md5sums " \
    "no maintainer scripts: the units stay disabled until the key is there"

# The copyright file: machine-readable, ISC, LICENSE's notice.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/hubtweet/copyright >"$T/copyright"
like "$(head -n 1 "$T/copyright")" '^Format: https://www\.debian\.org/doc/packaging-manuals/copyright-format/1\.0/$' \
    "copyright: DEP-5 Format line"
like "$(cat "$T/copyright")" '^License: ISC$' "copyright: License: ISC"
is "$(sed -n '/^License: ISC$/{n;p;}' "$T/copyright")" \
    " Permission to use, copy, modify, and distribute this software for any" \
    "copyright: the licence's text follows, indented"
like "$(cat "$T/copyright")" 'Copyright: 2026 The hubtweet authors' "copyright: LICENSE's holder"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/hubtweet/changelog.Debian.gz |
    gzip -dc >"$T/changelog"
like "$(head -n 1 "$T/changelog")" "^hubtweet \($debversion\) unstable; urgency=medium$" \
    "changelog: this version"
like "$(cat "$T/changelog")" "^ -- $(field Maintainer)  [A-Z][a-z]{2}, [0-9]{2} " "changelog: signed by the Maintainer, dated"

# The installed units run the package's programs.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./lib/systemd/system/hubtweet@.service >"$T/unit"
like "$(grep '^ExecStart=' "$T/unit")" '^ExecStart=/usr/bin/dh-hook$' "hubtweet@.service runs /usr/bin/dh-hook"

# lintian: no error (warnings and informational tags allowed).
if command -v lintian >/dev/null; then
	lintian --no-cfg "$deb" >"$T/lintian" 2>&1
	is "$(grep '^E: ' "$T/lintian")" "" "lintian: no error"
else
	skip "lintian is not installed (scripts/deps installs it)"
fi
is "$(awk '$2 != "root/root"' "$T/list")" "" "every file owned by root/root"
is "$(grep -E '^-' "$T/list" | grep -E ' \./usr/(bin|libexec)/' | awk '$1 != "-rwxr-xr-x"')" "" \
    "programs are mode 755"

# Unpacked into a temporary root, the tools run from there.
r=$T/root
dpkg-deb -x "$deb" "$r"
p=$r/usr/bin
unset HUBTWEET_LIBEXECDIR
run "$p/tw-post" --version
is "$OUT" "tw-post $version" "tw-post --version"
for f in "$p/tw-post" "$p/dh-parse" "$p/dh-format" "$r/usr/libexec/hubtweet/tw-send"; do
	if readelf -S "$f" | grep -q '\.debug_info'; then
		not_ok "${f#"$r"/} is stripped"
	elif ! readelf -h "$f" >/dev/null 2>&1; then
		not_ok "${f#"$r"/} is a program"
	else
		ok "${f#"$r"/} is stripped"
	fi
done
run sh -c "echo hi | '$p/tw-post' --dry-run"
is_status 0 "echo hi | tw-post --dry-run"
like_out '\(2/280\)' "dry run: weighted length 2"

# tw-post finds its helper in the unpacked usr/libexec/hubtweet (beside
# its own ../libexec): the default, /usr/libexec/hubtweet, is not there.
mock_x_start || exit 1
run sh -c "echo 'v1.0 is out, from the package' | '$p/tw-post'"
is_status 0 "tw-post posts to the mock through the unpacked tw-send"
like_out '^[0-9]+ https://x\.com/i/web/status/[0-9]+$' "and prints the id and URL"
like "$(tail -n 1 "$MOCK_POSTS")" 'from the package' "the mock got the post"
# Without it, tw-post falls back to /usr/libexec/hubtweet, which is not
# on this system: so the post above went through the unpacked helper.
if [ -e /usr/libexec/hubtweet/tw-send ]; then
	skip "hubtweet is installed on this system: cannot tell which helper ran"
else
	chmod a-x "$r/usr/libexec/hubtweet/tw-send"
	run sh -c "echo 'v1.0 is out, again' | '$p/tw-post' -T 2"
	if [ "$STATUS" -ne 0 ] && printf '%s' "$ERR" | grep -q 'usr/libexec/hubtweet/tw-send'; then
		ok "without the unpacked helper it cannot send"
	else
		not_ok "without the unpacked helper it cannot send"; _show
	fi
	chmod a+x "$r/usr/libexec/hubtweet/tw-send"
fi

cat >"$T/payload.json" <<'EOF'
{"callback_url":"https://registry.hub.docker.com/u/examplepkg/deb-tool/hook/2a2b2c2d2e/",
 "push_data":{"pushed_at":1767225600,"pusher":"examplepkg","tag":"v3.1"},
 "repository":{"name":"deb-tool","namespace":"examplepkg","owner":"examplepkg",
  "repo_name":"examplepkg/deb-tool","repo_url":"https://hub.docker.com/r/examplepkg/deb-tool",
  "description":"an invented image","is_private":false,"status":"Active"}}
EOF
run sh -c "'$p/dh-parse' '$T/payload.json' | '$p/dh-format'"
is_status 0 "dh-parse | dh-format from the package"
like_out 'examplepkg/deb-tool' "the post names the image"
like_out 'v3\.1' "and the tag"
run env PATH="$p:/usr/bin:/bin" "$p/dh-hook" --version
is "$OUT" "dh-hook $version" "dh-hook finds the package's dh-parse"
run sh -c "gzip -dc '$r/usr/share/man/man1/tw-post.1.gz' | mandoc -Tlint -Wwarning"
is_status 0 "the compressed man page is clean for mandoc -Tlint"
done_testing
