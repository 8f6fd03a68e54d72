#!/bin/sh
# dh-parse: the other registries' payloads (GitHub, Harbor, Quay, the
# distribution registry), each read into the same event as Docker Hub's.
. "${0%/*}/lib.sh"

G=$PAYLOADS/github
H=$PAYLOADS/harbor
Q=$PAYLOADS/quay
R=$PAYLOADS/registry
need "$G/registry-package-published.json" "$G/package-published.json" \
    "$G/untagged-IGNORED.json" "$G/npm-package-IGNORED.json" \
    "$G/updated-private-repo.json" "$H/push-artifact-default.json" \
    "$H/push-artifact-cloudevents.json" "$H/pull-artifact-IGNORED.json" \
    "$H/push-artifact-private.json" "$Q/repo-push.json" \
    "$Q/repo-push-tag-object-private.json" "$Q/build-queued-IGNORED.json" \
    "$R/push-manifest-two-tags.json" "$R/pull-and-layer-IGNORED.json"

# No grouping and no memory of releases: every tagged push its own event.
printf 'dockerhub: { repeat_window = 0; };\n' >"$T/nomem.conf"

# field EVENT-LINE NAME: one field of an event, as text.
field() {
	printf '%s' "$1" | python3 -c 'import json,sys
v = json.load(sys.stdin).get(sys.argv[1])
print("" if v is None else json.dumps(v) if not isinstance(v, str) else v)' "$2"
}
# event_is FILE REGISTRY REPO TAG IMAGE [dh-parse options]: the one event of
# FILE, as its shape says and with -t SOURCE (the directory's name).
event_is() {
	_f=$1 _reg=$2 _repo=$3 _tag=$4 _img=$5
	shift 5
	_src=${_f%/*}
	_src=${_src##*/}
	for _how in shape "-t $_src"; do
		if [ "$_how" = shape ]; then
			run dh-parse -w 0 "$@" "$_f"
		else
			run dh-parse -w 0 -t "$_src" "$@" "$_f"
		fi
		_got="$(field "$OUT" registry) $(field "$OUT" repo_name) $(field "$OUT" tag) $(field "$OUT" image)"
		if [ "$STATUS" -eq 0 ] && [ -z "$ERR" ] &&
		    [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] &&
		    [ "$_got" = "$_reg $_repo $_tag $_img" ]; then
			ok "${_f##*/} ($_how): $_img"
		else
			not_ok "${_f##*/} ($_how): $_img"
			diag "want: $_reg $_repo $_tag $_img" "got:  $_got"; _show
		fi
	done
}

# GitHub: registry_package and package, published and updated.
event_is "$G/registry-package-published.json" ghcr.io lanternworks/beacon \
    2.4.0 ghcr.io/lanternworks/beacon:2.4.0
like_out '"digest":"sha256:6f1c0a59b1d3e2c8a7f4b09e5d3c2a1b0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c"' "github: the digest"
like_out '"pusher":"mira-okafor","pushed_at":"2026-03-02T17:40:49Z"' "github: the sender, the version's creation"
like_out '"is_private":false' "github: the repository's privacy"
like_out '"id":"ghcr.io/lanternworks/beacon:2.4.0@2026-03-02T17:40:49Z"' "github: the id names the registry"
event_is "$G/package-published.json" ghcr.io ferncroft/tally v0.9.1 \
    ghcr.io/ferncroft/tally:v0.9.1
event_is "$G/updated-private-repo.json" ghcr.io lanternworks/beacon 2.4 \
    ghcr.io/lanternworks/beacon:2.4 -P
like_out '"pushed_at":"2026-03-02T17:40:51Z".*"is_private":true' "github: an update is dated by updated_at"

# Harbor: PUSH_ARTIFACT in both formats; the host from resource_url.
event_is "$H/push-artifact-default.json" registry.quarry.example:8443 \
    quarry/sifter 3.1.0 registry.quarry.example:8443/quarry/sifter:3.1.0
like_out '"pusher":"robot.quarry.ci","pushed_at":"2026-03-03T13:21:02Z"' "harbor: operator and occur_at"
event_is "$H/push-artifact-cloudevents.json" harbor.quarry.example \
    quarry/sifter 3.2.0-rc.1 harbor.quarry.example/quarry/sifter:3.2.0-rc.1
like_out '"pusher":"jun.takeda","pushed_at":"2026-03-03T13:21:02Z"' "harbor cloudevents: operator and time"
event_is "$H/push-artifact-private.json" registry.quarry.example:8443 \
    quarry/ledger 1.0.0 registry.quarry.example:8443/quarry/ledger:1.0.0 -P

# Quay: one event per updated tag, grouped into one release.
event_is "$Q/repo-push-tag-object-private.json" quay.saltmarsh.example \
    saltmarsh/vault-agent 0.4.0 quay.saltmarsh.example/saltmarsh/vault-agent:0.4.0 -P
run dh-parse "$Q/repo-push.json"
is "$(field "$OUT" image) $(field "$OUT" tags)" 'quay.io/saltmarsh/kestrel:1.8.2 ["1.8.2", "1.8"]' "quay: two tags, one release"
like_out '"repo_url":"https://quay.io/repository/saltmarsh/kestrel"' "quay: the homepage"
run dh-parse -c "$T/nomem.conf" -w 0 "$Q/repo-push.json"
is "$(printf '%s\n' "$OUT" | wc -l)" 2 "quay: two events without grouping"

