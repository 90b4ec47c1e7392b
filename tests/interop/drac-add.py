#!/usr/bin/env python3
"""DRACPROC_ADD calls as dracauth() sends them (ONC RPC over UDP, program 900101 version 1, AUTH_NONE).

Usage: drac-add.py HOST PORT CLIENT [--count N] [--from ADDR] [--reserved]
  CLIENT   the first address to lease; with --count N, N consecutive addresses from it
  --from   the source address (default 127.0.0.1)
  --reserved  send from a free port below 1024, as glibc's clntudp_create does for root (bindresvport)
Prints one line: "ADD_SUCCESS n ADD_PERM n ADD_SYSERR n OTHER n NOREPLY n".
The interop tests run it as root and, through setpriv, as an unprivileged user.
"""
import argparse
import ipaddress
import socket
import struct

parser = argparse.ArgumentParser()
parser.add_argument("host")
parser.add_argument("port", type=int)
parser.add_argument("client")
parser.add_argument("--count", type=int, default=1)
parser.add_argument("--from", dest="source", default="127.0.0.1")
parser.add_argument("--reserved", action="store_true")
args = parser.parse_args()

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if args.reserved:
    for port in range(1023, 599, -1):
        try:
            sock.bind((args.source, port))
            break
        except OSError:
            continue
    else:
        raise SystemExit("no free reserved port")
else:
    sock.bind((args.source, 0))
sock.settimeout(2)

names = {0: "ADD_SUCCESS", 1: "ADD_PERM", 2: "ADD_SYSERR"}
counts = {"ADD_SUCCESS": 0, "ADD_PERM": 0, "ADD_SYSERR": 0, "OTHER": 0, "NOREPLY": 0}
first = ipaddress.IPv4Address(args.client)
for i in range(args.count):
    xid = 0x5000 + i
    # xid, CALL, rpcvers 2, program, version, procedure, cred AUTH_NONE (0, 0), verf AUTH_NONE (0, 0), ip_addr
    call = struct.pack(">10I", xid, 0, 2, 900101, 1, 1, 0, 0, 0, 0) + (first + i).packed
    sock.sendto(call, (args.host, args.port))
    try:
        while True:
            reply, _ = sock.recvfrom(512)
            if len(reply) >= 4 and struct.unpack(">I", reply[:4])[0] == xid:
                break
    except socket.timeout:
        counts["NOREPLY"] += 1
        continue
    words = struct.unpack(">%dI" % (len(reply) // 4), reply[: len(reply) // 4 * 4])
    ok = len(words) == 7 and words[1] == 1 and words[2] == 0 and words[5] == 0
    counts[names.get(words[6], "OTHER") if ok else "OTHER"] += 1

print(" ".join(f"{k} {v}" for k, v in counts.items()))
