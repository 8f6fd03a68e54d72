#!/usr/bin/env python3
"""mock-x.py: a local stand-in for the X API, for tests and demos.

It serves the three endpoints tw-post uses, on 127.0.0.1 only:

  GET  /2/users/me                 the account the credentials are
                                   ({"data":{"id","name","username"}})
  POST /2/tweets                   JSON body {"text":..., "reply":
                                   {"in_reply_to_tweet_id":...}}; 201
                                   {"data":{"id":...,"text":...}}
  POST /1.1/statuses/update.json   form body status=...&in_reply_to_status_id=
                                   ...; 200 {"id":...,"id_str":...,"text":...}

Every request must carry an OAuth 1.0a HMAC-SHA1 Authorization header,
checked here with an implementation of its own (hmac, hashlib,
urllib.parse.quote), independent of the project's C code: the consumer key
and token must be the configured ones, the timestamp within 5 minutes, the
nonce never seen before, and the signature must cover the method, the URL,
the query and (for form bodies) the form parameters.  A bad one gets X's 401
answer, and the reason goes to stderr.  A text accepted once is refused the
second time with X's duplicate-content 403, as X does.

Usage:
  mock-x.py [--port N] [--port-file FILE] [--record FILE] [--script SPEC]
            [--delay SECONDS] [--consumer-key K] [--consumer-secret S]
            [--token T] [--token-secret S] [--allow-duplicates]
            [--scheme S] [--quiet]

  --port N          listen on N (default 0: a free port the kernel picks)
  --port-file FILE  write the port there once listening (atomically: wait
                    for the file to exist, then read it); the port is also
                    printed on stdout as "mock-x: listening on 127.0.0.1:N"
  --record FILE     append each accepted post as a JSON line:
                    {"n":1,"id":"...","api":"2","text":"...","reply_to":null}
  --script SPEC     how to answer the next requests, then answer normally.
                    SPEC is a comma-separated list of ANSWER[*N] (N times):
                      ok            accept (normal answer)
                      401           bad credentials ("Unauthorized")
                      401:token     invalid or expired token (v1.1 code 89)
                      403           forbidden (generic)
                      403:readonly  app without write permission
                      403:project   app not attached to a project
                      403:suspended account suspended
                      dup           duplicate content (403)
                      400           invalid request
                      429[:S]       rate limited, x-rate-limit-reset in S
                                    seconds (default 2)
                      429-user[:S]  rate limited by the user's 24-hour cap:
                                    x-user-limit-24hour-remaining 0, its
                                    reset in S seconds (default 2), while
                                    the 15-minute window (x-rate-limit-*)
                                    has requests left and resets sooner
                      429-app[:S]   the same for the app's 24-hour cap
                                    (x-app-limit-24hour-*)
                      402           no credits left (pay-per-use): a problem
                                    document titled "CreditsDepleted", as
                                    X users have reported it (X does not
                                    document it)
                      last[:S]      accept, saying it was the window's last
                                    request: x-rate-limit-remaining 0, reset
                                    in S seconds (default 2); until then
                                    every post gets a 429, as X does
                      last-user[:S], last-app[:S]
                                    the same with the user's or the app's
                                    24-hour cap used up
                      500, 502, 503 server errors
                      slow:S        wait S seconds, then answer normally
                      drop          close the connection without answering
                    e.g. --script '503*2,ok' or --script '429:1'
  --delay SECONDS   wait that long before every answer
  --consumer-key ... --token-secret
                    the credentials requests must be signed with; the
                    defaults are mock-consumer-key, mock-consumer-secret,
                    mock-access-token, mock-access-secret
  --allow-duplicates  accept the same text twice
  --scheme S        the scheme clients sign URLs with (default http; https
                    when a TLS proxy such as socat stands in front)

Control endpoints (no OAuth, for tests):
  GET  /_mock/posts    accepted posts, one JSON line each
  GET  /_mock/stats    {"requests":N,"connections":N,"accepted":N,"bad_auth":N,
                       "duplicates":N,"limited":N} (texts refused as
                       duplicates; posts refused with a 429 because a
                       "last" answer used up the window)
  POST /_mock/script   body: a SPEC, replacing what is left of the script
                       and ending a window that a "last" answer used up

It stops on SIGTERM or SIGINT.  Example (sh):

  python3 tests/mock-x.py --port-file "$T/port" --record "$T/posts" &
  pid=$!; while [ ! -s "$T/port" ]; do sleep 0.05; done
  TW_API_URL=http://127.0.0.1:$(cat "$T/port") TW_CONSUMER_KEY=... tw-post hi
  kill $pid
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from urllib.parse import parse_qsl, quote, unquote, urlsplit

# The plumbing the mocks share, from this script's own directory (no
# __pycache__ written: the tree may be read-only, or a copy).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import mocklib  # noqa: E402

V2_BODIES = {
    "401": {"title": "Unauthorized", "type": "about:blank", "status": 401,
            "detail": "Unauthorized"},
    "401:token": {"title": "Unauthorized", "type": "about:blank",
                  "status": 401, "detail": "Invalid or expired token."},
    "403": {"title": "Forbidden", "type": "about:blank", "status": 403,
            "detail": "You are not permitted to perform this action."},
    "403:readonly": {
        "title": "Forbidden", "status": 403,
        "type": "https://api.twitter.com/2/problems/oauth1-permissions",
        "detail": "Your client app is not configured with the appropriate "
                  "oauth1 app permissions for this endpoint."},
    "403:project": {
        "client_id": "12345678", "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "registration_url": "https://developer.x.com/en/docs/projects/"
                            "overview#adding-an-app-to-a-project",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
        "detail": "When authenticating requests to the Twitter API v2 "
                  "endpoints, you must use keys and tokens from a Twitter "
                  "developer App that is attached to a Project. You can "
                  "create a project via the developer portal."},
    "403:suspended": {"title": "Forbidden", "type": "about:blank",
                      "status": 403,
                      "detail": "Your account is suspended and is not "
                                "permitted to access this feature."},
    "dup": {"title": "Forbidden", "type": "about:blank", "status": 403,
            "detail": "You are not allowed to create a Tweet with "
                      "duplicate content."},
    "400": {"errors": [{"parameters": {"text": [""]},
                        "message": "Invalid text: the text is too long."}],
            "title": "Invalid Request", "detail": "One or more parameters "
            "to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"},
    "429": {"title": "Too Many Requests", "detail": "Too Many Requests",
            "type": "about:blank", "status": 429},
    "402": {"title": "CreditsDepleted", "status": 402,
            "type": "https://api.x.com/2/problems/credits-depleted",
            "detail": "Your enrolled account does not have any credits "
                      "to fulfill this request."},
    "500": {"title": "Internal Server Error", "type": "about:blank",
            "status": 500, "detail": "Internal Server Error"},
    "502": {"title": "Bad Gateway", "type": "about:blank", "status": 502,
            "detail": "Bad Gateway"},
    "503": {"title": "Service Unavailable", "type": "about:blank",
            "status": 503, "detail": "Service Unavailable"},
}
V1_CODES = {
    "401": (32, "Could not authenticate you."),
    "401:token": (89, "Invalid or expired token."),
    "403": (200, "Forbidden."),
    "403:readonly": (261, "Application cannot perform write actions."),
    "403:project": (453, "You currently have access to a subset of X API "
                    "V2 endpoints and limited v1.1 endpoints only."),
    "403:suspended": (64, "Your account is suspended and is not permitted "
                      "to access this feature."),
    "dup": (187, "Status is a duplicate."),
    "400": (186, "Tweet needs to be a bit shorter."),
    "429": (88, "Rate limit exceeded"),
    "402": (402, "Your enrolled account does not have any credits to "
            "fulfill this request."),
    "500": (131, "Internal error"),
    "502": (131, "Internal error"),
    "503": (130, "Over capacity"),
}


def q(s):
    """RFC 3986 percent-encoding, as RFC 5849 3.6 wants it."""
    return quote(s, safe="~")


# Answers that take a number of seconds: ANSWER or ANSWER:S.
TIMED = ("429", "429-user", "429-app", "slow", "last", "last-user",
         "last-app")
# The window each kind of limit uses up: the headers that announce it.
WINDOWS = {"": "x-rate-limit", "user": "x-user-limit-24hour",
           "app": "x-app-limit-24hour"}


def parse_script(spec):
    """X's answers: ANSWER[*N], a timed one with :S seconds."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        what, _, times = item.partition("*")
        n = int(times) if times else 1
        base, sep, arg = what.partition(":")
        if base in TIMED and sep:
            float(arg)
        elif base == "slow" or (what not in V2_BODIES and
                                what not in TIMED + ("ok", "drop")):
            raise ValueError("unknown answer %r" % what)
        out.extend([what] * n)
    return out


