#!/usr/bin/env python3
"""mock-mastodon.py: a local stand-in for a Mastodon instance, for tests.

It serves, on 127.0.0.1 only:

  POST /api/v1/statuses   form or JSON body: status, visibility, language;
                          200 {"id":...,"content":...,"visibility":...}
  GET  /api/v2/instance   {"configuration":{"statuses":
                          {"max_characters":N,...}}}

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
                   [--quiet]

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
                       "replayed":N,"unkeyed":N,"too_long":N}
  POST /_mock/script   body: a SPEC, replacing what is left of the script

It stops on SIGTERM or SIGINT.
"""

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ANSWERS = re.compile(r"^(ok|401|403|422|500|502|503|drop|lost|"
                     r"429(:\d+)?|slow:\d+(\.\d+)?)$")

# Mastodon's own patterns, simplified: a URL with a scheme, a mention.
URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)'\]]", re.I)
MENTION_RE = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_])?)"
    r"(?:@[\w.-]+\w)?", re.I)


def parse_script(spec):
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        ans, _, n = item.partition("*")
        if not ANSWERS.match(ans) or (n and not n.isdigit()):
            raise ValueError("bad answer %r" % item)
        out += [ans] * (int(n) if n else 1)
    return out


def length(text):
    """The length Mastodon gives a status, in code points."""
    text = URL_RE.sub("x" * 23, text)
    return len(MENTION_RE.sub(lambda m: "@" + m.group(1), text))


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.script = parse_script(args.script or "")
        self.posts = []
        self.keys = {}
        self.stats = dict(requests=0, accepted=0, bad_auth=0, replayed=0,
                          unkeyed=0, too_long=0)
        self.next_id = 110000000000000001


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-mastodon/1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if not self.server.state.args.quiet:
            sys.stderr.write("mock-mastodon: %s\n" % (fmt % args))

    def send(self, code, obj, headers=()):
        body = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        self.close_connection = True
        self.connection.close()

    def do_GET(self):
        st = self.server.state
        path = urlsplit(self.path).path
        if path == "/_mock/posts":
            with st.lock:
                return self.send(200, "".join(json.dumps(p) + "\n"
                                              for p in st.posts))
        if path == "/_mock/stats":
            with st.lock:
                return self.send(200, dict(st.stats))
        if path == "/api/v2/instance":
            return self.send(200, {
                "domain": "mastodon.example",
                "configuration": {"statuses": {
                    "max_characters": st.args.max_characters,
                    "characters_reserved_per_url": 23}}})
        self.send(404, {"error": "Record not found"})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype == "application/json":
            return json.loads(raw.decode() or "{}")
        return {k: v[0] for k, v in
                parse_qs(raw.decode(), keep_blank_values=True).items()}

    def do_POST(self):
        st = self.server.state
        path = urlsplit(self.path).path
        if path == "/_mock/script":
            n = int(self.headers.get("Content-Length") or 0)
            try:
                script = parse_script(self.rfile.read(n).decode())
            except ValueError as e:
                return self.send(400, {"error": str(e)})
            with st.lock:
                st.script = script
            return self.send(200, {})
        if path != "/api/v1/statuses":
            return self.send(404, {"error": "Record not found"})
        try:
            form = self.body()
        except ValueError:
            return self.send(400, {"error": "bad body"})
        with st.lock:
            st.stats["requests"] += 1
            ans = st.script.pop(0) if st.script else "ok"
        if ans.startswith("slow:"):
            time.sleep(float(ans[5:]))
            ans = "ok"
        if ans == "drop":
            return self.drop()
        auth = self.headers.get("Authorization") or ""
        if auth == "Bearer mock-readonly-token" or ans == "403":
            return self.send(403, {"error": "This action is outside the "
                                   "authorized scopes"})
        if auth != "Bearer " + st.args.token or ans == "401":
            with st.lock:
                st.stats["bad_auth"] += 1
            sys.stderr.write("mock-mastodon: bad token %r\n" % auth[:12])
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
        if length(text) > st.args.max_characters:
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
            st.stats["accepted"] += 1
            rec = {"n": st.stats["accepted"], "id": sid, "status": text,
                   "visibility": form.get("visibility"),
                   "language": form.get("language"),
                   "idempotency_key": key}
            st.posts.append(rec)
            if st.args.record:
                with open(st.args.record, "a") as fp:
                    fp.write(json.dumps(rec) + "\n")
        if ans == "lost":
            return self.drop()
        self.send(200, status)


def main():
    ap = argparse.ArgumentParser(
        usage=argparse.SUPPRESS, description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--record")
    ap.add_argument("--script")
    ap.add_argument("--token", default="mock-mastodon-token")
    ap.add_argument("--max-characters", type=int, default=500)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        state = State(args)
    except ValueError as e:
        ap.error("--script: %s" % e)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = state
    port = srv.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as fp:
            fp.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    print("mock-mastodon: listening on 127.0.0.1:%d" % port, flush=True)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()
    srv.server_close()


if __name__ == "__main__":
    main()
