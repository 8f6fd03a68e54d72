#!/usr/bin/env python3
"""load.py: a webhook load generator for make bench (stdlib only).

Usage: load.py PORT KEY PAYLOAD N CONCURRENCY

Sends N Docker Hub deliveries to 127.0.0.1:PORT/dockerhub?key=KEY, each a
new connection, CONCURRENCY at a time.  Each delivery is PAYLOAD (a JSON
file) with its own tag (bench-<run>-<i>), so each makes a different post.
Prints one line: "sent ok p50_ms p99_ms seconds", where ok counts the
answers 200 with "accepted" and the latencies are from connect to the
answer read in full (dh-parse answers, then the post is made).
"""
import json
import os
import socket
import sys
import threading
import time


def main():
    port, key, payload, n, conc = sys.argv[1:6]
    port, n, conc = int(port), int(n), int(conc)
    with open(payload, encoding="utf-8") as f:
        base = json.load(f)
    run = "%d%d" % (os.getpid(), int(time.time()) % 100000)
    bodies = []
    for i in range(n):
        base["push_data"]["tag"] = "bench-%s-%d" % (run, i)
        bodies.append(json.dumps(base).encode())
    lat = [0.0] * n
    ok = [False] * n
    nxt = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                return
            body = bodies[i]
            req = (b"POST /dockerhub?key=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % (key.encode(), len(body))
                   + body)
            t0 = time.monotonic()
            try:
                s = socket.create_connection(("127.0.0.1", port), 30)
                s.sendall(req)
                ans = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    ans += b
                s.close()
            except OSError as e:
                print("load.py: %s" % e, file=sys.stderr)
                ans = b""
            lat[i] = (time.monotonic() - t0) * 1000
            ok[i] = ans.startswith(b"HTTP/1.1 200") and b"accepted" in ans

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.monotonic() - t0
    s = sorted(lat)
    p = lambda q: s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]
    print("%d %d %.2f %.2f %.3f" % (n, sum(ok), p(0.5), p(0.99), secs))


if __name__ == "__main__":
    main()
