#!/usr/bin/env python3
"""slow.py: slow senders against a webhook listener, and real deliveries
timed meanwhile (stdlib only; 127.0.0.1 only).

Usage: slow.py PORT KEY SLOW SECONDS DELIVERIES [hold|reconnect]

Opens SLOW connections from 127.0.0.1 to 127.0.0.1:PORT and keeps them for
SECONDS seconds, each sending one byte of a request (with a wrong key) per
second from its first byte on; with "reconnect" (the default), a new one
is opened whenever the server closes one, with "hold" not.  After 3 seconds, makes DELIVERIES real deliveries (the right key, a
payload with a tag of its own), one a second, from 127.0.0.2: another
source address, as Docker Hub is.  Prints the latency of each delivery
(connect to the answer read in full) and a summary line:
  "deliveries N answered M within2s W p50_ms P max_ms X slow_opened O
   answers {status: count}"
"""
import json
import os
import selectors
import socket
import sys
import threading
import time

SLOW_REQ = (b"POST /dockerhub?key=wrong HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 2\r\n\r\n{}")


def main():
    port, key = int(sys.argv[1]), sys.argv[2]
    nslow, secs, ndel = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    reconnect = len(sys.argv) < 7 or sys.argv[6] != "hold"
    end = time.monotonic() + secs
    sel = selectors.DefaultSelector()
    stats = {"opened": 0, "answers": {}}
    conns = {}

    def open_one():
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        conns[s] = [0, b""]
        sel.register(s, selectors.EVENT_READ)
        stats["opened"] += 1

    def close_one(s):
        sel.unregister(s)
        head = conns.pop(s)[1]
        st = head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/") \
            else "closed"
        stats["answers"][st] = stats["answers"].get(st, 0) + 1
        s.close()

    lat = []

    def deliveries():
        time.sleep(3)
        for i in range(ndel):
            body = json.dumps({
                "push_data": {"tag": "slow-%d-%d" % (os.getpid(), i),
                              "pushed_at": 1700000000 + i},
                "repository": {"repo_name": "alice/app"}}).encode()
            req = (b"POST /dockerhub?key=%s HTTP/1.1\r\nHost: x\r\n"
                   b"Content-Length: %d\r\n\r\n" % (key.encode(), len(body))
                   + body)
            t0 = time.monotonic()
            ans = b""
            try:
                c = socket.socket()
                c.bind(("127.0.0.2", 0))
                c.settimeout(30)
                c.connect(("127.0.0.1", port))
                c.sendall(req)
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    ans += b
                c.close()
            except OSError as e:
                ans = str(e).encode()
            ms = (time.monotonic() - t0) * 1000
            ok = ans.startswith(b"HTTP/1.1 200 ")
            lat.append((ms, ok))
            print("delivery %d: %.0f ms %s" % (i, ms, ans.split(b"\r\n")[0]
                                                .decode(errors="replace")),
                  flush=True)
            time.sleep(max(0.0, 1 - ms / 1000))

    t = threading.Thread(target=deliveries)
    t.start()
    for _ in range(nslow):
        open_one()
    tick = time.monotonic()
    while time.monotonic() < end:
        for k, _ in sel.select(timeout=0.1):
            s = k.fileobj
            try:
                b = s.recv(65536)
            except OSError:
                b = b""
            if b:
                conns[s][1] += b
            else:
                close_one(s)
                if reconnect and time.monotonic() < end:
                    open_one()
        if time.monotonic() - tick >= 1:
            tick = time.monotonic()
            for s, st in list(conns.items()):
                if st[0] < len(SLOW_REQ):
                    try:
                        s.send(SLOW_REQ[st[0]:st[0] + 1])
                        st[0] += 1
                    except OSError:
                        pass
    for s in list(conns):
        close_one(s)
    t.join()
    ms = sorted(m for m, _ in lat)
    print("deliveries %d answered %d within2s %d p50_ms %.0f max_ms %.0f "
          "slow_opened %d answers %s" % (
              len(lat), sum(1 for _, ok in lat if ok),
              sum(1 for m, ok in lat if ok and m <= 2000),
              ms[len(ms) // 2] if ms else 0, ms[-1] if ms else 0,
              stats["opened"], json.dumps(stats["answers"], sort_keys=True)))


main()
