#!/bin/sh
# dh-format: events in, posts out, within X's weighted length.
. "${0%/*}/lib.sh"

# The pipeline of the README: a payload, its event, its post.
dh-parse "$DATA/payload.json" >"$T/event.json"
run_in "$T/event.json" dh-format
is_status 0 "dh-parse | dh-format exits 0"
is "$OUT" "New release 1.4.2 of sealark/weather-station: docker pull sealark/weather-station:1.4.2" "the default template: tag, repository, pull command"
is "$(tail -c 1 "$T/out")" "2" "no trailing newline"
unlike "$OUT" 'http' "the default template carries no link (X bills a post with one higher)"
is "$ERR" "" "nothing on stderr"

# Every payload's event, as JSON lines; golden, and all valid.
run dh-format --json "$DATA/events-all.ndjson"
is_status 0 "every event formats"
golden format-all.ndjson "posts of every payload, --json"
if python3 - "$T/out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)
    assert p["valid"] is True and 0 < p["weighted_length"] <= 280, p
    assert set(p) == {"text", "weighted_length", "valid", "urls", "id"}
    assert p["urls"] == 0, p
PY
then ok "--json lines: text, weighted_length, valid, urls (0: no link), the event id"; else not_ok "--json lines: text, weighted_length, valid, urls (0: no link), the event id"; fi

# The template with the link: --json counts the URLs X finds (the same
# extraction as the length), so that a CI step can refuse a costly post.
printf '{"repo_name":"acme/widget","tag":"v3.1.4","image":"acme/widget:v3.1.4","repo_url":"https://hub.docker.com/r/acme/widget"}\n' >"$T/acme.json"
run_in "$T/acme.json" dh-format --json -t 'New release {tag} of {repo_name}: docker pull {image} {repo_url}'
is "$OUT" '{"text":"New release v3.1.4 of acme/widget: docker pull acme/widget:v3.1.4 https://hub.docker.com/r/acme/widget","weighted_length":89,"valid":true,"urls":1}' "the linked template: urls 1"
run_in "$T/acme.json" dh-format --json -t '{repo_url} and example.com, not user@example.org'
like "$OUT" '"urls":2\}$' "urls counts what X counts as a URL, scheme or not"

# Streams: -0 ends each post with NUL; plain posts are separated by a newline.
run dh-format -0 "$DATA/events-all.ndjson"
is "$(tr -cd '\0' <"$T/out" | wc -c)" "$(wc -l <"$DATA/events-all.ndjson")" "-0: one NUL per post"
is "$(tail -c 1 "$T/out" | od -An -c | tr -d ' ')" '\0' "-0: the last post ends with NUL"
run dh-format -t '{tag}' "$DATA/events-all.ndjson"
is "$(printf '%s' "$OUT" | head -3 | tr '\n' ' ')" "latest latest 2.4.1 " "plain posts separated by newlines"
run dh-format -u --null -t '{tag}' "$T/event.json" "$T/event.json"
is "$(od -An -c "$T/out" | tr -d ' \n')" '1.4.2\01.4.2\0' "several inputs in order, -u"

# The issue's case: a 1,000-character description is cut to fit exactly,
# and the post still ends with the intact link.
python3 -c 'import json; print(json.dumps({"tag":"v2.0.0","image":"acme/widget:v2.0.0","repo_url":"https://hub.docker.com/r/acme/widget","description":"d"*1000}))' >"$T/long.json"
run_in "$T/long.json" dh-format -t '{description} {repo_url}'
is_status 0 "a long description fits"
like "$OUT" '^d+… https://hub\.docker\.com/r/acme/widget$' "cut with … and the link intact at the end"
is "$(printf '%s' "$OUT" | sed 's/….*//' | wc -c)" 254 "254 d + … (2) + space + URL (23) = 280"
run_in "$T/long.json" dh-format --json -t 'Release {tag}: {description} docker pull {image} {repo_url}'
like "$OUT" '"weighted_length":280,"valid":true' "exactly 280 with the pull command too"
like "$OUT" 'd… docker pull acme/widget:v2\.0\.0 https://hub\.docker\.com/r/acme/widget"' "the template text and the image stay whole"
run_in "$T/long.json" dh-format --json -m 100 -t '{description} {repo_url}'
like "$OUT" '"weighted_length":100,' "-m sets another limit"
printf 'format: { max_length = 50; template = "{tag}: {description} {repo_url}"; };\n' >"$T/f.conf"
run_in "$T/long.json" dh-format -j -c "$T/f.conf"
like "$OUT" '^\{"text":"v2\.0\.0: d+… https://hub\.docker\.com/r/acme/widget","weighted_length":50,"valid":true,"urls":1\}$' "format.template and format.max_length from the config"
run_in "$T/long.json" dh-format -j -c "$T/f.conf" -m 60 -t '{description}'
like "$OUT" '"weighted_length":60,' "options override the config"
# Emoji and CJK are cut between graphemes.
python3 -c 'import json; print(json.dumps({"d":"\U0001F44D\U0001F3FD"*100 + "故"*100, "u":"https://example.com/x"}))' >"$T/emoji.json"
run_in "$T/emoji.json" dh-format -A --json -m 31 -t '{d} {u}'
is "$OUT" '{"text":"👍🏽👍🏽… https://example.com/x","weighted_length":30,"valid":true,"urls":1}' "skin-toned emoji kept whole (2 each): 30, as 32 > 31"

