#!/usr/bin/env python3
"""mock-bsky.py: a local stand-in for a Bluesky PDS (AT Protocol XRPC).

It serves, on 127.0.0.1 only:

  POST /xrpc/com.atproto.server.createSession
        {"identifier","password"} -> {"did","handle","accessJwt",
        "refreshJwt"}; a wrong pair gets 401 AuthenticationRequired; more
        than --max-logins sessions get 429 RateLimitExceeded, as the PDS
        limits createSession (30 per 5 minutes, 300 a day).
  POST /xrpc/com.atproto.server.refreshSession
        "Authorization: Bearer REFRESH" -> new tokens (the old refresh
        token is spent); a spent or revoked one gets 400 ExpiredToken.
  POST /xrpc/com.atproto.repo.createRecord
        "Authorization: Bearer ACCESS", {"repo","collection","rkey"?,
        "record":{"$type":"app.bsky.feed.post","text","createdAt",
        "langs"?,"facets"?,"embed"?}} -> {"uri","cid"}.  An expired access token
        gets 400 ExpiredToken.  The text may hold 300 grapheme clusters
        and 3000 bytes.  Every facet's byteStart/byteEnd must be UTF-8
        byte offsets into the text, and a #link facet's uri must be the
        bytes it covers (with "https://" in front when they have no
        scheme), a #tag facet's bytes "#" and its tag (1 to 64
        characters), and an embed an app.bsky.embed.external with uri,
        title and description; else 400 InvalidRequest.  An rkey must be a TID; an rkey
        that exists gets 500 InternalServerError, as the PDS answers today
        (--exists-error NAME: a 400 with that error instead).
  POST /xrpc/com.atproto.repo.putRecord
        the same, "rkey" required: creates the record, or writes it again
        under that key (counted as "rewritten" when it is the same
        record, "changed" when it is not).
  GET  /xrpc/com.atproto.repo.getRecord?repo=&collection=&rkey=
        {"uri","cid","value"} or 400 RecordNotFound.

Usage:
  mock-bsky.py [--port N] [--port-file FILE] [--record FILE]
               [--script SPEC] [--handle H] [--password P]
               [--max-logins N] [--exists-error NAME] [--quiet]

  --record FILE   append each created post as a JSON line:
                  {"n":1,"rkey":...,"text":...,"facets":...,"langs":...,
                   "embed":...,"createdAt":...}
  --script SPEC   how to answer the next createRecord and putRecord
                  requests, then
                  answer normally; a comma-separated list of ANSWER[*N]:
                    ok, 400, 401, 500, 502, 503
                    expired   400 ExpiredToken (the access token expired)
                    429[:S]   rate limited, ratelimit-reset in S seconds
                    slow:S    wait S seconds, then answer normally
                    drop      close the connection without answering
                    lost      write the record, then close the
                              connection without answering
                    kill:FILE write the record, then wait until FILE
                              exists and close the connection without
                              answering (a client killed mid-send)

Control endpoints:
  GET  /_mock/posts    created posts, one JSON line each
  GET  /_mock/stats    {"requests":N,"logins":N,"refreshes":N,
                       "accepted":N,"rejected":N,"rkey_exists":N,
                       "rewritten":N,"changed":N,"expired":N}
  POST /_mock/script   body: a SPEC, replacing what is left of the script
  POST /_mock/expire   every access token expires now
  POST /_mock/revoke   every token, access and refresh, is revoked

It stops on SIGTERM or SIGINT.
"""

import hashlib
import json
import os
import re
import secrets
import sys
import time
import unicodedata
from urllib.parse import parse_qs, urlsplit

# The plumbing the mocks share, from this script's own directory (no
# __pycache__ written: the tree may be read-only, or a copy).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import mocklib  # noqa: E402

TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]"
                    r"{12}$")
DID = "did:plc:mockmockmockmockmockmock"
LINK = "app.bsky.richtext.facet#link"
TAG = "app.bsky.richtext.facet#tag"
EXTERNAL = "app.bsky.embed.external"


def graphemes(s):
    """Grapheme clusters, near enough for post texts (UAX #29's common
    cases: combining marks, ZWJ sequences, variation selectors, skin
    tones, tags, keycaps, flags, CR LF)."""
    n, prev, ri = 0, None, 0
    for c in s:
        o = ord(c)
        joins = prev is not None and (
            unicodedata.category(c) in ("Mn", "Mc", "Me") or
            o == 0x200d or prev == 0x200d or 0xfe00 <= o <= 0xfe0f or
            0x1f3fb <= o <= 0x1f3ff or 0xe0020 <= o <= 0xe007f or
            (o == 0x0a and prev == 0x0d) or
            (0x1f1e6 <= o <= 0x1f1ff and ri % 2 == 1))
        ri = ri + 1 if 0x1f1e6 <= o <= 0x1f1ff else 0
        if not joins:
            n += 1
        prev = o
    return n


