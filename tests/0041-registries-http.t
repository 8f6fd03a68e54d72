#!/bin/sh
# dh-hook serves every registry at a path of its own, each with its own
# proof of origin: real deliveries with curl, over TCP through
# hubtweet-socat, posted to the mock X API.
. "${0%/*}/lib.sh"

G=$PAYLOADS/github/registry-package-published.json
H=$PAYLOADS/harbor/push-artifact-default.json
HC=$PAYLOADS/harbor/push-artifact-cloudevents.json
Q=$PAYLOADS/quay/repo-push.json
R=$PAYLOADS/registry/push-manifest-two-tags.json
RI=$PAYLOADS/registry/pull-and-layer-IGNORED.json
need "$G" "$H" "$HC" "$Q" "$R" "$RI"

# Each source's secret given a different way: the environment, a config
# file of mode 600, systemd's credentials; Quay's not at first.
DH_KEY=hub-k3y-$$
GITHUB_WEBHOOK_SECRET=gh-s3cret-$$
export DH_KEY GITHUB_WEBHOOK_SECRET
HARBOR_AUTH="Basic aGFyYm9yOnMzY3JldA=="
printf 'dockerhub: { group_window = 0; repeat_window = 0; };\nharbor: { authorization = "%s"; };\n' \
    "$HARBOR_AUTH" >"$HUBTWEET_CONFIG"
chmod 600 "$HUBTWEET_CONFIG"
REG_AUTH="Bearer reg-t0ken-$$"
mkdir -p "$T/creds"
printf '%s\n' "$REG_AUTH" >"$T/creds/registry-authorization"
chmod 600 "$T/creds/registry-authorization"
CREDENTIALS_DIRECTORY=$T/creds
export CREDENTIALS_DIRECTORY

mock_x_start || { echo "Bail out! no mock X API"; exit 1; }
PORT=$(free_port)
hubtweet-socat -b 127.0.0.1 -p "$PORT" 2>>"$T/socat.log" &
at_exit "kill $! 2>/dev/null"
wait_port "$PORT" || { echo "Bail out! hubtweet-socat did not listen"; exit 1; }
B=http://127.0.0.1:$PORT

# post PATH FILE [CURL ARGS]: deliver FILE to PATH; $OUT the answer.
post() {
	_p=$1 _f=$2
	shift 2
	run curl -sS -i --max-time 20 -H 'Content-Type: application/json' \
	    "$@" --data-binary @"$_f" "$B$_p"
}
# sign FILE [SECRET]: GitHub's X-Hub-Signature-256 of FILE.
sign() {
	python3 -c 'import hashlib, hmac, sys
print("sha256=" + hmac.new(sys.argv[2].encode(), open(sys.argv[1], "rb").read(), hashlib.sha256).hexdigest())' \
	    "$1" "${2:-$GITHUB_WEBHOOK_SECRET}"
}
npost=0
# wait_posts N: until the mock has accepted N posts (30 s at most).
wait_posts() {
	wait_for_posts "$1"
	is "$(wc -l <"$MOCK_POSTS")" "$1" "$2"
}
# posted TEXT NAME: one post holds TEXT.
posted() {
	is "$(grep -cF "$1" "$MOCK_POSTS")" 1 "$2"
}
# spool_empty NAME: nothing is left in the spool (a refusal keeps nothing).
spool_empty() {
	is "$(find "$STATE_DIRECTORY/spool" -type f ! -name '.*' ! -name 'releases*' 2>/dev/null | wc -l)" 0 "$1"
}

# GitHub: the HMAC of the body.
post /github "$G" -H "X-GitHub-Event: registry_package" -H "X-Hub-Signature-256: $(sign "$G")"
answer 200 '^\{"status":"accepted","id":"ghcr.io/lanternworks/beacon:2.4.0@2026-03-02T17:40:49Z"\}$' "github: signed delivery accepted"
npost=$((npost + 1)); wait_posts $npost "github: posted"
posted 'docker pull ghcr.io/lanternworks/beacon:2.4.0' "github: the post pulls from ghcr.io"
post /github "$G" -H "X-Hub-Signature-256: $(sign "$G" wrong-secret)"
answer 401 '"reason":"wrong X-Hub-Signature-256"' "github: wrong signature, 401"
post /github "$G"
answer 401 '"reason":"no X-Hub-Signature-256"' "github: no signature, 401"
post /github "$G" -H "X-Hub-Signature-256: sha1=$(sign "$G" | cut -c8-)"
answer 401 '"reason":"wrong X-Hub-Signature-256"' "github: another scheme, 401"
sleep 1
is "$(wc -l <"$MOCK_POSTS")" $npost "github: the refused deliveries posted nothing"
spool_empty "github: ... and kept nothing"
post /github "$PAYLOADS/github/untagged-IGNORED.json" -H "X-Hub-Signature-256: $(sign "$PAYLOADS/github/untagged-IGNORED.json")"
answer 200 '^\{"status":"ignored","reason":"an untagged version"\}$' "github: an untagged version, 200 ignored"

# Harbor: the configured Authorization value, both formats.
post /harbor "$H" -H "Authorization: $HARBOR_AUTH"
answer 200 '"id":"registry.quarry.example:8443/quarry/sifter:3.1.0@' "harbor: default format accepted"
npost=$((npost + 1)); wait_posts $npost "harbor: posted"
posted 'docker pull registry.quarry.example:8443/quarry/sifter:3.1.0' "harbor: the post pulls from the Harbor host"
post /harbor "$HC" -H "Content-Type: application/cloudevents+json" -H "Authorization: $HARBOR_AUTH"
answer 200 '"id":"harbor.quarry.example/quarry/sifter:3.2.0-rc.1@' "harbor: CloudEvents format accepted"
npost=$((npost + 1)); wait_posts $npost "harbor cloudevents: posted"
post /harbor "$H" -H "Authorization: Basic d3Jvbmc="
answer 401 '"reason":"wrong Authorization"' "harbor: wrong header, 401"
post /harbor "$H"
answer 401 '"reason":"no Authorization"' "harbor: no header, 401"
post /harbor "$G" -H "Authorization: $HARBOR_AUTH"
answer 400 'not a Harbor payload' "harbor: another source's payload, 400"

