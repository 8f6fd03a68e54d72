"""mocklib.py: the HTTP plumbing the local API mocks (mock-x.py,
mock-mastodon.py, mock-bsky.py) share, so that each of them holds only
what its service answers.  Standard library only.

A mock is a State (its script of answers, its posts and counters), a
Handler (do_GET, do_POST) and a main() that adds its own options to
arguments() and calls serve():

  --port N          listen on N (default 0: a free port the kernel picks)
  --port-file FILE  write the port there once listening, atomically (a
                    reader waits for the file to exist, then reads it);
                    the port is also printed on stdout as
                    "NAME: listening on 127.0.0.1:N"
  --record FILE     append each accepted post there as a JSON line
  --script SPEC     how to answer the next requests (parse_script)
  --quiet           no request log on stderr

Every mock listens on 127.0.0.1 only and stops on SIGTERM or SIGINT.
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


def arguments(doc):
    """A parser whose --help prints doc, with the options every mock has
    before its own (serve() adds --quiet after them)."""
    ap = argparse.ArgumentParser(
        usage=argparse.SUPPRESS, description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--record")
    ap.add_argument("--script")
    return ap


class State:
    """What a mock knows, behind one lock: its options (args), what is
    left of its script, the accepted posts and the counters of
    /_mock/stats (stats, in the order it prints them; "requests" and
    "accepted" among them)."""
    # The answers a script may hold (a subclass sets it, or overrides
    # parse_script).
    ANSWERS = re.compile(r"^ok$")

    def __init__(self, args, stats):
        self.args = args
        self.lock = threading.Lock()
        self.script = self.parse_script(args.script or "")
        self.posts = []
        self.stats = stats

    def parse_script(self, spec):
        """The answers of SPEC, a comma-separated list of ANSWER[*N] (N
        times); ValueError when one is not in ANSWERS."""
        out = []
        for item in filter(None, (s.strip() for s in spec.split(","))):
            ans, _, n = item.partition("*")
            if not self.ANSWERS.match(ans) or (n and not n.isdigit()):
                raise ValueError("bad answer %r" % item)
            out += [ans] * (int(n) if n else 1)
        return out

    def new_script(self, script):
        """Replace what is left of the script (the lock held)."""
        self.script = script

    def next_answer(self):
        """Count a request and take the script's next answer ("ok" once
        it is used up)."""
        with self.lock:
            self.stats["requests"] += 1
            return self.script.pop(0) if self.script else "ok"

    def add_post(self, fields):
        """Keep an accepted post (the lock held), numbered from 1, and
        append it to the --record file; the post is returned."""
        self.stats["accepted"] += 1
        rec = dict(n=len(self.posts) + 1, **fields)
        self.posts.append(rec)
        if self.args.record:
            with open(self.args.record, "a") as fp:
                fp.write(json.dumps(rec) + "\n")
        return rec


class Handler(BaseHTTPRequestHandler):
    """JSON answers over keep-alive HTTP/1.1; a subclass sets name (for
    stderr and stdout) and server_version."""
    name = "mock"
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, the body waits
    # for the client's delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if not self.server.state.args.quiet:
            self.warn(fmt % args)

    def warn(self, msg):
        sys.stderr.write("%s: %s\n" % (self.name, msg))

    def send(self, code, obj, headers=()):
        """Answer code with obj as JSON (a str goes as it is)."""
        body = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        """The request's body, Content-Length bytes of it."""
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def drop(self):
        """Close the connection without answering."""
        self.close_connection = True
        self.connection.close()

    def scripted(self):
        """The script's next answer; a slow:S one waits S seconds and is
        ok; a drop closes the connection and is None."""
        ans = self.server.state.next_answer()
        if ans.startswith("slow:"):
            time.sleep(float(ans[5:]))
            ans = "ok"
        if ans == "drop":
            self.drop()
            return None
        return ans

    def mock_get(self, path):
        """GET /_mock/posts and /_mock/stats: True when path was one."""
        st = self.server.state
        if path not in ("/_mock/posts", "/_mock/stats"):
            return False
        with st.lock:
            if path == "/_mock/posts":
                body = "".join(json.dumps(p) + "\n" for p in st.posts)
            else:
                body = dict(st.stats)
        self.send(200, body)
        return True

    def mock_script(self, raw, reply=None):
        """POST /_mock/script: raw is a SPEC, replacing what is left of
        the script; the answer is reply(script), or {}."""
        st = self.server.state
        try:
            script = st.parse_script(raw.decode())
        except ValueError as e:
            return self.send(400, {"error": str(e)})
        with st.lock:
            st.new_script(script)
        return self.send(200, reply(script) if reply else {})


def write_port(path, port):
    """Write port to path through a rename, so that a reader who sees the
    file sees all of it."""
    with open(path + ".tmp", "w") as fp:
        fp.write("%d\n" % port)
    os.rename(path + ".tmp", path)


def serve(ap, make_state, handler):
    """Add --quiet, parse the command line, make the state (a ValueError
    is a bad --script) and serve on 127.0.0.1 until SIGTERM or SIGINT."""
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        state = make_state(args)
    except ValueError as e:
        ap.error("--script: %s" % e)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    srv.daemon_threads = True
    srv.state = state
    port = srv.server_address[1]
    if args.port_file:
        write_port(args.port_file, port)
    print("%s: listening on 127.0.0.1:%d" % (handler.name, port), flush=True)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()
    srv.server_close()
