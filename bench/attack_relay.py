#!/usr/bin/env python3
"""One attack on a relay, for bench/run-attack-bench.sh: runs until killed (or SECONDS), from
loopback source addresses 127.0.0.2 and up (a relay started with --limit-loopback treats each as
a remote address), then prints what it achieved as "key value" pairs on one line.

Usage: attack_relay.py ATTACK PORT SECONDS

The attacks (issue numbers of the relay's hardening, docs/RELAY.md):
  churn       1/6  members joining and leaving fresh, unlisted rooms as fast as they can, each
                   saying one short spurt (with --record, a telemetry log and a spurt file each)
  pipeline    2    50 sockets each sending 8,000 pipelined GET /healthz and never reading
  pending     3    upgraded sockets that never say hello, up to 8,206, from one address
  flood       4    20 members of one address sending audio and chat as fast as they can,
                   reconnecting whenever closed
  stall       5    5 members of a busy room that stop reading
  violations  7    members breaking RFC 6455 after hello (reserved bits, unmasked frames,
                   stray continuations, interleaved messages, bad UTF-8), reconnecting

Raw sockets and asyncio, so that the load is what the relay sees, not a library's politeness.
"""
import asyncio
import base64
import json
import os
import random
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def ws_frame(opcode, payload, mask=True, fin=True, rsv=0):
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def hello(name, listen=False):
    return ws_frame(1, json.dumps({"t": "hello", "v": 1, "name": name, "agent": "attack", "listen": listen}).encode())


def text(obj):
    return ws_frame(1, json.dumps(obj).encode())


def audio(seq, flags, size=80):
    return ws_frame(2, struct.pack(">BIHB", 1, 1, seq & 0xFFFF, flags) + b"\xf8" + os.urandom(size - 1))


async def connect(port, src, path, timeout=5.0, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((src, 0))
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.sock_connect(sock, (HOST, port)), timeout)
    r, w = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    w.write((f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ptt.v1\r\n\r\n").encode())
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), timeout)
    status = head.split(b"\r\n")[0]
    if b" 101" not in status:
        w.close()
        raise ConnectionError(status.decode(errors="replace"))
    return r, w


