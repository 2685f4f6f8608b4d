"""Backup under load: VACUUM INTO (what `flask backup` does) against the old stepwise backup(pages=256),
on a SQLite database in WAL mode while another process keeps committing small transactions.

    .venv/bin/python bench/bench_ops_backup.py [SIZE_MB]

Prints the seconds each method took (the stepwise one is stopped after 60 s) and the writer's commits/s.
"""
from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time


def writer(path, stop, counter):
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    while not stop.is_set():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (randomblob(300))")
        conn.execute("COMMIT")
        with counter.get_lock():
            counter.value += 1


def main():
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    folder = tempfile.mkdtemp(prefix="coop-bench-")
    path = os.path.join(folder, "live.sqlite3")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    rows = size_mb * 1024 * 1024 // 400
    conn.execute("BEGIN")
    conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                 "INSERT INTO t (body) SELECT randomblob(300) FROM n", (rows,))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"database: {os.path.getsize(path) / 1e6:.0f} MB")
    stop, counter = multiprocessing.Event(), multiprocessing.Value("i", 0)
    proc = multiprocessing.Process(target=writer, args=(path, stop, counter))
    proc.start()
    time.sleep(1)
    try:
        src = sqlite3.connect(path, timeout=30)
        t0, c0 = time.monotonic(), counter.value
        src.execute("VACUUM INTO ?", (os.path.join(folder, "vacuum.sqlite3"),))
        t1 = time.monotonic() - t0
        print(f"VACUUM INTO: {t1:.2f} s, writer {(counter.value - c0) / t1:.0f} commits/s meanwhile")
        dst = sqlite3.connect(os.path.join(folder, "step.sqlite3"))
        t0, c0 = time.monotonic(), counter.value
        deadline = t0 + 60

        def progress(status, remaining, total):
            if time.monotonic() > deadline:
                raise TimeoutError
        try:
            src.backup(dst, pages=256, progress=progress)
            print(f"backup(pages=256): {time.monotonic() - t0:.2f} s")
        except TimeoutError:
            print("backup(pages=256): not finished after 60 s")
        print(f"writer {(counter.value - c0) / (time.monotonic() - t0):.0f} commits/s during the stepwise backup")
    finally:
        stop.set()
        proc.join()
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


if __name__ == "__main__":
    main()
