"""Benchmark (issue 17, Deliver 1): ``post_entry`` against the physical limit, on SQLite.

One two-line entry per durable commit, through ``atomic(post_entry, ...)`` (a fresh session each time, as a
request has), against raw ``sqlite3`` doing the SAME statements (lock the head, read closed periods, lock the
two accounts, bump the voucher counter, insert the entry, move the head, write two balances, insert two
postings, insert the audit row) and the same Python work (two SHA-256 hashes, the canonical JSON), with the
same durability, in three modes:

- ``FULL``: ``synchronous=FULL`` on both sides (the app's ``COOP_SQLITE_SYNC=full``);
- ``group``: ``synchronous=NORMAL`` and an fsync of the WAL after COMMIT (the app's default group commit);
- ``OFF``: ``synchronous=OFF`` on both sides: no fsync, so the ratio is pure CPU.

Each prints entries/s and CPU per entry (``time.process_time``) of both sides and their ratio, beside the
machine's bare commit rate (one-row INSERT, WAL, ``synchronous=FULL``).

    .venv/bin/python bench/bench_ledger_throughput.py [--entries 1500]

Goals (issue 17): post_entry <= 1 ms of CPU; >= 0.25 of raw at FULL on a disk that commits >= 2,000 bare
transactions a second (the CPU-bound ratio is printed, not a goal). Also imported by the other ledger
benchmarks for :func:`fresh_books`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

D = date(2026, 11, 27)
MODES = ("FULL", "group", "OFF")


def fresh_books(db_path: str, subaccounts: int = 100, **config):
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
                      "SERVER_NAME": "localhost", **config})
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


def bare_commit_rate(tmp: str, n: int = 500) -> float:
    """One-row commits per second of bare sqlite3 (WAL, synchronous=FULL, BEGIN IMMEDIATE) on this disk."""
    conn = sqlite3.connect(os.path.join(tmp, "ceiling.sqlite3"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    t0 = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (i,))
        conn.execute("COMMIT")
    conn.close()
    return n / (time.perf_counter() - t0)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RawLedger:
    """The statements of one ``post_entry`` written by hand against the stdlib driver."""

    def __init__(self, db_path: str, mode: str):
        self.con = sqlite3.connect(db_path, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA foreign_keys=ON")
        self.con.execute(f"PRAGMA synchronous={'NORMAL' if mode == 'group' else mode}")
        self.wal = db_path + "-wal" if mode == "group" else None

    def post(self, cid: int, debit_acc: int, credit_acc: int, amount: int, memo: str, day: str = "2026-11-27",
             key: str | None = None, own_transaction: bool = True) -> int:
        """One entry; ``own_transaction=False``: inside the caller's transaction, which the caller commits."""
        con = self.con
        if own_transaction:
            con.execute("BEGIN IMMEDIATE")
        try:
            seq, prev = con.execute("SELECT chain_seq, head_hash FROM ledger_heads WHERE cooperative_id = ?",
                                    (cid,)).fetchone()
            if key is not None:
                con.execute("SELECT id, payload_hash FROM journal_entries WHERE cooperative_id = ? AND "
                            "idempotency_key = ?", (cid, key)).fetchall()
            con.execute("SELECT start_on, end_on FROM accounting_periods WHERE cooperative_id = ? AND status = "
                        "'closed' AND start_on <= ? AND end_on >= ?", (cid, day, day)).fetchall()
            accs = {r[0]: r for r in con.execute(
                "SELECT id, cooperative_id, code, name, normal_side, is_open, balance, min_balance FROM accounts "
                "WHERE id IN (?, ?) ORDER BY id", sorted((debit_acc, credit_acc))).fetchall()}
            new_debit, new_credit = accs[debit_acc][6] + amount, accs[credit_acc][6] - amount
            if accs[credit_acc][7] is not None and accs[credit_acc][4] == "D" and new_credit < accs[credit_acc][7]:
                raise ValueError("floor")
            payload = hashlib.sha256(json.dumps([day, memo, [[debit_acc, amount, 0], [credit_acc, 0, amount]]],
                                                separators=(",", ":")).encode()).hexdigest()
            row = con.execute("UPDATE voucher_counters SET last_seq = last_seq + 1 WHERE cooperative_id = ? AND "
                              "year = 2026 RETURNING last_seq", (cid,)).fetchone()
            if row is None:  # the first entry of the year (as the app: an INSERT once)
                con.execute("INSERT INTO voucher_counters (cooperative_id, year, last_seq) VALUES (?, 2026, 1)", (cid,))
                row = (1,)
            vseq = row[0]
            number = f"JU-2026-{vseq:06d}"
            canon = json.dumps([number, day, memo, [[accs[debit_acc][2], amount, 0], [accs[credit_acc][2], 0, amount]]],
                               ensure_ascii=False, separators=(",", ":"))
            h = hashlib.sha256((prev + canon).encode()).hexdigest()
            eid, = con.execute(
                "INSERT INTO journal_entries (cooperative_id, voucher_year, voucher_seq, voucher_number, chain_seq,"
                " value_date, posted_at, memo, source, source_ref, idempotency_key, payload_hash, reverses_id,"
                " actor_id, prev_hash, hash) VALUES (?, 2026, ?, ?, ?, ?, ?, ?, 'raw', NULL, ?, ?, NULL, NULL, ?, ?)"
                " RETURNING id", (cid, vseq, number, seq + 1, day, "2026-11-27 10:00:00.000000", memo, key, payload,
                                  prev, h)).fetchone()
            con.execute("UPDATE ledger_heads SET chain_seq = ?, head_hash = ? WHERE cooperative_id = ?",
                        (seq + 1, h, cid))
            con.executemany("UPDATE accounts SET balance = ? WHERE id = ?",
                            [(new_debit, debit_acc), (new_credit, credit_acc)])
            con.execute("INSERT INTO postings (cooperative_id, entry_id, line_no, account_id, debit, credit, memo)"
                        " VALUES (?, ?, 1, ?, ?, 0, NULL), (?, ?, 2, ?, 0, ?, NULL) RETURNING entry_id, line_no, id",
                        (cid, eid, debit_acc, amount, cid, eid, credit_acc, amount)).fetchall()
            con.execute("INSERT INTO audit_log (cooperative_id, actor_id, action, object_type, object_id, summary,"
                        " request_id, at) VALUES (?, NULL, 'ledger.post.raw', 'journal_entry', ?, ?, NULL, ?)",
                        (cid, str(eid), json.dumps({"amount": amount, "voucher": number}, sort_keys=True),
                         "2026-11-27 10:00:00.000000"))
        except BaseException:
            if own_transaction:
                con.execute("ROLLBACK")
            raise
        if not own_transaction:
            return eid
        con.execute("COMMIT")
        if self.wal:
            _fsync(self.wal)
        return eid