# A template from a file: its last newline is not the template's.
printf 'Release {tag}\n{repo_url}\n' >"$T/tpl"
run_in "$T/event.json" dh-format -f "$T/tpl"
is "$OUT" "$(printf 'Release 1.4.2\nhttps://hub.docker.com/r/sealark/weather-station')" "-f FILE, multi-line"
is "$(tail -c 1 "$T/out" | od -An -c | tr -d ' ')" 'n' "no trailing newline from the file"
run_in "$T/event.json" dh-format -A -t '{{{tag}}} {missing:-n/a} {is_private} {star_count}'
is "$OUT" "{1.4.2} n/a false 12" "braces, fallback, booleans and numbers"

# Errors in records: input:line:col, the field; the stream goes on; 65.
{ printf '{"tag":"a"}\n'; printf '{"other":1}\n'; printf '  {"tag":"c"}\n'; } >"$T/in"
run_in "$T/in" dh-format -t '{tag}'
expect 65 '^dh-format: <stdin>:2:1: missing field "tag"$' "missing field: name and position"
is "$OUT" "$(printf 'a\nc')" "the other records are formatted"
run_in "$T/in" dh-format -A -t '{other.x}'
expect 65 '^dh-format: <stdin>:1:1: missing field "other\.x"$' "missing dotted field"
printf '{"d":null}' >"$T/in"
run_in "$T/in" dh-format -A -t '{d}'
expect 65 '^dh-format: <stdin>:1:1: field "d" is null$' "null without fallback"
printf '{"d":{"e":1}}' >"$T/in"
run_in "$T/in" dh-format -A -t '{d}'
expect 65 '^dh-format: <stdin>:1:1: field "d" is an object, not text$' "object field"
printf '{"d":[[1]]}' >"$T/in"
run dh-format -A -t '{d}' "$T/in"
expect 65 "^dh-format: $T/in:1:1: field \"d\" is a list of more than text$" "list of lists, named input"
printf '[1,2]\n"str"\n' >"$T/in"
run_in "$T/in" dh-format
expect 65 '^dh-format: <stdin>:1:1: expected a JSON object, got an array$' "array input"
like_err '<stdin>:2:1: expected a JSON object, got a string$' "string input"
printf '{"tag":"v1"}\n{"tag": \n' >"$T/in"
run_in "$T/in" dh-format -t '{tag}'
expect 65 '^dh-format: <stdin>:2:1: unexpected end of input in a JSON value$' "truncated JSON"
is "$OUT" "v1" "the good record before it is written"
printf '{"tag":"v\377"}\n' >"$T/in"
run_in "$T/in" dh-format -t '{tag}'
expect 65 '^dh-format: <stdin>:1:[0-9]+: invalid JSON: unable to decode byte 0xff' "invalid UTF-8 in input: position"
is "$OUT" "" "invalid UTF-8 is not passed through"
# Multi-byte characters and escapes across the reader's 128 KiB buffers.
python3 -c 'import json,sys; sys.stdout.write(json.dumps({"d":"x"*131061+"\u00e9\u6545"*9}, ensure_ascii=False) + json.dumps({"d":"y"*131063+"\u00e9"*9}))' >"$T/in"
run_in "$T/in" dh-format -A -0 -t '{d}'
is "$STATUS" 0 "UTF-8 and \\u escapes cut by a read boundary are read whole"
is "$(tr -cd '\0' <"$T/out" | wc -c)" 2 "both values formatted"
printf '{"d":"a\\ufeffb"}' >"$T/in"
run_in "$T/in" dh-format -A -t '{d}'
expect 65 '^dh-format: <stdin>:1:1: post contains U\+FEFF$' "U+FEFF makes a post invalid"
printf '{"d":""}' >"$T/in"
run_in "$T/in" dh-format -A -t '{d}'
expect 65 '^dh-format: <stdin>:1:1: post is empty$' "empty post"

# Overflow: the template's own text cannot be cut; --no-fit.
python3 -c 'print("T" * 300)' >"$T/bigtpl"
run_in "$T/event.json" dh-format -f "$T/bigtpl"
expect 65 '^dh-format: <stdin>:1:1: post is 20 over the limit of 280 even with every field shortened$' "cannot fit: says by how much"
is "$OUT" "" "nothing written"
run_in "$T/long.json" dh-format --no-fit -t '{description} {repo_url}'
expect 65 '^dh-format: <stdin>:1:1: post weighs 1024, 744 over the limit of 280$' "--no-fit: overflow is an error"
run_in "$T/long.json" dh-format -n -m 2000 -t '{description}'
is "$STATUS" 0 "--no-fit within the limit is fine"

