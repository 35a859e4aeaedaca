#!/bin/sh
# jcat never crashes: mutated segments and live journals, random bytes, huge length fields.
# Each run must end with 0 or 65 (never a signal, never another code).
. ./lib.sh
jmgen -r 4 -b 30 . 2 >/dev/null 2>&1
mkdir m
python3 - <<'EOF2'
import os, random, struct
random.seed(20261122)
segs = sorted(f for f in os.listdir(".") if f.endswith(".journal"))
data = [open(f, "rb").read() for f in segs]
n = 0
def out(name, b):
    global n
    n += 1
    open("m/%s" % name.replace("NNN", "%03d" % n), "wb").write(b)
for i in range(150):
    d = bytearray(random.choice(data))
    k = random.randrange(6)
    if k == 0:                                   # a few random bytes
        for _ in range(random.randint(1, 4)):
            d[random.randrange(len(d))] = random.randrange(256)
    elif k == 1:                                 # cut
        d = d[:random.randrange(len(d))]
    elif k == 2:                                 # a huge or odd length field at a record
        at = random.choice([128, 128 + 59, len(d) - 80])
        d[at:at + 4] = struct.pack("<I", random.choice([0xffffffff, 0xfffffffe, 0x7fffffff, 1 << 24, (1 << 24) + 1, 0]))
    elif k == 3:                                 # bytes inserted or removed
        at = random.randrange(len(d))
        if random.random() < 0.5:
            d[at:at] = os.urandom(random.randint(1, 40))
        else:
            del d[at:at + random.randint(1, 40)]
    elif k == 4:                                 # the tail replaced by noise
        at = random.randrange(128, len(d))
        d[at:] = os.urandom(random.randint(0, 200))
    else:                                        # zeros
        at = random.randrange(len(d))
        d[at:] = bytes(random.randint(0, 5000))
    out("db.0001-000000000NNN.journal" if i % 2 else "j%03d.journal" % i, bytes(d))
for size in (0, 1, 7, 8, 127, 128, 129, 5000):
    out("r%d.0001-000000000NNN.journal" % size, os.urandom(size))
    out("z%d.0001-000000000NNN.journal.zst" % size, b"\x28\xb5\x2f\xfd" + os.urandom(size))
    out("g%d.0001-000000000NNN.journal.gz" % size, b"\x1f\x8b\x08\x00" + os.urandom(size))
EOF2
bad=0 nbad=0
for f in m/*; do
	jcat -q "$f" 2>/dev/null || nbad=$((nbad + 1))
	for opt in "" --verify --json; do
		jcat $opt "$f" >/dev/null 2>err
		rc=$?
		case $rc in 0|65) ;; *) echo "    jcat $opt $f: exit $rc: $(head -1 err)"; bad=$((bad + 1)) ;; esac
	done
done
check "$(ls m | wc -l) damaged files: exit 0 or 65 each" test $bad -eq 0
# all at once, as a chain
jcat --verify m/* >/dev/null 2>err
rc=$?
check "all of them in one --verify: exit 65" test $rc -eq 65
check "a line for each damaged file ($nbad)" test "$(wc -l <err)" -ge $nbad
finish