# The distribution registry: push events with a tag, several per envelope.
run dh-parse -c "$T/nomem.conf" -w 0 "$R/push-manifest-two-tags.json"
is "$(printf '%s\n' "$OUT" | while IFS= read -r l; do field "$l" image; done | tr '\n' ' ')" \
    "cr.pressgang.example:5000/tools/pressgang:5.0.2 cr.pressgang.example:5000/tools/pressgang:5.0 " \
    "registry: the two tagged pushes, not the layer"
like_out '"pusher":"deploy-bot","pushed_at":"2026-03-04T08:15:31Z"' "registry: actor and timestamp (fraction and offset read)"
unlike "$OUT" is_private "registry: privacy unknown, not invented"
run dh-parse "$R/push-manifest-two-tags.json"
is "$(field "$OUT" tags)" '["5.0.2", "5.0"]' "registry: one release"

# What is not announced gives nothing, with exit 0.
for f in "$G"/*IGNORED* "$H"/*IGNORED* "$Q"/*IGNORED* "$R"/*IGNORED*; do
	src=${f%/*}
	src=${src##*/}
	run dh-parse -LP -t "$src" "$f"
	if [ "$STATUS" -eq 0 ] && [ -z "$OUT" ] && [ -z "$ERR" ]; then
		ok "$src/${f##*/}: no event, exit 0"
	else
		not_ok "$src/${f##*/}: no event, exit 0"; _show
	fi
done

# Private repositories are skipped by default, where the source says so.
run dh-parse "$G/updated-private-repo.json" "$H/push-artifact-private.json" \
    "$Q/repo-push-tag-object-private.json"
is "$STATUS $OUT" "0 " "private repositories skipped by default"

# Docker Hub's payloads read as before, as their shape says or -t dockerhub.
run dh-parse -t dockerhub "$PAYLOADS/09-semver-multistage-dockerfile.json"
like_out '^\{"repo_name":"ferrowind/gatekeeper".*"image":"ferrowind/gatekeeper:2.4.1"' "-t dockerhub: Docker Hub's event"
unlike "$OUT" '"registry":' "Docker Hub's event is as it was"

# -t insists: another source's payload is refused, naming what it lacks.
run dh-parse -t github "$Q/repo-push.json"
expect 65 "^dh-parse: $Q/repo-push.json:1:1: not a GitHub package payload: no \"registry_package\" or \"package\" object$" "-t github refuses a Quay payload"
run dh-parse -t harbor "$G/package-published.json"
expect 65 'not a Harbor payload: no "type"$' "-t harbor refuses a GitHub payload"
run dh-parse -t registry "$H/push-artifact-default.json"
expect 65 'not a registry notification: no "events" list$' "-t registry refuses a Harbor payload"
run dh-parse -t quay "$R/push-manifest-two-tags.json"
expect 65 'not a Quay payload: no "docker_url"$' "-t quay refuses a registry notification"
run dh-parse -t dockerhub "$G/package-published.json"
expect 65 'not a Docker Hub payload: no "push_data" object$' "-t dockerhub refuses a GitHub payload"
run dh-parse -t gitlab "$G/package-published.json"
expect 64 '^dh-parse: -t: "gitlab": no such source \(dockerhub, github, harbor, quay, registry, any\)$' "an unknown source is a usage error"

# Bad payloads: the field named, exit 65; the stream goes on.
printf '{"action":"published","package":{"package_type":"container","package_version":{"container_metadata":{"tag":{"name":"1.0"}},"package_url":"ghcr.io/acme/widget:2.0","created_at":"2026-01-01T00:00:00Z"}}}\n' >"$T/mismatch.json"
run dh-parse "$T/mismatch.json"
expect 65 'package_version.package_url: "ghcr.io/acme/widget:2.0" is not the reference of tag "1.0"$' "github: package_url must name the tag"
printf '{"action":"published","package":{"package_type":"container","package_version":{"container_metadata":{"tag":{"name":"1.0"}},"package_url":"ghcr.io/Acme/Widget:1.0","created_at":"2026-01-01T00:00:00Z"}}}\n' >"$T/upper.json"
run dh-parse "$T/upper.json"
expect 65 'package_version.package_url: "Acme/Widget" is not a valid repository name$' "github: Docker's naming rules"
printf '{"type":"PUSH_ARTIFACT","occur_at":1,"event_data":{"resources":[{"tag":"1.0","resource_url":"evil.example/other/repo:1.0"}],"repository":{"repo_full_name":"quarry/sifter"}}}\n' >"$T/h.json"
run dh-parse "$T/h.json"
expect 65 'resources\[0\].resource_url: "evil.example/other/repo:1.0" is not a reference in repository "quarry/sifter"$' "harbor: resource_url must name the repository"
printf '{"events":[{"action":"push","timestamp":"2026-03-04T08:15:30Z","target":{"repository":"a/b","tag":"1"}}]}\n' >"$T/r.json"
run dh-parse "$T/r.json"
expect 65 'events\[0\].request.host: missing$' "registry: no host, no pull reference"
printf '{"events":[{"action":"push","timestamp":"yesterday","target":{"repository":"a/b","tag":"1"},"request":{"host":"r.example"}}]}\n' >"$T/t.json"
run dh-parse "$T/t.json"
expect 65 'events\[0\].timestamp: "yesterday" is not an RFC 3339 time$' "registry: the time must be RFC 3339"
printf '{"docker_url":"quay.io/a/b","updated_tags":["ok","no good"]}\n' >"$T/q.json"
cat "$T/q.json" "$Q/repo-push.json" >"$T/stream.json"
run dh-parse -c "$T/nomem.conf" -w 0 "$T/stream.json"
expect 65 'updated_tags\[1\]: "no good" is not a valid tag$' "quay: a bad tag refuses the payload"
is "$(printf '%s\n' "$OUT" | wc -l)" 2 "the stream goes on after a bad payload"

done_testing
