#!/usr/bin/env python3
"""An ordinary application, unchanged for mirroring: it writes orders into its SQLite
database with Python's standard sqlite3 module, one transaction per order, and knows
nothing of jmirror. jcapture(1) captures what it writes.

  python3 shop.py DB FIRSTID COUNT RATE

Each order row is (id, ts, v): ts is the time of the commit in nanoseconds (what jmlag reads
to measure how long a row took to become visible on a mirror); v is made by SQLite itself,
with 'now' and random(), which a statement journal would give the mirror differently and
capture gives it exactly. The table is created if missing. RATE orders per second.
"""
import sqlite3, sys, time

db_path, first, count, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE IF NOT EXISTS orders(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, v TEXT)")
start = time.monotonic()
for i in range(count):
    due = start + i / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO orders(id, ts, v) VALUES(?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now') "
               "|| ' #' || (random() % 1000))", (first + i, time.time_ns()))
    db.execute("COMMIT")
