#!/usr/bin/env python3
"""Write a journal file from man/jmirror.5 alone, with fixed times, for exact-output tests.

  python3 jmseg.py OUT [--live] [--final] [--tl N] [--seq N] [--lsn N] [--prev HEX]
                   [--lineage HEX] [--time NS] [--type sql|raw|N] [--version 1|2]
                   [--batch] [PAYLOAD...]

PAYLOADs take Python escapes ('a\\nb', '\\xff'). Record i gets time --time + 1000000*(i+1);
the header is created at --time, the trailer sealed at --time + 1e9. --batch writes the
records as one batch (version 2: each record's batch field counts the records after it);
otherwise each record is its own batch (batch field 0). Prints the segment's
digest (hex), or nothing for a live journal. An independent writer: if jcat reads what this
writes, the man page is precise enough to implement the format.
"""
import argparse, codecs, hashlib, struct, sys

def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--live", action="store_true")
ap.add_argument("--final", action="store_true")
ap.add_argument("--tl", type=int, default=1)
ap.add_argument("--seq", type=int, default=1)
ap.add_argument("--lsn", type=int, default=1)
ap.add_argument("--prev", default="00" * 32)
ap.add_argument("--lineage", default="11" * 16)
ap.add_argument("--time", type=int, default=1767225600 * 10**9)   # 2026-01-01T00:00:00Z
ap.add_argument("--type", default="sql")
ap.add_argument("--version", type=int, default=2)
ap.add_argument("--batch", action="store_true")
ap.add_argument("payloads", nargs="*")
a = ap.parse_intermixed_args()
rtype = {"sql": 1, "raw": 2}.get(a.type) or int(a.type)

hdr = b"\x89JML\r\n\x1a\n" + struct.pack("<HHI", a.version, 128, 0) + bytes.fromhex(a.lineage)
hdr += struct.pack("<IIQQQ", a.tl, 0, a.seq, a.lsn, a.time) + bytes.fromhex(a.prev)
hdr += bytes(28)
hdr += struct.pack("<I", crc32c(hdr))
assert len(hdr) == 128
out = bytearray(hdr)
lsn = a.lsn
for i, p in enumerate(a.payloads):
    data = codecs.escape_decode(p.encode())[0]
    batch = len(a.payloads) - 1 - i if a.batch and a.version >= 2 else 0
    head = struct.pack("<IBBHQQ", len(data), rtype, 0, batch, lsn, a.time + 1000000 * (i + 1))
    out += head + data + struct.pack("<I", crc32c(head + data))
    lsn += 1
if not a.live:
    tr = struct.pack("<I4sQQQIIQ", 0xFFFFFFFF, b"SEAL", len(a.payloads), lsn - 1,
                     a.time + 10**9, 1 if a.final else 0, 0, len(out) + 80)
    digest = hashlib.sha256(bytes(out) + tr).digest()
    out += tr + digest
    print(digest.hex())
with open(a.out, "wb") as f:
    f.write(out)
