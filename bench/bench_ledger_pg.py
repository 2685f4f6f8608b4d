"""Benchmark (issue 17): ``post_entry`` against psycopg doing the same statements, on PostgreSQL.

One two-line entry per commit through ``atomic(post_entry, ...)`` (a fresh session each time, as a request
has) against raw ``psycopg`` running the SAME statements (lock the head FOR UPDATE; then one statement that
locks the two accounts FOR UPDATE, reads the used keys and closed periods and bumps the voucher counter;
then ONE statement that inserts the entry, moves the head, writes the two balances, inserts the two postings
and the audit row) and the same Python work (hashes, canonical JSON),
in a fresh database of the server the URL names, interleaved round by round, in two modes:

- ``durable``: ``synchronous_commit = on`` on both sides (what the server's ``fsync`` setting makes of it is
  printed: the throwaway cluster of ``scripts/with_postgres.sh`` runs with ``fsync=off`` unless
  ``COOP_PG_FSYNC=on``);
- ``cpu``: ``synchronous_commit = off`` on both sides: no wait for the WAL flush, so the ratio is CPU.

Prints entries/s and client CPU per entry (``time.process_time``: this process, not the server) of both
sides and their ratios, beside the server's bare commit rate (one-row INSERT per transaction, psycopg).

    scripts/with_postgres.sh .venv/bin/python bench/bench_ledger_pg.py [--entries 600]
    .venv/bin/python bench/bench_ledger_pg.py --url postgresql+psycopg://user@host/db

Without a URL (``--url`` or ``COOP_TEST_DATABASE_URL``) it says so and exits 0 (``make bench`` on a machine
without PostgreSQL). Goal (issue 17): post_entry <= 1 ms of CPU.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

D = date(2026, 11, 27)
MODES = {"durable": "on", "cpu": "off"}


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def fresh_books(url: str, subaccounts: int = 100):
    """Migrate the database at ``url``; one cooperative, its chart and ``subaccounts`` savings sub-accounts."""
    import logging

    from flask_migrate import upgrade

    from coop import create_app
    from coop.auth.services import create_cooperative
    from coop.db import atomic, db
    from coop.ledger import chart
    from coop.ledger.services import account_by_code, create_chart, open_subaccount

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()

        def _setup():
            c = create_cooperative(name="Koperasi Bench", village_code="3504042001")
            create_chart(c.id)
            subs = [open_subaccount(c.id, chart.SIMPANAN_SUKARELA, f"SS-{i:06d}", f"Sukarela {i}", min_balance=0).id
                    for i in range(subaccounts)]
            return c.id, account_by_code(c.id, chart.KAS).id, subs
        cid, kas, subs = atomic(_setup)
        db.engine.dispose()
    return app, cid, kas, subs


class RawLedger:
    """The statements of one ``post_entry`` written by hand against psycopg (autocommit off)."""

    def __init__(self, dsn: str, sync: str | None):
        """``sync``: the session's ``synchronous_commit``; ``None``: the server's setting (no ``SET``)."""
        import psycopg

        self.con = psycopg.connect(dsn)
        if sync is not None:
            self.con.execute(f"SET synchronous_commit = {sync}")
            self.con.commit()
        #: voucher number, the two accounts' new balances (debit, credit) and audit row id of the last entry
        self.voucher_number, self.balances, self.audit_id = "", (0, 0), 0
        self.dated: list[date] = []  # post(dated_since=...): the value dates read

    def post(self, cid: int, debit_acc: int | str, credit_acc: int, amount: int, memo: str, day: date = D, *,  # noqa: PLR0913
             key: str | None = None, own_transaction: bool = True, source: str = "raw", source_ref: str | None = None,
             actor_id: int | None = None, request_id: str | None = None,
             dated_since: tuple[str, date] | None = None) -> int:
        """One entry; ``key``: an idempotency key (its lookup and the column, as ``post_entry``);
        ``own_transaction=False``: inside the caller's transaction, which the caller commits; ``dated_since``:
        the value dates of entries of a source since a day, read with the others (``self.dated``). ``debit_acc``
        may be an account's code (a cash-desk line by code): its id is read in the statement that locks it."""
        cur = self.con.cursor()
        try:
            seq, prev = cur.execute("SELECT chain_seq, head_hash FROM ledger_heads WHERE cooperative_id = %s "
                                    "FOR UPDATE", (cid,)).fetchone()
            # post_entries' one statement under the head: the accounts locked, UNION ALL the used key, the
            # closed periods, the dated entries (coop.ledger.services._reads_under_head)
            acc_nulls = "NULL::bigint, NULL::bigint, NULL::varchar, NULL::varchar, NULL::varchar, NULL::boolean, NULL::bigint, NULL::bigint"
            by_code = isinstance(debit_acc, str)
            which = "id = %s OR (cooperative_id = %s AND code IN (%s))" if by_code else "id IN (%s, %s)"
            # the voucher number reserved in the same statement unless the key is used (post_entries on
            # PostgreSQL: a data-modifying CTE), part 4
            unused = (" AND NOT EXISTS (SELECT 1 FROM journal_entries WHERE cooperative_id = %s AND idempotency_key IN (%s))"
                      if key is not None else "")
            parts = ["WITH locked AS (SELECT id, cooperative_id, code, name, normal_side, is_open, balance, min_balance"
                     f" FROM accounts WHERE {which} ORDER BY id FOR UPDATE), v AS (UPDATE voucher_counters SET"
                     " last_seq = last_seq + 1 WHERE cooperative_id = %s AND year = 2026" + unused + " RETURNING last_seq)"
                     " SELECT 0, id, cooperative_id, code,"
                     " name, normal_side, is_open, balance, min_balance, NULL::varchar, NULL::bigint, NULL::varchar,"
                     " NULL::date, NULL::date, NULL::date, NULL::bigint FROM locked"]
            params: list = [credit_acc, cid, debit_acc] if by_code else sorted((debit_acc, credit_acc))
            params += [cid, cid, key] if key is not None else [cid]
            if key is not None:
                parts.append(f"SELECT 1, {acc_nulls}, idempotency_key, id, payload_hash, NULL::date, NULL::date, NULL::date,"
                             " NULL::bigint FROM journal_entries WHERE cooperative_id = %s AND idempotency_key IN (%s)")
                params += [cid, key]
            parts.append(f"SELECT 2, {acc_nulls}, NULL::varchar, NULL::bigint, NULL::varchar, start_on, end_on, NULL::date,"
                         " NULL::bigint FROM accounting_periods"
                         " WHERE cooperative_id = %s AND status = 'closed' AND start_on <= %s AND end_on >= %s")
            params += [cid, day, day]
            if dated_since is not None:
                parts.append(f"SELECT DISTINCT 3, {acc_nulls}, NULL::varchar, NULL::bigint, NULL::varchar, NULL::date, NULL::date,"
                             " value_date, NULL::bigint"
                             " FROM journal_entries WHERE cooperative_id = %s AND source = %s AND value_date >= %s")
                params += [cid, *dated_since]
            parts.append(f"SELECT 4, {acc_nulls}, NULL::varchar, NULL::bigint, NULL::varchar, NULL::date, NULL::date,"
                         " NULL::date, last_seq FROM v")
            rows = cur.execute(" UNION ALL ".join(parts), params).fetchall()
            accs = {r[1]: r[1:9] for r in rows if r[0] == 0}
            if by_code:
                debit_acc = next(i for i, a in accs.items() if a[1] == cid and a[2] == debit_acc)
            self.dated = sorted(r[14] for r in rows if r[0] == 3)
            new_debit, new_credit = accs[debit_acc][6] + amount, accs[credit_acc][6] - amount
            payload = hashlib.sha256(json.dumps([day.isoformat(), memo, [[debit_acc, amount, 0], [credit_acc, 0, amount]]],
                                                separators=(",", ":")).encode()).hexdigest()
            reserved = [r[15] for r in rows if r[0] == 4]
            if not reserved:  # the year's first voucher
                cur.execute("INSERT INTO voucher_counters (cooperative_id, year, last_seq) VALUES (%s, 2026, 1)", (cid,))
                reserved = [1]
            vseq = reserved[0]
            number = f"JU-2026-{vseq:06d}"
            canon = json.dumps([number, day.isoformat(), memo,
                                [[accs[debit_acc][2], amount, 0], [accs[credit_acc][2], 0, amount]]],
                               ensure_ascii=False, separators=(",", ":"))
            h = hashlib.sha256((prev + canon).encode()).hexdigest()
            # the entry, the head, the balances, the postings and the audit row in ONE statement of
            # data-modifying CTEs, as post_entries writes a small batch on PostgreSQL (_written_in_one)
            rows = cur.execute(
                "WITH h AS (UPDATE ledger_heads SET chain_seq = %s, head_hash = %s WHERE cooperative_id = %s),"
                " bal AS (UPDATE accounts SET balance = CASE WHEN id = %s THEN %s::bigint WHEN id = %s THEN %s::bigint"
                " ELSE balance END WHERE id IN (%s, %s)),"
                " e AS (INSERT INTO journal_entries (cooperative_id, voucher_year, voucher_seq, voucher_number,"
                " chain_seq, value_date, posted_at, memo, source, source_ref, idempotency_key, payload_hash,"
                " reverses_id, actor_id, prev_hash, hash) VALUES (%s, 2026, %s, %s, %s, %s, now(), %s, %s, %s, %s,"
                " %s, NULL, %s, %s, %s) RETURNING chain_seq, id),"
                " p AS (INSERT INTO postings (cooperative_id, entry_id, line_no, account_id, debit, credit, memo)"
                " SELECT v.cooperative_id, e.id, v.line_no, v.account_id, v.debit, v.credit, v.memo"
                " FROM (VALUES (%s::bigint, %s::bigint, 1, %s::bigint, %s::bigint, 0::bigint, NULL::varchar),"
                " (%s, %s, 2, %s, 0, %s, NULL)) AS v (chain_seq, cooperative_id, line_no, account_id, debit, credit,"
                " memo) JOIN e ON e.chain_seq = v.chain_seq ORDER BY v.chain_seq, v.line_no"
                " RETURNING entry_id, line_no, id),"
                # the entry's audit row in the same statement (post_entries' one-statement write on PostgreSQL)
                " a AS (INSERT INTO audit_log (cooperative_id, actor_id, action, object_type, object_id, summary,"
                " request_id, at) SELECT %s, %s, %s, 'journal_entry', e.id::varchar, %s, %s, now() FROM e RETURNING id)"
                " SELECT 0, chain_seq, id, NULL::bigint FROM e UNION ALL SELECT 1, entry_id, line_no, id FROM p"
                " UNION ALL SELECT 2, id, NULL, NULL FROM a",
                (seq + 1, h, cid, debit_acc, new_debit, credit_acc, new_credit, debit_acc, credit_acc,
                 cid, vseq, number, seq + 1, day, memo, source, source_ref, key, payload, actor_id, prev, h,
                 seq + 1, cid, debit_acc, amount, seq + 1, cid, credit_acc, amount,
                 cid, actor_id, f"ledger.post.{source}", json.dumps({"amount": amount, "voucher": number}, sort_keys=True),
                 request_id)).fetchall()
            eid = next(r[2] for r in rows if r[0] == 0)
            self.audit_id = next(r[1] for r in rows if r[0] == 2)
        except BaseException:
            if own_transaction:
                self.con.rollback()
            raise
        self.voucher_number, self.balances = number, (new_debit, new_credit)
        if own_transaction:
            self.con.commit()
        return eid


