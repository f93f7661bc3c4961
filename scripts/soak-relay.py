#!/usr/bin/env python3
"""Fault-injecting TCP relay for the soak test (scripts/soak.py).

usage: soak-relay.py SEED FAULTLOG NAME=LISTEN_HOST:PORT>TARGET_HOST:PORT/GARBLE ...

Hosts are IPv4 or bracketed IPv6 ([fd00::1]). Each accepted connection is
joined to a new connection to the target and gets its own random generator,
seeded from (SEED, relay name, connection number), so a run's fault choices
are reproducible. Every few seconds a connection suffers one fault:

  stall   forward nothing either way for 0.5-4 s (longer than the heartbeat
          timeout sometimes, so heartbeats drop the connection)
  drip    forward one byte at a time, 2-20 ms apart, for 1-4 s
  cut     forward part of the next chunk (mid-frame), then close both sides
  reset   the same, but close with SO_LINGER 0 (RST)
  garble  flip one byte of the next chunk (GARBLE=1 only: a CURVE link,
          where a bad box must cost the connection; a NULL link has no
          checksum, ZMTP would deliver the garbled body)

Each fault is appended to FAULTLOG ("relay conn kind"). SIGUSR1 stops new
faults and ends stalls and drips (the soak's settling phase).
"""
import asyncio
import random
import signal
import socket
import struct
import sys

calm = False


def split_hostport(s):
    if s.startswith("["):
        host, rest = s[1:].split("]:", 1)
        return host, int(rest)
    host, port = s.rsplit(":", 1)
    return host, int(port)


class Conn:
    def __init__(self, relay, n, seed, garble, log):
        self.name = f"{relay}#{n}"
        self.rng = random.Random(f"{seed}:{relay}:{n}")
        self.garble = garble
        self.log = log
        self.mode = None      # None, "stall", "drip"
        self.until = 0.0
        self.pending = None   # "cut", "reset", "garble": applied to the next chunk
        self.writers = []
        self.closed = False

    def note(self, kind):
        self.log.write(f"{self.name} {kind}\n")
        self.log.flush()

    def close(self, rst):
        if self.closed:
            return
        self.closed = True
        for w in self.writers:
            try:
                if rst:
                    w.get_extra_info("socket").setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    w.transport.abort()
                else:
                    w.close()
            except OSError:
                pass

    async def chaos(self):
        loop = asyncio.get_running_loop()
        while not self.closed:
            await asyncio.sleep(self.rng.uniform(2.0, 8.0))
            if calm or self.closed:
                continue
            kinds = ["stall", "drip", "cut", "reset"] + (["garble"] if self.garble else [])
            kind = self.rng.choice(kinds)
            self.note(kind)
            if kind == "stall":
                self.mode, self.until = "stall", loop.time() + self.rng.uniform(0.5, 4.0)
            elif kind == "drip":
                self.mode, self.until = "drip", loop.time() + self.rng.uniform(1.0, 4.0)
            else:
                self.pending = kind

    async def pump(self, reader, writer):
        loop = asyncio.get_running_loop()
        try:
            while not self.closed:
                data = await reader.read(65536)
                if not data:
                    break
                while self.mode == "stall" and not calm and loop.time() < self.until:
                    await asyncio.sleep(0.05)
                if self.pending in ("cut", "reset"):
                    kind, self.pending = self.pending, None
                    writer.write(data[: self.rng.randrange(len(data))])
                    await writer.drain()
                    self.close(kind == "reset")
                    return
                if self.pending == "garble":
                    self.pending = None
                    i = self.rng.randrange(len(data))
                    data = data[:i] + bytes([data[i] ^ self.rng.randrange(1, 256)]) + data[i + 1:]
                if self.mode == "drip" and not calm and loop.time() < self.until:
                    for i in range(len(data)):
                        writer.write(data[i:i + 1])
                        await writer.drain()
                        await asyncio.sleep(self.rng.uniform(0.002, 0.02))
                        if self.closed:
                            return
                else:
                    self.mode = None
                    writer.write(data)
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        self.close(False)


async def serve(spec, seed, log):
    name, rest = spec.split("=", 1)
    addrs, garble = rest.rsplit("/", 1)
    garble = garble == "1"
    listen, target = addrs.split(">")
    lhost, lport = split_hostport(listen)
    thost, tport = split_hostport(target)
    count = 0

    async def handle(cr, cw):
        nonlocal count
        count += 1
        conn = Conn(name, count, seed, garble, log)
        try:
            tr, tw = await asyncio.open_connection(thost, tport)
        except OSError:
            cw.close()
            return
        conn.writers = [cw, tw]
        tasks = [asyncio.create_task(conn.pump(cr, tw)), asyncio.create_task(conn.pump(tr, cw)),
                 asyncio.create_task(conn.chaos())]
        await asyncio.wait(tasks[:2], return_when=asyncio.FIRST_COMPLETED)
        conn.close(False)
        for t in tasks:
            t.cancel()

    server = await asyncio.start_server(handle, lhost, lport, reuse_address=True)
    await server.serve_forever()


def main():
    seed, logpath, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    log = open(logpath, "a")

    def calm_down(*_):
        global calm
        calm = True

    signal.signal(signal.SIGUSR1, calm_down)

    async def run():
        await asyncio.gather(*(serve(s, seed, log) for s in specs))

    asyncio.run(run())


if __name__ == "__main__":
    main()