def check_facets(text, facets):
    """None when every facet covers the right bytes, else why not."""
    b = text.encode()
    if not isinstance(facets, list):
        return "facets must be an array"
    for i, f in enumerate(facets):
        try:
            s = f["index"]["byteStart"]
            e = f["index"]["byteEnd"]
            feats = f["features"]
        except (KeyError, TypeError):
            return "facet %d: index and features required" % i
        if not (isinstance(s, int) and isinstance(e, int) and
                0 <= s < e <= len(b)):
            return "facet %d: byte range %r..%r outside the text's %d " \
                   "bytes" % (i, s, e, len(b))
        try:
            covered = b[s:e].decode()
        except UnicodeDecodeError:
            return "facet %d: byte range %d..%d cuts a character" % (i, s, e)
        for ft in feats:
            if ft.get("$type") == TAG:
                tag = ft.get("tag")
                if not isinstance(tag, str) or not 1 <= len(tag) <= 64 or \
                        covered not in ("#" + tag, "\uff03" + tag):
                    return "facet %d: tag %r but the bytes %d..%d are " \
                           "%r" % (i, tag, s, e, covered)
                continue
            if ft.get("$type") != LINK:
                continue
            want = covered if re.match(r"(?i)https?://", covered) \
                else "https://" + covered
            if ft.get("uri") != want:
                return "facet %d: uri %r but the bytes %d..%d are %r" % (
                    i, ft.get("uri"), s, e, covered)
    return None


def check_embed(embed):
    """None when embed is absent or an external card, else why not."""
    if embed is None:
        return None
    ext = embed.get("external") if isinstance(embed, dict) else None
    if embed.get("$type") != EXTERNAL or not isinstance(ext, dict) or \
            not all(isinstance(ext.get(k), str)
                    for k in ("uri", "title", "description")) or \
            not re.match(r"https?://", ext["uri"]):
        return "Record/embed must be an %s with uri, title and " \
               "description" % EXTERNAL
    return None


class State(mocklib.State):
    ANSWERS = re.compile(r"^(ok|400|401|500|502|503|expired|drop|lost|"
                         r"kill:.+|429(:\d+)?|slow:\d+(\.\d+)?)$")

    def __init__(self, args):
        super().__init__(args, dict(requests=0, logins=0, refreshes=0,
                                    accepted=0, rejected=0, rkey_exists=0,
                                    rewritten=0, changed=0, expired=0))
        self.access = set()
        self.refresh = set()
        self.records = {}

    def new_session(self):
        a = "mock-access-" + secrets.token_hex(8)
        r = "mock-refresh-" + secrets.token_hex(8)
        self.access.add(a)
        self.refresh.add(r)
        return {"did": DID, "handle": self.args.handle, "accessJwt": a,
                "refreshJwt": r, "active": True}


