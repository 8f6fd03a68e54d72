#!/bin/sh
# dh-parse: payloads in, events out.
. "${0%/*}/lib.sh"


F=$PAYLOADS
P01=$F/01-docs-shape-int-timestamps.json
P09=$F/09-semver-multistage-dockerfile.json
P13=$F/13-org-repo-media-type-2022.json
P17=$F/17-float-no-tag-ellipsis-string.json
P21=$F/21-string-comment-count-float.json
P35=$F/35-official-bare-repo-name-no-newline.json
P39=$F/39-escaped-slashes.json
P41=$F/41-string-timestamps.json
need "$P01" "$P09" "$P13" "$P17" "$P21" "$P35" "$P39" "$P41"
# (Private repositories included: -P; 0022-production.t checks the default.)
# Every payload gives an event or a clear rejection; as one stream too.
payload_corpus "$F"

# All the valid payloads as one stream, golden.
for f in "$F"/*.json; do cat "$f"; echo; done >"$T/all.json"
run dh-parse -LP "$T/all.json"
is "$STATUS" 65 "a stream with bad payloads exits 65"
golden events-all.ndjson "events of every payload, in order, bad ones skipped"

# Old payloads without a tag were pushes of latest; official images.
run dh-parse -L "$P17"
like_out '"tag":"latest","tags":\["latest"\],"other_tags":\[\],"image":"pebblecart/smoke:latest"' "no tag means latest"
like_out '"pushed_at":"2014-12-16T03:20:00Z"' "float timestamp as RFC 3339"
run dh-parse -L "$P41"
like_out '"pushed_at":"2024-04-05T19:34:38Z".*"comment_count":3' "decimal strings as numbers"
run dh-parse -L "$P35"
like_out '"repo_name":"memcached","namespace":"library","name":"memcached","tag":"latest",.*"image":"memcached:latest"' "official image is pulled as memcached:latest"
like_out '"repo_url":"https://hub.docker.com/_/memcached"' "official image page"
run dh-parse "$P39"
like_out '"repo_name":"acmeworks/widget".*"repo_url":"https://hub.docker.com/r/acmeworks/widget"' "escaped slashes read as slashes"
run dh-parse "$P21"
is "$OUT" "" "latest is skipped by default"
is "$STATUS" 0 "a filtered payload is no error"
run dh-parse -L "$P21"
like_out '"repo_name":"moorgate/console".*"repo_url":"https://hub.docker.com/r/moorgate/console".*"comment_count":0' "repo_name is the truth; string comment_count"

# Filters.
run dh-parse -i 'v*' "$P13" "$P09"
like_out '"tag":"v3.0.0"' "include glob keeps v3.0.0"
unlike "$OUT" '2\.4\.1' "include glob drops 2.4.1"
run dh-parse -x '2.*' -R 'northwindlabs/*' "$P13" "$P09"
is "$OUT" "" "exclude tag and repo globs"
printf 'dockerhub: { skip_latest = false; include_repos = ["moorgate/*"]; };\n' >"$T/c.conf"
run dh-parse -c "$T/c.conf" "$P21" "$P09"
like_out '^\{"repo_name":"moorgate/console".*\}$' "config filters: latest kept"
is "$(printf '%s\n' "$OUT" | wc -l)" 1 "config filters: one repository"

# Bad input of each kind: one line naming input, position, problem; exit 65.
printf '{"push_data":{"tag":"v1","pushed_at":1},"repository":{"repo_name":"Foo/Bar"}}\n' >"$T/upper.json"
run dh-parse "$T/upper.json"
expect 65 "^dh-parse: $T/upper.json:1:1: repository.repo_name: \"Foo/Bar\" is not a valid Docker repository name$" "uppercase repository rejected"
printf '{"push_data":{"tag":"v1 <script>","pushed_at":1},"repository":{"repo_name":"a/b"}}' >"$T/tag.json"
run dh-parse "$T/tag.json"
expect 65 'push_data.tag: "v1 <script>" is not a valid Docker tag$' "bad tag rejected"
printf '{"push_data":{"tag":"v1","pushed_at":true},"repository":{"repo_name":"a/b"}}' >"$T/in"
run_in "$T/in" dh-parse
expect 65 '^dh-parse: <stdin>:1:1: push_data.pushed_at: expected a number, got a boolean$' "wrong type named"
printf '{"push_data":{"tag":"v1","pushed_at":1},"repository":{"repo_name":5}}' >"$T/in"
run_in "$T/in" dh-parse
expect 65 'repository.repo_name: expected a string, got a number$' "repo_name must be a string"
printf '[1,2]' >"$T/in"
run_in "$T/in" dh-parse
expect 65 'not a Docker Hub payload: expected a JSON object, got an array$' "array is not a payload"
printf '{"hello":1}' >"$T/in"
run_in "$T/in" dh-parse
expect 65 'not a Docker Hub payload: no "push_data" object$' "object without push_data"
printf '{"push_data":{"tag":"v\377"}}\n' >"$T/in"
run_in "$T/in" dh-parse
expect 65 '^dh-parse: <stdin>:1:[0-9]+: invalid JSON: unable to decode byte 0xff' "invalid UTF-8 rejected with position"
printf '{"a":' >"$T/in"
run_in "$T/in" dh-parse
expect 65 '^dh-parse: <stdin>:1:1: unexpected end of input in a JSON value$' "truncated JSON"
python3 -c 'print("["*65 + "]"*65)' >"$T/in"
run_in "$T/in" dh-parse
expect 65 '^dh-parse: <stdin>:1:1: JSON nested deeper than 64 levels$' "depth over 64"
python3 -c 'import json; print(json.dumps({"push_data":{"tag":"v1","pushed_at":1},"repository":{"repo_name":"a/b","description":"x"*1100000}}))' >"$T/big.json"
cat "$T/big.json" "$P09" >"$T/in"
run_in "$T/in" dh-parse
expect 65 '^dh-parse: <stdin>:1:1: value larger than 1048576 bytes$' "payload over 1 MiB"
like_out '"tag":"2.4.1"' "the stream goes on after an oversized payload"

# NDJSON and concatenated values; the stream goes on after an error.
{ printf '{"push_data":{"tag":"a1","pushed_at":1},"repository":{"repo_name":"x/y"}}\n'
  printf '{"broken": \n'
  printf '{"push_data":{"tag":"a2","pushed_at":2},"repository":{"repo_name":"x/y"}}'
  printf '{"push_data":{"tag":"a3","pushed_at":"3"},"repository":{"repo_name":"x/y"}}\n'; } >"$T/in"
run_in "$T/in" dh-parse -w 0
is "$STATUS" 65 "NDJSON with one bad line exits 65"
is "$(printf '%s\n' "$OUT" | sed 's/.*"id":"\([^"]*\)".*/\1/' | tr '\n' ' ')" "x/y:a1@1970-01-01T00:00:01Z x/y:a2@1970-01-01T00:00:02Z x/y:a3@1970-01-01T00:00:03Z " "every good value gives its event"
like_err "^dh-parse: <stdin>:3:74: invalid JSON: '}' expected near '\{'$" "error names where the value broke"

