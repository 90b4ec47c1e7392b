#!/usr/bin/env python3
"""One request to the milter's admin socket, as any local user could try it.

Usage: admin-request.py SOCKET LINE
Prints the answer lines, or "REFUSED <error>" when the socket cannot be connected to.
The interop tests run it through setpriv as an unprivileged user.
"""
import socket
import sys

path, line = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(5)
try:
    sock.connect(path)
except OSError as error:
    print(f"REFUSED {error.strerror}")
    raise SystemExit(0)
try:
    sock.sendall(line.encode() + b"\n")
except (BrokenPipeError, ConnectionResetError):
    pass  # the milter answered and closed before the request went out (a refused peer): read what it said
answer = b""
try:
    while not (answer.endswith(b"OK\n") or b"ERR" in answer):
        data = sock.recv(4096)
        if not data:
            break
        answer += data
except OSError as error:
    answer += f"(closed: {error.strerror})".encode()
print(answer.decode(errors="replace").strip() or "CLOSED")
