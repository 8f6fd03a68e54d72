#!/usr/bin/env python3
"""tests/http-client.py — a raw HTTP client for the webhook tests.

  http-client.py PORT REQUEST-FILE [PAUSE-AFTER SECONDS]
      send the file's bytes to 127.0.0.1:PORT (with PAUSE-AFTER: that many
      bytes, then wait SECONDS before the rest, as a slow client does), read
      the answer until the server closes, and print it.
  http-client.py PORT REQUEST-FILE trickle SECONDS [FIRST]
      send one byte every SECONDS (a client slower than the deadline);
      with FIRST, the first FIRST bytes at once.
  http-client.py PORT REQUEST-FILE halfclose
      send the file, then close the sending side (a request cut short).
  http-client.py check < RESPONSE
      exit 0 if RESPONSE is one complete HTTP/1.1 response with a
      Content-Length that matches its body and "Connection: close"; else
      print why and exit 1.
"""
import select
import socket
import sys
import time


def check(raw):
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return "no end of header block"
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 ") or len(lines[0].split()) < 3:
        return "bad status line %r" % lines[0]
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        hdrs[k.strip().lower()] = v.strip()
    if hdrs.get(b"connection", b"").lower() != b"close":
        return "no Connection: close"
    if b"content-length" not in hdrs:
        return "no Content-Length"
    if int(hdrs[b"content-length"]) != len(body):
        return "Content-Length %s but %d body bytes" % (hdrs[b"content-length"], len(body))
    return None


def main():
    if sys.argv[1] == "check":
        why = check(sys.stdin.buffer.read())
        if why:
            print(why)
            sys.exit(1)
        return
    port, data = int(sys.argv[1]), open(sys.argv[2], "rb").read()
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.settimeout(30)
    try:
        if len(sys.argv) > 3 and sys.argv[3] == "halfclose":
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            data = b""
        elif len(sys.argv) > 3 and sys.argv[3] == "trickle":
            first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
            s.sendall(data[:first])
            for i in range(first, len(data)):
                s.sendall(data[i:i + 1])
                # Stop once the server answers.
                if select.select([s], [], [], float(sys.argv[4]))[0]:
                    break
            data = b""
        elif len(sys.argv) > 3:
            n = int(sys.argv[3])
            s.sendall(data[:n])
            time.sleep(float(sys.argv[4]))
            data = data[n:]
        s.sendall(data)
    except OSError:
        pass    # the server may answer and close before all is sent
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            out += b"<reset>"
            break
        if not b:
            break
        out += b
    sys.stdout.buffer.write(out)


main()