# Files, operands and usage.
run dh-parse /nonexistent/p.json
expect 66 '^dh-parse: /nonexistent/p.json: cannot open: No such file or directory$' "missing file exits 66"
run dh-parse "$T" "$P09"
expect 66 "^dh-parse: $T: is a directory\$" "a directory is no input, exit 66"
like_out '"tag":"2.4.1"' "... and the next file is read"
run dh-parse -Z
is "$STATUS" 64 "unknown option exits 64"
like_err '^usage: dh-parse ' "usage on stderr"
run dh-parse --help
is "$STATUS" 0 "--help exits 0"
like_out '^usage: dh-parse ' "--help on stdout"
run dh-parse --version
like_out '^dh-parse [0-9]+\.[0-9]+' "--version"
synopsis_agrees dh-parse

# Config errors: file:line, exit 78.
printf 'dockerhub: { skip_latest = "no"; };\n' >"$T/bad.conf"
run dh-parse -c "$T/bad.conf" /dev/null
expect 78 "^dh-parse: $T/bad.conf:1: setting 'dockerhub.skip_latest' must be true or false$" "mistyped setting"
printf 'dockerhub: {\n  colour = 1;\n};\n' >"$T/bad.conf"
run dh-parse -c "$T/bad.conf" /dev/null
expect 78 "^dh-parse: $T/bad.conf:2: unknown setting 'dockerhub.colour'$" "unknown setting"
printf 'dockerhub: { key = "s3cret"; };\n' >"$T/open.conf"; chmod 644 "$T/open.conf"
run dh-parse -c "$T/open.conf" /dev/null
expect 78 "holds secrets but group or others can read it \\(mode 644\\); chmod 600 it$" "world-readable secrets refused"
unlike "$ERR" s3cret "the secret is not printed"
# Writable by others: refused whatever it holds (it could send the posts,
# signed, to a server of theirs).
printf 'x: { api_url = "http://127.0.0.1:9/"; };\n' >"$T/gw.conf"; chmod 664 "$T/gw.conf"
run dh-parse -c "$T/gw.conf" /dev/null
expect 78 "^dh-parse: $T/gw.conf: writable by group or others \\(mode 664\\): whoever can change it controls what is posted; chmod go-w it$" "a group-writable config is refused"
chmod 646 "$T/gw.conf"
run dh-parse -c "$T/gw.conf" /dev/null
expect 78 'writable by group or others \(mode 646\)' "an others-writable config is refused"
chmod 644 "$T/gw.conf"
printf '@include "%s"\n' "$T/gw-inc.conf" >"$T/gw-main.conf"
printf 'format: { max_length = 200; };\n' >"$T/gw-inc.conf"; chmod 666 "$T/gw-inc.conf"
run dh-parse -c "$T/gw-main.conf" /dev/null
expect 78 "^dh-parse: $T/gw-inc.conf: writable by group or others \\(mode 666\\)" "a writable @include file is refused too"
if [ "$(id -u)" = 0 ]; then
	chmod 644 "$T/gw.conf"; chown 65534 "$T/gw.conf"
	run dh-parse -c "$T/gw.conf" /dev/null
	expect 78 "^dh-parse: $T/gw.conf: owned by uid 65534, neither this user nor root" "a config another user owns is refused"
