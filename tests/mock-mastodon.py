#!/usr/bin/env python3
"""mock-mastodon.py: a local stand-in for a Mastodon instance, for tests.

It serves, on 127.0.0.1 only:

  POST /api/v1/statuses   form or JSON body: status, visibility, language;
                          200 {"id":...,"content":...,"visibility":...}
  GET  /api/v2/instance   {"configuration":{"statuses":
                          {"max_characters":N,
                           "characters_reserved_per_url":U}}}
                          (--instance: 500, or a 200 without them)

A post needs "Authorization: Bearer TOKEN" with the configured token (401
{"error":"The access token is invalid"} otherwise; the token
"mock-readonly-token" gets the 403 of a token without write:statuses).
Its length is checked as Mastodon checks it: code points, every URL with a
scheme 23, @user@domain as @user; over the limit or blank is a 422.  A
request with an Idempotency-Key seen before gets the status made then
(200) and no new post, as Mastodon does for an hour; a post without a key
is accepted and counted as "unkeyed".

Usage:
  mock-mastodon.py [--port N] [--port-file FILE] [--record FILE]
                   [--script SPEC] [--token T] [--max-characters N]
                   [--url-chars U] [--instance ok|500|empty] [--quiet]

  --record FILE   append each accepted post as a JSON line:
                  {"n":1,"id":"...","status":"...","visibility":...,
                   "language":...,"idempotency_key":...}
  --script SPEC   how to answer the next POSTs to /api/v1/statuses, then
                  answer normally; a comma-separated list of ANSWER[*N]:
                    ok, 401, 403, 422, 500, 502, 503
                    429[:S]   rate limited, X-RateLimit-Reset in S seconds
                              (default 2)
                    slow:S    wait S seconds, then answer normally
                    drop      close the connection without answering
                    lost      make the post, then close the connection
                              without answering (a timeout after the fact)

Control endpoints (no token):
  GET  /_mock/posts    accepted posts, one JSON line each
  GET  /_mock/stats    {"requests":N,"accepted":N,"bad_auth":N,
                       "replayed":N,"unkeyed":N,"too_long":N,
                       "instance":N}
  POST /_mock/script   body: a SPEC, replacing what is left of the script

It stops on SIGTERM or SIGINT.
"""

import json
import os
import re
import sys
import time
from urllib.parse import parse_qs, urlsplit

# The plumbing the mocks share, from this script's own directory (no
# __pycache__ written: the tree may be read-only, or a copy).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import mocklib  # noqa: E402

# Mastodon's own patterns, simplified: a URL with a scheme, a mention.
URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)'\]]", re.I)
MENTION_RE = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_])?)"
    r"(?:@[\w.-]+\w)?", re.I)


def length(text, url_chars=23):
    """The length Mastodon gives a status, in code points."""
    text = URL_RE.sub("x" * url_chars, text)
    return len(MENTION_RE.sub(lambda m: "@" + m.group(1), text))


class State(mocklib.State):
    ANSWERS = re.compile(r"^(ok|401|403|422|500|502|503|drop|lost|"
                         r"429(:\d+)?|slow:\d+(\.\d+)?)$")

    def __init__(self, args):
        super().__init__(args, dict(requests=0, accepted=0, bad_auth=0,
                                    replayed=0, unkeyed=0, too_long=0,
                                    instance=0))
        self.keys = {}
        self.next_id = 110000000000000001


class Handler(mocklib.Handler):
    name = "mock-mastodon"
    server_version = "mock-mastodon/1"

    def do_GET(self):
        st = self.server.state
        path = urlsplit(self.path).path
        if self.mock_get(path):
            return None
        if path == "/api/v2/instance":
            st.stats["instance"] += 1
            if st.args.instance == "500":
                return self.send(500, {"error": "scripted 500"})
            if st.args.instance == "empty":
                return self.send(200, {"domain": "mastodon.example"})
            return self.send(200, {
                "domain": "mastodon.example",
                "configuration": {"statuses": {
                    "max_characters": st.args.max_characters,
                    "characters_reserved_per_url": st.args.url_chars}}})
        return self.send(404, {"error": "Record not found"})

    def body(self):
        raw = self.read_body()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype == "application/json":
            return json.loads(raw.decode() or "{}")
        return {k: v[0] for k, v in
                parse_qs(raw.decode(), keep_blank_values=True).items()}

    def do_POST(self):
        st = self.server.state
        path = urlsplit(self.path).path
        if path == "/_mock/script":
            return self.mock_script(self.read_body())
        if path != "/api/v1/statuses":
            return self.send(404, {"error": "Record not found"})
        try:
            form = self.body()
        except ValueError:
            return self.send(400, {"error": "bad body"})
        ans = self.scripted()
        if ans is None:
            return None
        auth = self.headers.get("Authorization") or ""
        if auth == "Bearer mock-readonly-token" or ans == "403":
            return self.send(403, {"error": "This action is outside the "
                                   "authorized scopes"})
        if auth != "Bearer " + st.args.token or ans == "401":
            with st.lock:
                st.stats["bad_auth"] += 1
            self.warn("bad token %r" % auth[:12])
            return self.send(401, {"error": "The access token is invalid"})
        if ans.startswith("429"):
            s = int(ans[4:] or 2)
            reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                  time.gmtime(time.time() + s))
            return self.send(429, {"error": "Too many requests"},
                             [("X-RateLimit-Limit", "300"),
                              ("X-RateLimit-Remaining", "0"),
                              ("X-RateLimit-Reset", reset)])
        if ans in ("500", "502", "503"):
            return self.send(int(ans), {"error": "server error"})
        key = self.headers.get("Idempotency-Key")
        with st.lock:
            if key is not None and key in st.keys:
                st.stats["replayed"] += 1
                return self.send(200, st.keys[key])
        text = form.get("status")
        if not isinstance(text, str) or not text.strip() or ans == "422":
            return self.send(422, {"error": "Validation failed: Text "
                                   "can't be blank"})
        if length(text, st.args.url_chars) > st.args.max_characters:
            with st.lock:
                st.stats["too_long"] += 1
            return self.send(422, {
                "error": "Validation failed: Text character limit of %d "
                         "exceeded" % st.args.max_characters})
        with st.lock:
            sid = str(st.next_id)
            st.next_id += 1
            status = {"id": sid, "content": "<p>%s</p>" % text,
                      "visibility": form.get("visibility") or "public",
                      "language": form.get("language"),
                      "url": "http://mastodon.example/@mock/" + sid}
            if key is None:
                st.stats["unkeyed"] += 1
            else:
                st.keys[key] = status
            st.add_post({"id": sid, "status": text,
                         "visibility": form.get("visibility"),
                         "language": form.get("language"),
                         "idempotency_key": key})
        if ans == "lost":
            return self.drop()
        self.send(200, status)


def main():
    ap = mocklib.arguments(__doc__)
    ap.add_argument("--token", default="mock-mastodon-token")
    ap.add_argument("--max-characters", type=int, default=500)
    ap.add_argument("--url-chars", type=int, default=23)
    ap.add_argument("--instance", choices=("ok", "500", "empty"),
                    default="ok")
    mocklib.serve(ap, State, Handler)


if __name__ == "__main__":
    main()