# Bad templates fail at start and name the column.
run_in "$T/event.json" dh-format -t 'New {tag of {repo_name}'
expect 65 "^dh-format: template:1:13: '\{' inside a field name \(write '\{\{' for a brace\)$" "'{' inside a name"
run_in "$T/event.json" dh-format -t 'Release {tag'
expect 65 "^dh-format: template:1:9: unclosed '\{'$" "unclosed brace"
run_in "$T/event.json" dh-format -t 'Release {} now'
expect 65 '^dh-format: template:1:9: empty field name$' "empty name"
run_in "$T/event.json" dh-format -t 'a}b'
expect 65 "^dh-format: template:1:2: unmatched '\}' \(write '\}\}' for a brace\)$" "unmatched }"
run_in "$T/event.json" dh-format -t '{a..b}'
expect 65 '^dh-format: template:1:1: empty name in a dotted field path$' "empty name in a path"
is "$OUT" "" "nothing written for a bad template"
printf 'line\n  {tag:x}\n' >"$T/tpl"
run_in "$T/event.json" dh-format -f "$T/tpl"
expect 65 "^dh-format: $T/tpl:2:7: ':' in a field name \\(write \\{name:-fallback\\} for a fallback\\)$" "-f: file:line:col"
printf 'ok\n\377{tag}' >"$T/tpl"
run_in "$T/event.json" dh-format -f "$T/tpl"
expect 65 "^dh-format: $T/tpl:2:1: invalid UTF-8$" "invalid UTF-8 in a template"
run_in "$T/event.json" dh-format -t "$(printf 'Release \351{tag}')"
expect 65 '^dh-format: template:1:9: invalid UTF-8$' "invalid UTF-8 in -t"
python3 -c 'print("x" * 70000)' >"$T/tpl"
run_in "$T/event.json" dh-format -f "$T/tpl"
expect 65 "^dh-format: $T/tpl: template larger than 65536 bytes$" "template size is bounded"
run_in "$T/event.json" dh-format -f /nonexistent/tpl
expect 66 '^dh-format: /nonexistent/tpl: cannot open: No such file or directory$' "missing template file"
printf 'format: { template = "{tag"; };\n' >"$T/bad.conf"
run_in "$T/event.json" dh-format -c "$T/bad.conf"
expect 78 "^dh-format: $T/bad.conf: format.template:1:1: unclosed '\{'$" "bad template in the config: 78"
printf 'format: { max_length = 0; };\n' >"$T/bad.conf"
run_in "$T/event.json" dh-format -c "$T/bad.conf"
expect 78 "^dh-format: $T/bad.conf:1: setting 'format.max_length' " "max_length out of range in the config"

# Usage.
run dh-format -t x -f y
expect 64 '^dh-format: -t and -f exclude each other' "-t and -f together"
run dh-format -m 0
expect 64 '^dh-format: -m: "0" is not a number from 1 to 100000$' "-m out of range"
run dh-format -m abc
expect 64 '^dh-format: -m: "abc" is not a number from 1 to 100000$' "-m not a number"
run dh-format -Z
expect 64 '^usage: dh-format ' "unknown option: usage on stderr"
run dh-format /nonexistent/e.json
expect 66 '^dh-format: /nonexistent/e.json: cannot open: No such file or directory$' "missing input"
run dh-format --help
is_status 0 "--help exits 0"
like_out '^usage: dh-format ' "--help on stdout"
run dh-format --version
like_out '^dh-format [0-9]+\.[0-9]+' "--version"
synopsis_agrees dh-format

# Only what it needs: no libcurl.
if command -v ldd >/dev/null; then
	unlike "$(ldd "$BIN/dh-format")" 'libcurl' "dh-format does not link libcurl"
else
	skip "no ldd"
fi

if [ -w /dev/full ]; then
	run sh -c 'dh-format "$1" >/dev/full' sh "$T/event.json"
	expect 74 'stdout: write error: No space left on device' "write error on stdout exits 74"
else
	skip "no /dev/full"
fi
# A fallback stands in for an empty string too, as in sh.
printf '{"a":"","b":"x"}\n' >"$T/empty.json"
run dh-format -A -t '{a:-none} {b:-none}' "$T/empty.json"
is "$OUT" "none x" "an empty string takes the fallback"
# A template file that cannot be read: no input, 66.
run dh-format -f "$T" "$T/empty.json"
expect 66 "^dh-format: $T: cannot read: Is a directory\$" "a directory as template file: exit 66"
done_testing