else
	skip "not root: cannot give a file away"
fi
run dh-parse -c /dev/null /dev/null
is_status 0 "/dev/null (a device, mode 666) is still a fine empty config"

# What Docker Hub never sends: a registry host as the namespace, and
# duplicate keys (the last one would win).
pl() { printf '{"push_data":{"tag":"%s","pushed_at":1700000000},"repository":{"repo_name":"%s"}}\n' "$2" "$1"; }
pl evil.example.com/app v1 >"$T/dotted.json"
run dh-parse "$T/dotted.json"
expect 65 '^dh-parse: .*dotted\.json:1:1: repository\.repo_name: "evil\.example\.com/app" names a registry host, not a Docker Hub namespace$' "a dotted namespace is refused, exit 65"
is "$OUT" "" "... and gives no event"
pl localhost/app v1 >"$T/p.json"; run dh-parse "$T/p.json"
expect 65 'names a registry host' "localhost as the namespace is refused"
pl alice/app.example.com v1 >"$T/p.json"; run dh-parse "$T/p.json"
is "$STATUS" 0 "a dot in the repository's own name is fine"
printf '{"push_data":{"tag":"v1","pushed_at":1700000000},"repository":{"repo_name":"alice/app","repo_name":"evil/other"}}\n' >"$T/dupkey.json"
run dh-parse "$T/dupkey.json"
expect 65 "^dh-parse: .*dupkey\\.json:1:[0-9]+: invalid JSON: duplicate object key near '\"repo_name\"'$" "two repo_name keys: refused, exit 65"
is "$OUT" "" "... and no event"
printf '{"push_data":{"tag":"v1","tag":"v2","pushed_at":1700000000},"repository":{"repo_name":"alice/app"}}\n' >"$T/p.json"; run dh-parse "$T/p.json"
expect 65 "duplicate object key near '\"tag\"'" "two tag keys: refused"
printf '{"push_data":{"tag":"v1","pushed_at":1700000000},"repository":{"repo_name":"a\342\200\256b/app"}}\n' >"$T/p.json"; run dh-parse "$T/p.json"
expect 65 'repo_name: "a[?]b/app" is not a valid' "a bidi override in a message is neutralised"
unlike "$ERR" "$(printf '\342\200\256')" "... no U+202E reaches stderr"

# A full stdout is an error, not success.
if [ -w /dev/full ]; then
	run sh -c 'dh-parse -LP "$1" >/dev/full' sh "$P01"
	expect 74 'stdout: write error: No space left on device' "write error on stdout exits 74"
	run sh -c 'dh-parse --help >/dev/full'
	expect 74 '^dh-parse: stdout: write error: No space left on device$' "--help to a full disk says so, exits 74"
else
	skip "no /dev/full"; skip "no /dev/full"
fi
done_testing