class Handler(mocklib.Handler):
    name = "mock-bsky"
    server_version = "mock-bsky/1"

    def error(self, code, name, msg):
        if code == 400 and name == "InvalidRequest":
            self.warn(msg)
        return self.send(code, {"error": name, "message": msg})

    def bearer(self):
        a = self.headers.get("Authorization") or ""
        return a[7:] if a.startswith("Bearer ") else None

    def do_GET(self):
        st = self.server.state
        url = urlsplit(self.path)
        if self.mock_get(url.path):
            return None
        if url.path == "/xrpc/com.atproto.repo.getRecord":
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            with st.lock:
                rec = st.records.get((q.get("collection"), q.get("rkey")))
            if rec is None:
                return self.error(400, "RecordNotFound",
                                  "Could not locate record")
            return self.send(200, rec)
        return self.error(404, "MethodNotImplemented",
                          "Method Not Implemented")

    def do_POST(self):
        st = self.server.state
        path = urlsplit(self.path).path
        raw = self.read_body()
        if path == "/_mock/script":
            return self.mock_script(raw)
        if path in ("/_mock/expire", "/_mock/revoke"):
            with st.lock:
                st.access.clear()
                if path == "/_mock/revoke":
                    st.refresh.clear()
            return self.send(200, {})
        try:
            body = json.loads(raw.decode() or "{}")
        except ValueError:
            return self.error(400, "InvalidRequest", "bad JSON body")
        if path == "/xrpc/com.atproto.server.createSession":
            return self.create_session(body)
        if path == "/xrpc/com.atproto.server.refreshSession":
            with st.lock:
                tok = self.bearer()
                if tok not in st.refresh:
                    return self.error(400, "ExpiredToken",
                                      "Token has been revoked")
                st.refresh.discard(tok)
                st.stats["refreshes"] += 1
                return self.send(200, st.new_session())
        if path == "/xrpc/com.atproto.repo.createRecord":
            return self.write_record(body, False)
        if path == "/xrpc/com.atproto.repo.putRecord":
            return self.write_record(body, True)
        self.error(404, "MethodNotImplemented", "Method Not Implemented")

    def create_session(self, body):
        st = self.server.state
        with st.lock:
            if st.stats["logins"] >= st.args.max_logins:
                return self.error(429, "RateLimitExceeded",
                                  "Rate Limit Exceeded")
            if body.get("identifier") not in (st.args.handle, DID) or \
                    body.get("password") != st.args.password:
                return self.error(401, "AuthenticationRequired",
                                  "Invalid identifier or password")
            st.stats["logins"] += 1
            return self.send(200, st.new_session())

    def write_record(self, body, put):
        st = self.server.state
        ans = self.scripted()
        if ans is None:
            return None
        with st.lock:
            tok = self.bearer()
            if ans == "expired" or (tok is not None and
                                    tok.startswith("mock-access-") and
                                    tok not in st.access):
                st.stats["expired"] += 1
                return self.error(400, "ExpiredToken", "Token has expired")
            if tok not in st.access or ans == "401":
                return self.error(401, "AuthenticationRequired",
                                  "Invalid token")
        if ans.startswith("429"):
            s = int(ans[4:] or 2)
            return self.send(429, {"error": "RateLimitExceeded",
                                   "message": "Rate Limit Exceeded"},
                             [("ratelimit-limit", "5000"),
                              ("ratelimit-remaining", "0"),
                              ("ratelimit-reset", str(int(time.time()) + s))])
        if ans in ("500", "502", "503"):
            return self.error(int(ans), "InternalServerError",
                              "Internal Server Error")
        if ans == "400":
            return self.error(400, "InvalidRequest", "scripted 400")
        rec = body.get("record")
        if body.get("repo") not in (st.args.handle, DID) or \
                body.get("collection") != "app.bsky.feed.post" or \
                not isinstance(rec, dict) or \
                rec.get("$type") != "app.bsky.feed.post" or \
                not isinstance(rec.get("text"), str) or \
                not isinstance(rec.get("createdAt"), str):
            return self.reject("Input/record must be an app.bsky.feed.post "
                               "of this repo with text and createdAt")
        text = rec["text"]
        if graphemes(text) > 300 or len(text.encode()) > 3000:
            return self.reject("Record/text must not be longer than 300 "
                               "graphemes")
        why = check_facets(text, rec.get("facets", [])) or \
            check_embed(rec.get("embed"))
        if why is not None:
            return self.reject(why)
        rkey = body.get("rkey")
        if (rkey is not None or put) and not TID_RE.match(rkey or ""):
            return self.reject("Input/rkey must be a valid TID")
        uri = cid = None
        with st.lock:
            if rkey is None:
                rkey = "3" + secrets.token_hex(6)[:12].translate(
                    str.maketrans("0189", "2345"))
            key = ("app.bsky.feed.post", rkey)
            cid = "bafyrei" + hashlib.sha256(
                json.dumps(rec, sort_keys=True).encode()).hexdigest()[:40]
            uri = "at://%s/app.bsky.feed.post/%s" % (DID, rkey)
            old = st.records.get(key)
            if old is not None and not put:
                st.stats["rkey_exists"] += 1
                if st.args.exists_error:
                    return self.error(400, st.args.exists_error,
                                      "Record already exists")
                return self.error(500, "InternalServerError",
                                  "Internal Server Error")
            st.records[key] = {"uri": uri, "cid": cid, "value": rec}
            if old is not None:
                st.stats["rewritten" if old["cid"] == cid else "changed"] += 1
            else:
                st.add_post({"rkey": rkey, "text": text,
                             "facets": rec.get("facets"),
                             "langs": rec.get("langs"),
                             "embed": rec.get("embed"),
                             "createdAt": rec["createdAt"]})
        if ans.startswith("kill:"):
            while not os.path.exists(ans[5:]):
                time.sleep(0.05)
            ans = "lost"
        if ans == "lost":
            return self.drop()
        self.send(200, {"uri": uri, "cid": cid})

    def reject(self, why):
        with self.server.state.lock:
            self.server.state.stats["rejected"] += 1
        return self.error(400, "InvalidRequest", why)


def main():
    ap = mocklib.arguments(__doc__)
    ap.add_argument("--handle", default="mock.bsky.example")
    ap.add_argument("--password", default="mock-app-password")
    ap.add_argument("--max-logins", type=int, default=30)
    ap.add_argument("--exists-error")
    mocklib.serve(ap, State, Handler)


if __name__ == "__main__":
    main()