def bare_commit_rate(dsn: str, n: int = 500) -> float:
    """One-row INSERT per transaction into an ORDINARY table: the server's durable commit rate. (A
    temporary table writes no WAL, so its commit does not wait for a flush: it measured ~1,600/s where
    the disk commits ~260/s, fsync on.)"""
    import psycopg

    with psycopg.connect(dsn) as con:
        con.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (x int)")
        con.commit()
        t0 = time.perf_counter()
        for i in range(n):
            con.execute("INSERT INTO bench_commit_probe VALUES (%s)", (i,))
            con.commit()
        rate = n / (time.perf_counter() - t0)
        con.execute("DROP TABLE bench_commit_probe")
        con.commit()
    return rate


def _app(url: str, sync: str):
    import sqlalchemy as sa

    from coop import create_app
    from coop.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "localhost"})
    with app.app_context():
        sa.event.listen(db.engine, "connect",
                        lambda dbapi, _rec: (dbapi.execute(f"SET synchronous_commit = {sync}"), dbapi.commit()))
    return app


def main():  # noqa: PLR0915 -- one script
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=os.environ.get("COOP_BENCH_DATABASE_URL") or os.environ.get("COOP_TEST_DATABASE_URL"))
    ap.add_argument("--entries", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        print("SKIPPED: no PostgreSQL URL (--url, COOP_BENCH_DATABASE_URL or COOP_TEST_DATABASE_URL); "
              "`scripts/with_postgres.sh .venv/bin/python bench/bench_ledger_pg.py` starts a throwaway cluster")
        return
    import psycopg

    from coop.db import atomic, db
    from coop.ledger.rules import Line
    from coop.ledger.services import post_entry

    name = f"coop_bench_{os.getpid()}"
    with psycopg.connect(_dsn(args.url), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        fsync = admin.execute("SHOW fsync").fetchone()[0]
        version = admin.execute("SHOW server_version").fetchone()[0]
    url = _with_db(args.url, name)
    try:
        _, cid, kas, subs = fresh_books(url)
        bare = bare_commit_rate(_dsn(url))
        print(f"PostgreSQL {version}, fsync={fsync}; bare commits (one-row INSERT into a table, psycopg): {bare:,.0f}/s")
        per_round = max(1, args.entries // args.rounds)
        results = {}
        for mode, sync in MODES.items():
            raw = RawLedger(_dsn(url), sync)
            raw.post(cid, kas, subs[0], 1000, "warm")
            app = _app(url, sync)
            totals = {"raw": [0.0, 0.0], "app": [0.0, 0.0]}
            with app.app_context():
                atomic(post_entry, cid, [Line.dr(kas, 1000), Line.cr(subs[0], 1000)], actor=None, memo="warm",
                       value_date=D)
                db.session.remove()
                for _ in range(args.rounds):  # interleaved: the machine's load falls on both sides alike
                    w0, c0 = time.perf_counter(), time.process_time()
                    for i in range(per_round):
                        raw.post(cid, kas, subs[i % len(subs)], 1000 + i, f"setoran {i}")
                    totals["raw"][0] += time.perf_counter() - w0
                    totals["raw"][1] += time.process_time() - c0
                    w0, c0 = time.perf_counter(), time.process_time()
                    for i in range(per_round):
                        atomic(post_entry, cid, [Line.dr(kas, 1000 + i), Line.cr(subs[i % len(subs)], 1000 + i)],
                               actor=None, memo=f"setoran {i}", value_date=D)
                        db.session.remove()
                    totals["app"][0] += time.perf_counter() - w0
                    totals["app"][1] += time.process_time() - c0
                db.engine.dispose()
            raw.con.close()
            n = per_round * args.rounds
            rate, cpu = n / totals["app"][0], totals["app"][1] / n
            raw_rate, raw_cpu = n / totals["raw"][0], totals["raw"][1] / n
            results[mode] = (rate, cpu, raw_rate, raw_cpu)
            print(f"{mode:>7} (synchronous_commit={sync}): post_entry {rate:,.0f}/s, {cpu * 1e3:.2f} ms CPU each; "
                  f"psycopg {raw_rate:,.0f}/s, {raw_cpu * 1e3:.3f} ms CPU each; ratio {rate / raw_rate:.2f} "
                  f"(CPU {cpu / raw_cpu:.1f}x psycopg)")
        cpu = results["cpu"][1]
        print(f"goal post_entry <= 1 ms CPU (PostgreSQL): {cpu * 1e3:.2f} ms -> {'MET' if cpu <= 0.001 else 'NOT MET'}")
    finally:
        with psycopg.connect(_dsn(args.url), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
