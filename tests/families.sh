# tests/families.sh — release traffic made from tests/data/families, for
# the tests that source it after lib.sh.
#
# spread SEED BASE [MINUTES]: every family pushed once, as Docker Hub
# would deliver it from a slow multi-arch push: each tag 1 to 3 times, each
# delivery at a random second within MINUTES (3) of BASE (Unix seconds),
# in the order of those times.  One line "SECONDS REPO TAG" a delivery.
# The random numbers are Park and Miller's, the same in every awk.
spread() {
	grep -v '^#' "$DATA/families" | awk -v seed="$1" -v base="$2" \
	    -v span="${3:-3}" '
	function rnd(n) { x = (x * 16807) % 2147483647; return x % n }
	BEGIN { x = seed + 1 }
	{ for (i = 4; i <= NF; i++) for (k = 1 + rnd(3); k > 0; k--)
		printf "%d %s %s\n", base + rnd(span * 60 + 1), $1, $i }' |
	    sort -s -n -k1,1
}
# payloads: spread's lines as Docker Hub payloads, one a line.
payloads() {
	while read -r _t _repo _tag; do
		delivery "$_repo" "$_tag" "$_t"
	done
}
# expected: one line a family, "REPO MAIN TAGS", TAGS the family's but
# latest, sorted by name and comma separated: what one event per release
# must hold.
expected() {
	grep -v '^#' "$DATA/families" | while read -r _repo _main _colon _tags; do
		printf '%s %s %s\n' "$_repo" "$_main" "$(printf '%s\n' $_tags |
		    grep -vx latest | LC_ALL=C sort | paste -sd, -)"
	done | LC_ALL=C sort
}
# got: the same of dh-parse's events on stdin.
got() {
	python3 -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l)
    print(e["repo_name"], e["tag"], ",".join(sorted(e["tags"])))' |
	    LC_ALL=C sort
}
