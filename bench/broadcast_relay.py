#!/usr/bin/env python3
"""A plain broadcast relay on the Python `websockets` library: the comparison peer for
`make bench-relay`. It groups connections by URL path and forwards every message to the
other connections on the same path, the way many small voice relays are written. It knows
nothing of the ptt protocol (a "plain forwarder", PROTOCOL.md section 6).

    python3 bench/broadcast_relay.py 127.0.0.1 0    # prints "listening on ws://127.0.0.1:PORT"
"""
import asyncio
import signal
import sys

from websockets.asyncio.server import broadcast, serve

rooms = {}


async def handler(ws):
    path = ws.request.path.split("?", 1)[0]
    room = rooms.setdefault(path, set())
    room.add(ws)
    try:
        async for message in ws:
            # broadcast() writes without waiting: a slow peer does not hold up the others.
            broadcast([peer for peer in room if peer is not ws], message)
    finally:
        room.discard(ws)
        if not room:
            rooms.pop(path, None)


async def main(host, port):
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handler, host, port, compression=None, max_size=65536) as server:
        bound = server.sockets[0].getsockname()
        print(f"listening on ws://{bound[0]}:{bound[1]}", flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 0))