async def read_frame(r, timeout=5.0):
    """One frame from the relay: (opcode, payload)."""
    b = await asyncio.wait_for(r.readexactly(2), timeout)
    n = b[1] & 0x7F
    if n == 126:
        n = struct.unpack(">H", await r.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", await r.readexactly(8))[0]
    return b[0] & 0x0F, await r.readexactly(n)


async def welcome(r):
    while True:
        op, data = await read_frame(r)
        if op == 8:
            raise ConnectionError("closed")
        if op == 1 and b'"welcome"' in data:
            return


class Tally:
    def __init__(self):
        self.counts = {}

    def add(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    def line(self):
        return " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))


def source(i):
    return f"127.0.0.{2 + i % 250}"


async def churn(port, tally, deadline):
    async def worker(k):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                r, w = await connect(port, source(k), f"/c{k}x{n}x{random.getrandbits(32)}")
                w.write(hello(f"c{k}"))
                await welcome(r)
                w.write(text({"t": "talk", "on": True}) + audio(n, 3) + text({"t": "talk", "on": False}))
                await w.drain()
                w.close()
                tally.add("rooms_joined")
            except Exception:
                tally.add("refused")
                await asyncio.sleep(0.01)
    await asyncio.gather(*(worker(k) for k in range(40)))


async def pipeline(port, tally, deadline):
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    held = []

    async def one(k):
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((source(0), 0))
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (HOST, port))
            r, w = await asyncio.open_connection(sock=sock)
            held.append(w)
            for _ in range(80):
                w.write(request * 100)
                await asyncio.wait_for(w.drain(), 2)
                tally.add("requests_written", 100)
        except Exception:
            tally.add("sockets_cut")
    await asyncio.gather(*(one(k) for k in range(50)))
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def pending(port, tally, deadline):
    held = []
    while time.monotonic() < deadline and len(held) < 8206:
        try:
            r, w = await connect(port, source(0), "/pending", timeout=2)
            held.append(w)
            tally.add("upgraded")
        except Exception:
            tally.add("refused")
            await asyncio.sleep(0.05)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def flood(port, tally, deadline):
    frames = [audio(i, 0) for i in range(64)]
    chat = text({"t": "chat", "text": "flood"})

    async def worker(k):
        while time.monotonic() < deadline:
            try:
                r, w = await connect(port, source(0), "/flood")
                w.write(hello(f"f{k}"))
                await welcome(r)
                w.write(text({"t": "talk", "on": True}))
                sent = 0
                while time.monotonic() < deadline and not r.at_eof():
                    w.write(b"".join(frames) + chat)
                    await asyncio.wait_for(w.drain(), 1)
                    sent += 64
                    tally.add("frames_sent", 64)
                    tally.add("chats_sent")
                    await asyncio.sleep(0.005)
                w.close()
            except Exception:
                tally.add("closed_or_refused")
                await asyncio.sleep(0.02)

    async def listener():
        # What reached a member of the flooded room, per second (from 127.0.0.1, its own address).
        got = 0
        start = time.monotonic()
        try:
            r, w = await connect(port, HOST, "/flood")
            w.write(hello("flood-listener", listen=True))
            while time.monotonic() < deadline:
                op, _ = await read_frame(r, timeout=max(0.1, deadline - time.monotonic()))
                if op == 2:
                    got += 1
        except Exception:
            pass
        tally.counts["frames_per_s_reaching_a_listener"] = int(got / max(time.monotonic() - start, 0.1))
    await asyncio.gather(listener(), *(worker(k) for k in range(20)))


async def stall(port, tally, deadline):
    held = []
    for k in range(5):
        r, w = await connect(port, source(k), "/stall", rcvbuf=4096)
        w.write(hello(f"sleeper{k}", listen=True))
        held.append((r, w))
    r, w = await connect(port, source(9), "/stall")
    w.write(hello("talker"))
    await welcome(r)
    w.write(text({"t": "talk", "on": True}))
    seq = 0
    t = time.monotonic()
    while time.monotonic() < deadline:
        w.write(audio(seq, 1 if seq == 0 else 0, size=1000))
        seq += 1
        tally.add("frames_sent")
        t += 0.02
        await asyncio.sleep(max(0, t - time.monotonic()))
        try:
            while True:
                await asyncio.wait_for(r.read(65536), 0.0001)
        except Exception:
            pass
    # What waited for the sleepers when they woke: audio frames (stale by then) and closes.
    for sr, _ in held:
        frames = closed = 0
        try:
            while True:
                op, _ = await read_frame(sr, timeout=0.5)
                if op == 2:
                    frames += 1
                elif op == 8:
                    closed += 1
                    break
        except Exception:
            pass
        tally.add("frames_waiting_for_a_sleeper", frames // len(held))
        tally.add("sleepers_closed", closed)


BAD = [
    lambda: ws_frame(2, b"\x01\x00\x00\x00\x01\x00\x01\x01\xf8", rsv=4),          # a reserved bit
    lambda: ws_frame(2, b"\x01\x00\x00\x00\x01\x00\x01\x01\xf8", mask=False),      # unmasked
    lambda: ws_frame(0, b"stray"),                                                 # a stray continuation
    lambda: ws_frame(1, b'{"t":"ch', fin=False) + ws_frame(2, b"\x01\x00\x00\x00\x01\x00\x01\x01\xf8"),  # interleaved
    lambda: ws_frame(1, b'{"t":"chat","text":"\xff\xfe"}'),                        # invalid UTF-8
]


async def violations(port, tally, deadline):
    async def worker(k):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                r, w = await connect(port, source(k), "/rude")
                w.write(hello(f"r{k}"))
                await welcome(r)
                w.write(BAD[n % len(BAD)]())
                while True:
                    op, data = await read_frame(r, timeout=2)
                    if op == 8:
                        code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 0
                        tally.add(f"closed_{code}")
                        break
                w.close()
            except Exception:
                tally.add("errors")
                await asyncio.sleep(0.01)
    await asyncio.gather(*(worker(k) for k in range(10)))


ATTACKS = {"churn": churn, "pipeline": pipeline, "pending": pending, "flood": flood, "stall": stall, "violations": violations}


async def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ATTACKS:
        sys.exit(f"usage: attack_relay.py {{{'|'.join(ATTACKS)}}} PORT SECONDS")
    port, seconds = int(sys.argv[2]), float(sys.argv[3])
    tally = Tally()
    task = asyncio.ensure_future(ATTACKS[sys.argv[1]](port, tally, time.monotonic() + seconds))
    try:
        await asyncio.wait_for(task, seconds + 15)
    except (asyncio.TimeoutError, Exception) as e:
        tally.add("ended_early:" + type(e).__name__)
    print(tally.line() or "nothing", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