def limit_headers(kind, seconds):
    """The headers of an answer that uses up the window of kind ("",
    "user" or "app") for that many seconds; the others have room left and
    reset sooner, so that a client must pick the latest reset."""
    now = time.time()
    out = []
    for k, prefix in WINDOWS.items():
        used = k == kind
        if not used and k != "":
            continue    # X sends the 24-hour headers when they run out
        out += [(prefix + "-limit", "100" if k == "" else "10000"),
                (prefix + "-remaining", "0" if used else "5"),
                (prefix + "-reset",
                 str(int(now + (seconds if used else 1))))]
    return out


class State(mocklib.State):
    def __init__(self, args):
        super().__init__(args, dict(requests=0, connections=0, accepted=0,
                                    bad_auth=0, duplicates=0, limited=0))
        self.texts = set()
        self.nonces = set()
        self.next_id = 1850000000000000001
        # After a "last" answer: no post before this, and the headers.
        self.blocked_until = 0
        self.block_headers = []

    def parse_script(self, spec):
        return parse_script(spec)

    def new_script(self, script):
        # A new script also ends a window a "last" answer used up.
        self.script = script
        self.blocked_until = 0


def check_oauth(state, method, host, path, query, form, header):
    """None when the request is signed right, else why not."""
    a = state.args
    if not header or not header.startswith("OAuth "):
        return "no OAuth Authorization header"
    params = {}
    for part in header[6:].split(","):
        part = part.strip()
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep or len(v) < 2 or v[0] != '"' or v[-1] != '"':
            return "malformed Authorization parameter %r" % k
        params[unquote(k)] = unquote(v[1:-1])
    params.pop("realm", None)
    for need in ("oauth_consumer_key", "oauth_token", "oauth_nonce",
                 "oauth_timestamp", "oauth_signature_method",
                 "oauth_signature"):
        if need not in params:
            return "missing " + need
    if params["oauth_signature_method"] != "HMAC-SHA1":
        return "signature method is not HMAC-SHA1"
    if params.get("oauth_version", "1.0") != "1.0":
        return "oauth_version is not 1.0"
    if params["oauth_consumer_key"] != a.consumer_key:
        return "unknown consumer key"
    if params["oauth_token"] != a.token:
        return "unknown token"
    try:
        ts = int(params["oauth_timestamp"])
    except ValueError:
        return "timestamp is not a number"
    if abs(time.time() - ts) > 300:
        return "timestamp too far from now"
    sig = params.pop("oauth_signature")
    pairs = list(params.items())
    pairs += parse_qsl(query, keep_blank_values=True)
    pairs += form
    enc = sorted((q(k), q(v)) for k, v in pairs)
    norm = "&".join("%s=%s" % kv for kv in enc)
    host = host.lower()
    default = {"http": ":80", "https": ":443"}.get(a.scheme, "")
    if default and host.endswith(default):
        host = host[:-len(default)]
    base = "&".join([method.upper(), q(a.scheme + "://" + host + path), q(norm)])
    key = q(a.consumer_secret) + "&" + q(a.token_secret)
    want = base64.b64encode(hmac.new(key.encode(), base.encode(),
                                      hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(want, sig):
        return "bad signature (base string %s)" % base
    with state.lock:
        if (ts, params["oauth_nonce"]) in state.nonces:
            return "nonce used twice"
        state.nonces.add((ts, params["oauth_nonce"]))
    return None


class Handler(mocklib.Handler):
    name = "mock-x"
    server_version = "mock-x/1"

    def setup(self):
        super().setup()
        st = self.server.state
        with st.lock:
            st.stats["connections"] += 1

    def do_GET(self):
        st = self.server.state
        if self.mock_get(self.path):
            return None
        if urlsplit(self.path).path == "/2/users/me":
            url = urlsplit(self.path)
            with st.lock:
                st.stats["requests"] += 1
            why = check_oauth(st, self.command, self.headers.get("Host", ""),
                              url.path, url.query, [],
                              self.headers.get("Authorization"))
            if why is not None:
                return self.bad_auth(why, False)
            return self.send(200, {"data": {"id": "1720000000000000001",
                                            "name": "Mock Account",
                                            "username": "mockaccount"}})
        return self.send(404, {"title": "Not Found", "status": 404,
                               "type": "about:blank", "detail": "Not Found"})

    def bad_auth(self, why, v1):
        self.warn("401: %s" % why)
        with self.server.state.lock:
            self.server.state.stats["bad_auth"] += 1
        return self.fail("401", v1)

    def do_POST(self):
        st = self.server.state
        raw = self.read_body()
        url = urlsplit(self.path)
        if url.path == "/_mock/script":
            return self.mock_script(raw, lambda s: {"script": s})
        if url.path == "/2/tweets":
            v1 = False
        elif url.path == "/1.1/statuses/update.json":
            v1 = True
        else:
            return self.send(404, {"title": "Not Found", "status": 404,
                                   "type": "about:blank",
                                   "detail": "Not Found"})
        answer = st.next_answer()
        with st.lock:
            # A window used up by a "last" answer: 429 until its reset.
            if time.time() < st.blocked_until and \
                    (answer == "ok" or answer.startswith("last")):
                answer = "blocked"
                st.stats["limited"] += 1
        if st.args.delay:
            time.sleep(st.args.delay)
        if answer.startswith("slow:"):
            time.sleep(float(answer[5:]))
            answer = "ok"
        if answer == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        ctype = self.headers.get("Content-Type", "")
        form = []
        if ctype.startswith("application/x-www-form-urlencoded"):
            form = parse_qsl(raw.decode(), keep_blank_values=True)
        why = check_oauth(st, self.command, self.headers.get("Host", ""),
                          url.path, url.query, form,
                          self.headers.get("Authorization"))
        if why is not None:
            return self.bad_auth(why, v1)
        base, _, arg = answer.partition(":")
        last = base.startswith("last")
        if answer != "ok" and not last:
            return self.fail(answer, v1)
        # The request itself.
        if v1:
            f = dict(form)
            text, reply = f.get("status"), f.get("in_reply_to_status_id")
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                return self.fail("400", v1)
            if not ctype.startswith("application/json") or \
                    not isinstance(body, dict):
                return self.fail("400", v1)
            text = body.get("text")
            reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not isinstance(text, str) or not text:
            return self.fail("400", v1)
        with st.lock:
            if text in st.texts and not st.args.allow_duplicates:
                dup = True
                st.stats["duplicates"] += 1
            else:
                dup = False
                st.texts.add(text)
                pid = str(st.next_id)
                st.next_id += 1
                st.add_post({"id": pid, "api": "1.1" if v1 else "2",
                             "text": text, "reply_to": reply})
        if dup:
            return self.fail("dup", v1)
        limits = [("x-rate-limit-limit", "100"),
                  ("x-rate-limit-remaining", "99"),
                  ("x-rate-limit-reset", str(int(time.time()) + 900))]
        if last:
            limits = limit_headers(base[5:], float(arg or 2))
            with st.lock:
                st.blocked_until = int(time.time() + float(arg or 2))
                st.block_headers = limits
        if v1:
            return self.send(200, {"id": int(pid), "id_str": pid,
                                   "text": text}, limits)
        self.send(201, {"data": {"id": pid, "text": text,
                                 "edit_history_tweet_ids": [pid]}}, limits)

    def fail(self, answer, v1):
        code, _, arg = answer.partition(":")
        headers = []
        if code == "blocked":
            headers = self.server.state.block_headers
            code = answer = "429"
        elif code.startswith("429"):
            headers = limit_headers(code[4:], float(arg or 2))
            code = answer = "429"
        status = 403 if code == "dup" else int(code)
        if v1:
            c, m = V1_CODES[answer]
            body = {"errors": [{"code": c, "message": m}]}
        else:
            body = V2_BODIES[answer]
        self.send(status, body, headers)


def main():
    ap = mocklib.arguments(__doc__)
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--consumer-key", default="mock-consumer-key")
    ap.add_argument("--consumer-secret", default="mock-consumer-secret")
    ap.add_argument("--token", default="mock-access-token")
    ap.add_argument("--token-secret", default="mock-access-secret")
    ap.add_argument("--allow-duplicates", action="store_true")
    ap.add_argument("--scheme", default="http", choices=["http", "https"])
    mocklib.serve(ap, State, Handler)


if __name__ == "__main__":
    main()
