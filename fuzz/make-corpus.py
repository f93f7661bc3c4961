#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target into fuzz/corpus/<target>/:
a few small, well-formed (and a few nearly well-formed) inputs per target,
so a short run starts past the first length checks. Deterministic; the
files are committed. Run from anywhere: fuzz/make-corpus.py"""
import hashlib
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def greeting(mech=b"NULL", minor=1, server=0):
    g = bytes([0xFF] + [0] * 7 + [1, 0x7F, 3, minor]) + mech.ljust(20, b"\0")
    return g + bytes([server]) + bytes(31)


def frame(body, more=False, command=False):
    flags = (1 if more else 0) | (4 if command else 0)
    if len(body) > 255:
        return bytes([flags | 2]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def prop(name, value):
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def command(name, data=b""):
    return frame(bytes([len(name)]) + name + data, command=True)


READY_DEALER = command(b"READY", prop(b"Socket-Type", b"DEALER") + prop(b"Identity", b""))
READY_ROUTER = command(b"READY", prop(b"Socket-Type", b"ROUTER"))
V1_IDENTITY = b"\x01\x00"  # unversioned ZMTP 1.0: an empty identity frame
V2_SIGNATURE = bytes([0xFF] + [0] * 7 + [1, 0x7F, 1, 5])  # ZMTP 2.0, DEALER

SEEDS = {
    # byte 0: socket type, 1: chunk/options, 2: prefix (0 none, 1/2 greeting,
    # 3 greeting + READY); then the peer's bytes.
    "zmtp_connection": [
        b"\x05\x3f\x00" + greeting() + READY_DEALER + frame(b"hello"),
        b"\x05\x3f\x03" + frame(b"part", more=True) + frame(b"end"),
        b"\x05\x3f\x03" + command(b"PING", b"\x00\x0actx") + command(b"PONG"),
        b"\x05\x01\x00" + V1_IDENTITY + b"\x06\x00hello",
        b"\x05\x3f\x00" + V2_SIGNATURE + b"\x00\x00\x00\x05hello",
        b"\x05\x7f\x03" + bytes([2]) + struct.pack(">Q", 1 << 62),
        b"\x0e\x3f\x03" + command(b"JOIN", b"weather") + frame(b"grp", more=True) + frame(b"x"),
    ],
    # The undamaged cases of each mechanism, ZAP 200 (see harness.rs).
    "mechanism_handshake": [bytes([sel, 63, 1]) + bytes(60) for sel in range(3)]
    + [bytes([sel | 0x08, 7, 3]) + bytes(range(40)) for sel in range(3)],
    # byte 0: mechanism and role, byte 1: chunk; the peer's raw bytes.
    "greeting": [
        b"\x02\x3f" + greeting(),
        b"\x02\x3f" + greeting(minor=0),
        b"\x08\x3f" + greeting(b"PLAIN"),
        b"\x09\x3f" + greeting(b"CURVE", server=0),
        b"\x01\x3f" + greeting(b"CURVE", server=1),
        b"\x02\x3f" + V2_SIGNATURE + bytes(2),
        b"\x02\x3f" + V1_IDENTITY,
        b"\x02\x3fGET / HTTP/1.1\r\n\r\n",
    ],
    "mechanism_raw": [
        b"\x0a\x3f" + READY_DEALER + frame(b"msg"),
        b"\x02\x3f" + READY_ROUTER + command(b"ERROR", b"\x05nope!"),
        b"\x08\x3f" + command(b"HELLO", b"\x05admin\x06secret"),
        b"\x00\x3f" + command(b"WELCOME") + command(b"READY", prop(b"Socket-Type", b"ROUTER")),
        b"\x08\x3f" + command(b"INITIATE", prop(b"Socket-Type", b"DEALER")),
        b"\x09\x3f" + command(b"HELLO", b"\x01\x00" + bytes(72) + bytes(8) + bytes(8) + bytes(80)),
        b"\x01\x3f" + command(b"WELCOME", bytes(16) + bytes(144)),
        b"\x09\x3f" + command(b"INITIATE", bytes(96) + bytes(8) + bytes(300)),
        b"\x01\x3f" + command(b"MESSAGE", bytes(8) + bytes(40)),
    ],
    # byte 0: framing (bit 0: 1 = ZMTP 2/3), maxmsgsize, batch; 1: chunk.
    "frame_decoder": [
        b"\x01\x10" + frame(b"hi") + frame(b"x" * 300, more=True) + frame(b"", command=True),
        b"\x03\x00" + frame(b"a" * 5000),
        b"\x0d\x01" + bytes([2]) + struct.pack(">Q", 1 << 62),
        b"\x01\x40" + bytes([2]) + struct.pack(">Q", 1 << 63) + b"zz",
        b"\x00\x10" + b"\x06\x00hello" + b"\xff" + struct.pack(">Q", 3) + b"\x01ab",
        b"\x00\x04" + b"\xff" + struct.pack(">Q", 1 << 62),
        b"\x04\x02" + b"\x00" + b"\x01\x01" * 8,
    ],
    # byte 0: local socket type; the rest a command body (or ZAP frames).
    "command_metadata": [
        b"\x05\x05READY" + prop(b"Socket-Type", b"ROUTER") + prop(b"Identity", b"id"),
        b"\x06\x05READY" + prop(b"Socket-Type", b"DEALER") + prop(b"X-Big", b"v" * 64),
        b"\x00\x05READY\x0bSocket-Type\xff\xff\xff\xffPAIR",
        b"\x00\x04PING\x00\x0a0123456789abcdefXYZ",
        b"\x00\x04JOINweather",
        b"\x00\x05LEAVEweather",
        b"\x00\x011.0\x011\x01200\x01OK\x01user\x01" + prop(b"X", b"y") + b"\x00",
        b"\x00grp\x01body\x00",
    ],
    "udp_datagram": [
        b"\x07weatherrain",
        b"\x00body",
        b"\xffshort",
        b"127.0.0.1:5555\x00",
        b"[::1]:80",
        b"10.0.0.1: +7x",
    ],
    "z85_decode": [
        b"HelloWorld",
        b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
        b"%nSc0",
        b"abc",
        b"#####",
    ],
    # key (32), nonce (24), counter (8, LE), offset, damage, message: empty,
    # one byte, one block, the 4- and 8-block kernels' edges, and a
    # counter about to carry from word 8 into word 9.
    "salsa20_simd": [
        bytes(range(32)) + bytes(24) + bytes(8) + b"\x00\x00",
        bytes(range(32)) + bytes(range(24)) + bytes(8) + b"\x01\x05" + b"x",
        b"\x80" + bytes(31) + bytes(24) + bytes(8) + b"\x03\x90" + bytes(64),
        bytes(range(1, 33)) + bytes(range(100, 124)) + struct.pack("<Q", 2**32 - 3)
        + b"\x07\x21" + bytes(range(256)) + bytes(1),
        bytes(range(7, 39)) + bytes(range(50, 74)) + struct.pack("<Q", 5)
        + b"\x3f\xff" + bytes(range(256)) * 2 + b"tail",
        bytes(32) + bytes(24) + struct.pack("<Q", 2**32 - 9) + b"\x10\x41" + bytes(1100),
    ],
    # byte 0: credentials (bit 0) and chunk; then the proxy's replies.
    "socks_reply": [
        b"\x10\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x15\xb3",
        b"\x11\x05\x02\x01\x00\x05\x00\x00\x04" + bytes(16) + b"\x15\xb3",
        b"\x10\x05\x00\x05\x00\x00\x03\x0bexample.org\x15\xb3",
        b"\x10\x05\xff",
        b"\x11\x05\x02\x01\x01",
    ],
    # byte 0: side under test (bit 1: client), plaintext (bit 0), the ZAP
    # answer (bits 2-3); byte 1: which commands come from the honest peer;
    # then commands as 2-byte length + body (a 0 length takes the honest one).
    "gssapi_framing": [
        bytes([sel, 0xFF]) + b"\0\0" * 6 for sel in (0, 1, 2, 3, 4, 8, 12)
    ] + [
        b"\x00\x00\x00\x0d\x08INITIATE\x00\x00\x00\x00",
        b"\x00\xfe\x00\x00\x00\x0c\x07MESSAGE\x00\x00\x00\x00\x00\x00",
        b"\x02\x00\x00\x0d\x08INITIATE\xff\xff\xff\xff",
        b"\x00\x03\x00\x00\x00\x00\x00\x06\x05READY\x00\x00",
    ],
}


def ws_frame(payload, opcode=2, fin=True, key=None):
    """A WebSocket frame (RFC 6455), masked with `key` if given."""
    head = bytes([(0x80 if fin else 0) | opcode])
    m = 0x80 if key else 0
    n = len(payload)
    if n <= 125:
        head += bytes([m | n])
    elif n <= 0xFFFF:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


WS_REQUEST = (b"GET /p HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\nSec-WebSocket-Version: 13\r\n\r\n")
WS_RESPONSE = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
               b"Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n")
KEY = b"\x12\x34\x56\x78"
WS_READY = b"\x02" + bytes([5]) + b"READY" + prop(b"Socket-Type", b"PAIR")

# ws_upgrade: byte 0 role (bit 0: server), mechanism, chunk; then the bytes.
SEEDS["ws_upgrade"] = [
    b"\x01" + WS_REQUEST + ws_frame(WS_READY, key=KEY) + ws_frame(b"\x00hi", key=KEY),
    b"\x09" + WS_REQUEST.replace(b"ZWS2.0/NULL,ZWS2.0", b"ZWS2.0") + ws_frame(b"\x00", key=KEY),
    b"\x00" + WS_RESPONSE + ws_frame(WS_READY) + ws_frame(b"\x01a") + ws_frame(b"\x00b"),
    b"\x11" + WS_REQUEST.replace(b"Upgrade: websocket", b"Upgrade: h2c"),
    b"\x00" + b"HTTP/1.1 404 Not Found\r\n\r\n",
]
# ws_frame_decoder: byte 0 masked (bit 0), maxmsgsize (bit 1), chunk.
SEEDS["ws_frame_decoder"] = [
    b"\x01" + ws_frame(b"\x01head", key=KEY) + ws_frame(b"\x00" + bytes(300), key=KEY),
    b"\x05" + ws_frame(b"\x02x", fin=False, key=KEY) + ws_frame(b"p", opcode=9, key=KEY)
    + ws_frame(b"yz", opcode=0, key=KEY),
    b"\x00" + ws_frame(b"\x00" + bytes(70000)) + ws_frame(b"\x03\xe8", opcode=8),
    b"\x02" + ws_frame(b"\x00" + bytes(5000)),
    b"\x01" + bytes([0x82, 0xFF]) + struct.pack(">Q", 1 << 40) + KEY + bytes(64),
]

def der(tag, *parts):
    """A DER element: tag, definite length, contents."""
    body = b"".join(parts)
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def cert(cn=b"cn.test", dns=(b"wss.test",), ips=(b"\x7f\x00\x00\x01",), times=None):
    """An X.509 certificate's shape as tls/x509.rs reads it (the key and
    signature are filler: that parser checks neither)."""
    t0, t1 = times or (der(0x17, b"191110083318Z"), der(0x18, b"21191017083318Z"))
    name = der(0x30, der(0x31, der(0x30, der(0x06, b"\x55\x04\x03"), der(0x0C, cn))))
    alg = der(0x30, der(0x06, b"\x2a\x86\x48\xce\x3d\x04\x03\x02"))
    gns = b"".join([der(0x82, d) for d in dns] + [der(0x87, i) for i in ips])
    san = der(0x30, der(0x06, b"\x55\x1d\x11"), der(0x04, der(0x30, gns)))
    tbs = der(0x30, der(0xA0, der(0x02, b"\x02")), der(0x02, b"\x01"), alg, name,
              der(0x30, t0, t1), name, der(0x30, alg, der(0x03, b"\x00" + bytes(65))),
              der(0xA3, der(0x30, san)))
    return der(0x30, tbs, alg, der(0x03, b"\x00" + bytes(70)))


SEEDS["x509_cert"] = [
    cert(),
    cert(dns=(), ips=()),
    cert(cn=b"*.example.com", dns=(b"*.b.example.com", b"a.example.com"), ips=(bytes(16),)),
    cert(times=(der(0x17, b"4912312359Z"), der(0x18, b"20500101000000Z"))),
    cert()[:200],
]

for target, seeds in SEEDS.items():
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    for s in seeds:
        name = "seed-" + hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)
print("wrote", sum(len(s) for s in SEEDS.values()), "seeds for", len(SEEDS), "targets")