def run_raw(db_path: str, mode: str, cid: int, kas: int, subs: list[int], n: int) -> tuple[float, float]:
    raw = RawLedger(db_path, mode)
    raw.post(cid, kas, subs[0], 1000, "warm")
    w0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        raw.post(cid, kas, subs[i % len(subs)], 1000 + i, f"setoran {i}")
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    raw.con.close()
    return n / wall, cpu / n


def _app_for(db_path: str, mode: str):
    import sqlalchemy as sa

    from coop import create_app
    from coop.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                      "SERVER_NAME": "localhost", "SQLITE_SYNC": "group" if mode == "group" else "full"})
    if mode == "OFF":
        with app.app_context():
            sa.event.listen(db.engine, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA synchronous=OFF"))
            db.engine.dispose()
    return app


def run_post_entry(db_path: str, mode: str, cid: int, kas: int, subs: list[int], n: int) -> tuple[float, float, int]:
    import sqlalchemy as sa

    from coop.db import atomic, db
    from coop.ledger.rules import Line
    from coop.ledger.services import post_entry

    app = _app_for(db_path, mode)
    with app.app_context():
        statements = {"n": 0}

        def count(*_a, **_k):
            statements["n"] += 1
        atomic(post_entry, cid, [Line.dr(kas, 1000), Line.cr(subs[0], 1000)], actor=None, memo="warm", value_date=D)
        db.session.remove()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        atomic(post_entry, cid, [Line.dr(kas, 1000), Line.cr(subs[1], 1000)], actor=None, memo="count", value_date=D)
        sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
        w0, c0 = time.perf_counter(), time.process_time()
        for i in range(n):
            atomic(post_entry, cid, [Line.dr(kas, 1000 + i), Line.cr(subs[i % len(subs)], 1000 + i)],
                   actor=None, memo=f"setoran {i}", value_date=D)
            db.session.remove()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        db.engine.dispose()
    return n / wall, cpu / n, statements["n"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1500)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-ledger-")
    try:
        template = os.path.join(tmp, "template.sqlite3")
        app, cid, kas, subs = fresh_books(template)
        with app.app_context():
            from coop.db import db

            db.engine.dispose()  # the last connection checkpoints the WAL into the file copied below
        bare = bare_commit_rate(tmp)
        print(f"bare sqlite3 commits on this disk (one-row INSERT, WAL, synchronous=FULL): {bare:,.0f}/s")
        results = {}
        for mode in MODES:
            paths = {}
            for side in ("raw", "app"):
                paths[side] = os.path.join(tmp, f"{side}-{mode}.sqlite3")
                for suffix in ("", "-wal"):
                    if os.path.exists(template + suffix):
                        shutil.copy(template + suffix, paths[side] + suffix)
            raw_rate, raw_cpu = run_raw(paths["raw"], mode, cid, kas, subs, args.entries)
            rate, cpu, statements = run_post_entry(paths["app"], mode, cid, kas, subs, args.entries)
            results[mode] = (rate, cpu, raw_rate, raw_cpu)
            print(f"{mode:>5}: post_entry {rate:,.0f}/s, {cpu * 1e3:.2f} ms CPU each ({statements} statements); "
                  f"raw sqlite3 {raw_rate:,.0f}/s, {raw_cpu * 1e3:.3f} ms CPU each; "
                  f"ratio {rate / raw_rate:.2f} (CPU {cpu / raw_cpu:.1f}x raw)")
        rate, cpu, raw_rate, _ = results["FULL"]
        cpu_off = results["OFF"][1]
        print(f"goal post_entry <= 1 ms CPU (OFF, CPU-bound): {cpu_off * 1e3:.2f} ms -> "
              f"{'MET' if cpu_off <= 0.001 else 'NOT MET'}")
        ratio = rate / raw_rate
        disk = "" if bare >= 2000 else f" (disk commits only {bare:,.0f}/s < 2,000: the goal's premise does not hold)"
        print(f"goal >= 0.25 of raw at FULL: {ratio:.2f} -> {'MET' if ratio >= 0.25 else 'NOT MET'}{disk}")
        print(f"CPU-bound ratio (OFF, printed, not a goal): {results['OFF'][0] / results['OFF'][2]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
