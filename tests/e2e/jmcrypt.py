#!/usr/bin/env python3
"""Make an encrypted segment from man/jmirror.5 alone, around an age file made elsewhere.

  python3 jmcrypt.py records SEGMENT > PLAIN     the records region of a plain segment
  python3 jmcrypt.py wrap SEGMENT AGEFILE OUT     SEGMENT's header and trailer around AGEFILE
                                                  as its encrypted region (version 3, flag
                                                  bit 1, region length at 112), with the
                                                  trailer's size and digest made anew

An independent writer: if jintegrate applies what this writes around `age -r` output, the
page is precise enough, and what age writes is what jmirror reads.
"""
import hashlib, struct, sys

def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

def main():
    seg = open(sys.argv[2], "rb").read()
    head, trailer = bytearray(seg[:128]), bytearray(seg[-80:])
    if sys.argv[1] == "records":
        sys.stdout.buffer.write(seg[128:-80])
        return
    region = open(sys.argv[3], "rb").read()
    struct.pack_into("<HHI", head, 8, 3, 128, struct.unpack_from("<I", head, 12)[0] | 2)
    struct.pack_into("<Q", head, 112, len(region))
    struct.pack_into("<I", head, 124, crc32c(bytes(head[:124])))
    size = 128 + len(region) + 80
    struct.pack_into("<Q", trailer, 40, size)
    body = bytes(head) + region + bytes(trailer[:48])
    out = body + hashlib.sha256(body).digest()
    open(sys.argv[4], "wb").write(out)

main()
