"""Benchmark (issue 4, item 10a): posting throughput through ``post_entry``, one durable entry per commit on
SQLite (the app's default ``COOP_SQLITE_SYNC=group``: one fsync per commit for a single writer), against a raw ``sqlite3`` transaction doing the same inserts and balance
updates (entry row, two postings, two account balances, chain head, voucher counter) per commit.

    .venv/bin/python bench/bench_ledger_throughput.py [--entries 2000]

Goal: post_entry at least 0.25 of raw. Also prints the statements per post_entry.
Also imported by the other ledger benchmarks for :func:`fresh_books`.
"""
from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

D = date(2026, 11, 27)


def fresh_books(db_path: str, subaccounts: int = 100):
    """A migrated SQLite database with one cooperative, its chart and ``subaccounts`` savings sub-accounts.
    Returns (app, cooperative_id, kas_id, [sub ids])."""
    import logging

    from flask_migrate import upgrade

    from coop import create_app
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger import chart
    from coop.ledger.services import account_by_code, create_chart, open_subaccount

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                      "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()

        def _setup():
            c = create_cooperative(name="Koperasi Bench", village_code="3504042001")
            create_chart(c.id)
            subs = [open_subaccount(c.id, chart.SIMPANAN_SUKARELA, f"SS-{i:06d}", f"Sukarela {i}", min_balance=0).id
                    for i in range(subaccounts)]
            return c.id, account_by_code(c.id, chart.KAS).id, subs
        cid, kas, subs = atomic(_setup)
    return app, cid, kas, subs


def run_post_entry(n: int) -> tuple[float, float]:
    from coop.db import atomic, db
    from coop.ledger.rules import Line
    from coop.ledger.services import post_entry

    with tempfile.TemporaryDirectory() as tmp:
        app, cid, kas, subs = fresh_books(f"{tmp}/a.sqlite3")
        with app.app_context():
            statements = {"n": 0}
            import sqlalchemy as sa

            def count(*_a, **_k):
                statements["n"] += 1
            sa.event.listen(db.engine, "before_cursor_execute", count)
            atomic(post_entry, cid, [Line.dr(kas, 1000), Line.cr(subs[0], 1000)], actor=None, memo="warm", value_date=D)
            statements["n"] = 0
            atomic(post_entry, cid, [Line.dr(kas, 1000), Line.cr(subs[1], 1000)], actor=None, memo="count", value_date=D)
            per_entry = statements["n"]
            sa.event.remove(db.engine, "before_cursor_execute", count)
            t0 = time.perf_counter()
            for i in range(n):
                atomic(post_entry, cid, [Line.dr(kas, 1000 + i), Line.cr(subs[i % len(subs)], 1000 + i)],
                       actor=None, memo=f"setoran {i}", value_date=D)
                db.session.remove()
            elapsed = time.perf_counter() - t0
    return n / elapsed, per_entry


def run_raw(n: int) -> float:
    """The same writes per entry with the stdlib driver and hand-written SQL, one commit per entry."""
    with tempfile.TemporaryDirectory() as tmp:
        app, cid, kas, subs = fresh_books(f"{tmp}/b.sqlite3")
        con = sqlite3.connect(f"{tmp}/b.sqlite3", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        prev = "0" * 64
        t0 = time.perf_counter()
        for i in range(n):
            amt = 1000 + i
            sub = subs[i % len(subs)]
            con.execute("BEGIN IMMEDIATE")
            seq, = con.execute("SELECT chain_seq FROM ledger_heads WHERE cooperative_id=?", (cid,)).fetchone()
            h = hashlib.sha256((prev + f"raw{i}").encode()).hexdigest()
            cur = con.execute(
                "INSERT INTO journal_entries (cooperative_id, voucher_year, voucher_seq, voucher_number, chain_seq,"
                " value_date, posted_at, memo, source, payload_hash, prev_hash, hash) VALUES"
                " (?,?,?,?,?,?,datetime('now'),?,?,?,?,?)",
                (cid, 2026, seq + 1, f"R-{seq + 1}", seq + 1, "2026-11-27", f"setoran {i}", "raw", h, prev, h))
            eid = cur.lastrowid
            con.executemany("INSERT INTO postings (entry_id, line_no, account_id, debit, credit) VALUES (?,?,?,?,?)",
                            [(eid, 1, kas, amt, 0), (eid, 2, sub, 0, amt)])
            con.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amt, kas))
            con.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", (amt, sub))
            con.execute("UPDATE ledger_heads SET chain_seq = ?, head_hash = ? WHERE cooperative_id = ?", (seq + 1, h, cid))
            con.execute("INSERT INTO voucher_counters (cooperative_id, year, last_seq) VALUES (?, 2026, ?) "
                        "ON CONFLICT (cooperative_id, year) DO UPDATE SET last_seq = excluded.last_seq", (cid, seq + 1))
            con.execute("COMMIT")
            prev = h
        elapsed = time.perf_counter() - t0
        con.close()
    return n / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=2000)
    args = ap.parse_args()
    raw = run_raw(args.entries)
    ours, statements = run_post_entry(args.entries)
    print(f"post_entry: {ours:,.0f} entries/s (one durable commit each), {statements} SQL statements per entry")
    print(f"raw sqlite3: {raw:,.0f} entries/s")
    ratio = ours / raw
    print(f"ratio post_entry/raw = {ratio:.2f} (goal >= 0.25) {'OK' if ratio >= 0.25 else 'BELOW GOAL'}")


if __name__ == "__main__":
    main()
