#!/bin/sh
# Mastodon and Bluesky: dh-format --for fits a post to each network's rule.
. "${0%/*}/lib.sh"

URL=https://example.com/releases/tag/v1.2.3
# A 400-grapheme description: "é" written e + U+0301, one cluster of two
# code points, so graphemes, code points and bytes all differ.
python3 - "$URL" >"$T/long.json" <<'PY'
import json, sys
print(json.dumps({"id": "ev-400", "tag": "v1.2.3", "repo_url": sys.argv[1],
                  "description": "e\u0301" * 400}))
PY
count() { # count graphemes|codepoints|bytes TEXT
	python3 - "$@" <<'PY'
import sys, unicodedata
what, s = sys.argv[1], sys.argv[2]
if what == "bytes":
    print(len(s.encode()))
elif what == "codepoints":
    print(len(s))
else:  # enough for this text: a base letter and its combining marks
    print(sum(1 for c in s if not unicodedata.combining(c)))
PY
}

run_in "$T/long.json" dh-format --for bluesky --json -t '{description} {repo_url}'
is_status 0 "--for bluesky: a 400-grapheme description fits"
like "$OUT" '"weighted_length":300,"valid":true,"urls":1,"id":"ev-400"' "--json: 300 graphemes, the URL counted, the id passed on"
run_in "$T/long.json" dh-format -N bluesky -t '{description} {repo_url}'
is "$(count graphemes "$OUT")" 300 "the text is 300 grapheme clusters"
like "$OUT" "…  ?$(printf '%s' "$URL" | sed 's/\./\\./g')\$" "the URL whole, at the end"
like "$OUT" "^(e$(printf '\314\201'))+… " "cut between clusters: the last e keeps its accent"

run_in "$T/long.json" dh-format --for mastodon --json -t '{description} {repo_url}'
is_status 0 "--for mastodon: it fits"
like "$OUT" '"weighted_length":499,"valid":true' "under 500: 237 clusters of 2 code points, …, space, the URL as 23"
run_in "$T/long.json" dh-format --for mastodon -t '{description} {repo_url}'
is "$(count codepoints "$OUT")" $((474 + 1 + 1 + ${#URL})) "code points: the URL counted as 23, not ${#URL}"

run_in "$T/long.json" dh-format --json -t '{description} {repo_url}'
like "$OUT" '"weighted_length":280,' "the default is still X"

# The limit for Mastodon is the instance's, from the config.
printf 'mastodon: { max_characters = 100; };\nformat: { network = "mastodon"; max_length = 50; };\n' >"$T/m.conf"
run_in "$T/long.json" dh-format -j -c "$T/m.conf" -t '{description} {repo_url}'
like "$OUT" '"weighted_length":99,"valid":true' "format.network and mastodon.max_characters from the config (format.max_length is X's)"
run_in "$T/long.json" dh-format -j -c "$T/m.conf" -N x -t '{description} {repo_url}'
like "$OUT" '"weighted_length":50,' "-N overrides format.network"
run_in "$T/long.json" dh-format -j -c "$T/m.conf" -m 60 -t '{description} {repo_url}'
like "$OUT" '"weighted_length":59,' "-m overrides the network's limit"

# Bluesky's 3000 bytes: 290 clusters of 11 bytes each are 3190 bytes.
python3 -c 'import json; print(json.dumps({"d": "\U0001F469\u200d\U0001F4BB" * 290}))' >"$T/wide.json"
run_in "$T/wide.json" dh-format -A -N bluesky -t '{d}'
is_status 0 "a post over 3000 bytes is cut"
is "$(count bytes "$OUT")" 2995 "to 272 clusters of 11 bytes and … (3): 2995 bytes"
run_in "$T/wide.json" dh-format -A -N bluesky -n -t '{d}'
expect 65 '^dh-format: <stdin>:1:1: post is 3190 bytes, over bluesky.s limit of 3000$' "--no-fit: over the byte limit named"

run_in "$T/long.json" dh-format -N bluesky -n -t '{description}'
expect 65 'post weighs 400, 100 over the limit of 300$' "--no-fit: graphemes over the limit"
run dh-format -N twitter
expect 64 '^dh-format: -N: "twitter" is not x, mastodon or bluesky$' "an unknown network"
printf 'format: { network = "myspace"; };\n' >"$T/bad.conf"
run_in "$T/long.json" dh-format -c "$T/bad.conf"
expect 78 'format\.network: "myspace" is not x, mastodon or bluesky$' "an unknown network in the config"

# -L: the networks to post on, for dh-hook.
run dh-format -L
is "$OUT" "x" "-L: X alone by default"
printf 'networks = [ "bluesky", "x", "bluesky" ];\n' >"$T/n.conf"
run dh-format -L -c "$T/n.conf"
is "$(printf '%s' "$OUT" | tr '\n' ' ')" "bluesky x" "-L: the list, each once"
printf 'networks = [ "x", "myspace" ];\n' >"$T/n2.conf"
run dh-format -L -c "$T/n2.conf"
expect 78 'networks: "myspace" is not x, mastodon or bluesky$' "-L: an unknown network"
run dh-format -L -N x
expect 64 '^dh-format: -L takes no other option but -c$' "-L with another option"

# The mocks the posters' tests run against check what the networks check.
mock_bsky_start
X=com.atproto
run curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"identifier\":\"$BSKY_HANDLE\",\"password\":\"$BSKY_APP_PASSWORD\"}" \
    "$BSKY_PDS/xrpc/$X.server.createSession"
ACC=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessJwt"])')
record() { # record TEXT START END [URI]: createRecord with one link facet
	python3 - "$@" <<'PY' >"$T/rec.json"
import json, sys
t, s, e = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
u = sys.argv[4] if len(sys.argv) > 4 else t.encode()[s:e].decode()
print(json.dumps({"repo": "mock.bsky.example", "collection": "app.bsky.feed.post",
    "record": {"$type": "app.bsky.feed.post", "text": t, "createdAt": "2026-01-01T00:00:00Z",
    "facets": [{"index": {"byteStart": s, "byteEnd": e},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": u}]}]}}))
PY
	run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ACC" \
	    -H 'Content-Type: application/json' --data-binary @"$T/rec.json" \
	    "$BSKY_PDS/xrpc/$X.repo.createRecord"
}
record "héllo $URL" 7 46
is "$OUT" 200 "mock-bsky: a facet on the URL's bytes is taken"
record "héllo $URL" 6 45 "$URL"
is "$OUT" 400 "mock-bsky: a facet at character offsets is refused"
is "$(mock_get "$BSKY_PDS" rejected)" 1 "mock-bsky: and counted"
mock_post "$BSKY_PDS" expire
record "héllo $URL" 7 46
is "$OUT" 400 "mock-bsky: an expired access token is refused"
is "$(mock_get "$BSKY_PDS" logins)" 1 "mock-bsky: logins counted"

done_testing