# The distribution registry: its Authorization, several events at once.
post /registry "$R" -H "Content-Type: application/vnd.docker.distribution.events.v2+json" -H "Authorization: $REG_AUTH"
answer 200 '"id":"cr.pressgang.example:5000/tools/pressgang:5.0.2@' "registry: accepted"
npost=$((npost + 2)); wait_posts $npost "registry: the two tags posted (no grouping here)"
posted 'docker pull cr.pressgang.example:5000/tools/pressgang:5.0.2' "registry: the post pulls from the registry's host"
post /registry "$RI" -H "Authorization: $REG_AUTH"
answer 200 '"status":"ignored","reason":"no push with a tag among 2 events"' "registry: a pull and a layer, 200 ignored"
post /registry "$R" -H "Authorization: Bearer guess"
answer 401 '"reason":"wrong Authorization"' "registry: wrong token, 401"

# Quay: not configured, not served; then its key in a file beside the
# user's config, in the URL as Docker Hub's.
post "/quay?key=anything" "$Q"
answer 404 '"reason":"no such path"' "quay: no key configured, 404"
mkdir -p "$HOME/.config/hubtweet"
(umask 077 && printf 'quay-k3y-%s\n' $$ >"$HOME/.config/hubtweet/quay-key")
post "/quay?key=quay-k3y-$$" "$Q"
answer 200 '"id":"quay.io/saltmarsh/kestrel:1.8.2@' "quay: key in the URL accepted"
npost=$((npost + 2)); wait_posts $npost "quay: both tags posted"
posted 'docker pull quay.io/saltmarsh/kestrel:1.8.2' "quay: the post pulls from quay.io"
post "/quay?key=$DH_KEY" "$Q"
answer 403 '"reason":"wrong key"' "quay: Docker Hub's key is not Quay's, 403"

# Docker Hub as before, beside them; its key opens no other door.
post "/dockerhub?key=$DH_KEY" "$PAYLOADS/09-semver-multistage-dockerfile.json"
answer 200 '"id":"ferrowind/gatekeeper:2.4.1@' "dockerhub: accepted as before"
npost=$((npost + 1)); wait_posts $npost "dockerhub: posted"
posted 'docker pull ferrowind/gatekeeper:2.4.1' "dockerhub: the post pulls ns/name:tag"
post /harbor "$H" -H "Authorization: $DH_KEY"
answer 401 'wrong Authorization' "Docker Hub's key is not Harbor's"

# The secrets are in no log line, and in no tool's argv but dh-parse's
# own reading of them (none: they come from the environment and files).
for s in "$DH_KEY" "$GITHUB_WEBHOOK_SECRET" "$HARBOR_AUTH" "$REG_AUTH" "quay-k3y-$$"; do
	if grep -qF -- "$s" "$T/socat.log"; then
		not_ok "a secret in the log"; diag "$s"
	else
		ok "no secret in the log (${s%%-*})"
	fi
done
like "$(cat "$T/socat.log")" '"POST /github" 401' "the log names the refusal"

# A config with only one source's secret: the others answer 404, and a
# secret others can read is a setup error (500).
printf 'github: { secret = "only"; };\n' >"$T/only.conf"
chmod 600 "$T/only.conf"
cp "$T/only.conf" "$T/open.conf"
chmod 644 "$T/open.conf"
# one CONF: a listener whose dh-parse has CONF's secrets alone.
one() {
	_port=$(free_port)
	socat TCP-LISTEN:"$_port",bind=127.0.0.1,fork,reuseaddr \
	    SYSTEM:"env -u DH_KEY -u GITHUB_WEBHOOK_SECRET -u CREDENTIALS_DIRECTORY HOME=$T/nohome dh-parse -H -c $1 2>>$T/one.log" \
	    2>/dev/null &
	at_exit "kill $! 2>/dev/null"
	wait_port "$_port" || { echo "Bail out! nothing listens"; exit 1; }
	ONE=http://127.0.0.1:$_port
}
one "$T/only.conf"
run curl -sS -i --max-time 20 --data-binary @"$H" "$ONE/dockerhub?key=x"
answer 404 '"reason":"no such path"' "only GitHub configured: /dockerhub answers 404"
run curl -sS -i --max-time 20 --data-binary @"$H" -H "Authorization: x" "$ONE/harbor"
answer 404 '"reason":"no such path"' "only GitHub configured: /harbor answers 404"
one "$T/open.conf"
run curl -sS -i --max-time 20 --data-binary @"$H" "$ONE/github"
answer 500 '"reason":"server misconfigured"' "a secret in a file others can read: 500"
like "$(cat "$T/one.log")" 'holds secrets but group or others can read it' "... said in the log"
run env -u DH_KEY -u GITHUB_WEBHOOK_SECRET -u CREDENTIALS_DIRECTORY HOME="$T/nohome" dh-parse -C -c "$T/only.conf"
like "$OUT" 'key: none, not served' "--check: Docker Hub not served"
like "$OUT" 'github: from github.secret' "--check: where GitHub's secret comes from"
like "$OUT" 'harbor: none, not served' "--check: Harbor not served"
is "$STATUS" 0 "--check: one source is enough"

done_testing
