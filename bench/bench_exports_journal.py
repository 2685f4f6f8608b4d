"""Benchmark: journal CSV export of N posting lines against ``sqlite3 -csv`` dumping the same join, and
the general-ledger XLSX of about 100,000 lines, in the same run.

    .venv/bin/python bench/bench_exports_journal.py [--lines 1000000] [--xlsx-lines 100000] [--db PATH]

Goals (issue 8): CSV at most 3x the sqlite3 baseline and peak memory at most 200 MB; XLSX of 100,000
lines in at most 30 s. The exports run in a child process so its peak RSS is the export's alone.
The ledger is synthetic but real-shaped: hash-chained entries of two lines over 2,000 member
sub-accounts, inserted in bulk (bypassing post_entry, which is not what is measured here).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE_SQL = """
SELECT je.source, je.chain_seq, je.voucher_number, je.value_date, je.posted_at, p.line_no, a.code, a.name,
       je.source_ref, je.memo, p.memo, p.debit, p.credit, je.prev_hash, je.hash
FROM journal_entries je JOIN postings p ON p.entry_id = je.id JOIN accounts a ON a.id = p.account_id
WHERE je.cooperative_id = {cid} ORDER BY je.chain_seq, p.line_no;
"""


def app_for(db_path: str):
    from coop import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                       "SERVER_NAME": "localhost"})


def build(db_path: str, lines: int) -> int:
    """Create the database with ``lines`` posting lines (lines/2 entries). Returns the cooperative id."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from coop.auth.services import create_cooperative
    from coop.db import atomic, db
    from coop.ledger import chart, rules
    from coop.ledger.models import JournalEntry, LedgerHead, Posting
    from coop.ledger.services import account_by_code, create_chart, open_subaccount

    app = app_for(db_path)
    with app.app_context():
        upgrade()

        def _setup():
            c = create_cooperative(name="Koperasi Bench", village_code="3504042001")
            create_chart(c.id)
            subs = [open_subaccount(c.id, chart.SIMPANAN_SUKARELA, f"SS-{i:06d}", f"Sukarela anggota {i}").id
                    for i in range(2000)]
            return c.id, subs, account_by_code(c.id, chart.KAS).id

        cid, subs, kas = atomic(_setup)
        codes = dict(db.session.execute(sa.select(sa.text("id"), sa.text("code")).select_from(sa.text("accounts"))).all())
        entries = lines // 2
        prev = rules.GENESIS_HASH
        start = date(2020, 1, 1)
        posted = datetime(2026, 1, 1, tzinfo=UTC)
        batch_e, batch_p = [], []
        t0 = time.perf_counter()
        for i in range(1, entries + 1):
            vd = start + timedelta(days=i * 2000 // entries)
            sub = subs[i % len(subs)]
            amount = 10_000 + (i * 7919) % 990_000
            voucher = rules.voucher_number(vd.year, i)
            memo = f"Setoran sukarela anggota {i % len(subs)}"
            canon = rules.canonical(voucher, vd, memo, [(codes[kas], amount, 0), (codes[sub], 0, amount)])
            h = rules.chain_hash(prev, canon)
            batch_e.append({"id": i, "cooperative_id": cid, "voucher_year": vd.year, "voucher_seq": i,
                            "voucher_number": voucher, "chain_seq": i, "value_date": vd, "posted_at": posted,
                            "memo": memo, "source": "savings.deposit", "source_ref": f"KW-{i}",
                            "idempotency_key": None, "payload_hash": h, "reverses_id": None, "actor_id": None,
                            "prev_hash": prev, "hash": h})
            batch_p.append({"entry_id": i, "line_no": 1, "account_id": kas, "debit": amount, "credit": 0, "memo": None})
            batch_p.append({"entry_id": i, "line_no": 2, "account_id": sub, "debit": 0, "credit": amount, "memo": None})
            prev = h
            if len(batch_e) >= 20_000 or i == entries:
                def _insert(be=batch_e, bp=batch_p):
                    db.session.execute(sa.insert(JournalEntry), be)
                    db.session.execute(sa.insert(Posting), bp)
                atomic(_insert)
                batch_e, batch_p = [], []
        head = db.session.get(LedgerHead, cid)
        head.chain_seq, head.head_hash = entries, prev
        db.session.commit()  # bench setup only (not domain code)
        print(f"built {entries:,} entries / {entries * 2:,} lines in {time.perf_counter() - t0:.1f} s", flush=True)
        return cid


def child(db_path: str, cid: int, what: str, out: str, start: str | None, end: str | None) -> None:
    """Run one export in this (child) process and write it to ``out``."""
    from coop.reports import exports

    app = app_for(db_path)
    with app.app_context():
        period = exports.Period(date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
        t0 = time.perf_counter()
        if what == "csv":
            with open(out, "w", encoding="utf-8", newline="") as fh:
                for chunk in exports.journal_csv(cid, period):
                    fh.write(chunk)
        else:
            src = exports.general_ledger_xlsx(cid, period)
            with open(out, "wb") as fh:
                for chunk in exports.iter_file(src):
                    fh.write(chunk)
        print(f"{time.perf_counter() - t0:.3f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


def run_child(args: list[str]) -> tuple[float, float, float]:
    """(export seconds measured by the child, wall seconds incl. start-up, peak RSS MB of the child)."""
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    secs, rss_kb = res.stdout.strip().splitlines()[-1].split()
    return float(secs), wall, int(rss_kb) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--xlsx-lines", type=int, default=100_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--child", nargs="*")
    a = ap.parse_args()
    if a.child is not None:
        db_path, cid, what, out, start, end = a.child
        child(db_path, int(cid), what, out, start or None, end or None)
        return
    tmp = tempfile.mkdtemp(prefix="bench-exports-")
    db_path = a.db or os.path.join(tmp, "bench.sqlite3")
    fresh = not os.path.exists(db_path)
    cid = build(db_path, a.lines) if fresh else 1

    out_base = os.path.join(tmp, "baseline.csv")
    t0 = time.perf_counter()
    with open(out_base, "w") as fh:
        subprocess.run(["sqlite3", "-csv", db_path, BASELINE_SQL.format(cid=cid)], stdout=fh, check=True)
    base = time.perf_counter() - t0
    base_rows = sum(1 for _ in open(out_base, encoding="utf-8"))

    out_csv = os.path.join(tmp, "journal.csv")
    t_csv, wall_csv, rss_csv = run_child([db_path, str(cid), "csv", out_csv, "", ""])
    rows = sum(1 for _ in open(out_csv, encoding="utf-8")) - 1
    from coop.reports.verify import verify_file

    t0 = time.perf_counter()
    rep = verify_file(out_csv, full=True)
    t_verify = time.perf_counter() - t0

    # XLSX: a period that holds about --xlsx-lines lines (value dates are spread evenly over 2000 days)
    days = max(1, round(2000 * a.xlsx_lines / a.lines))
    start = date(2020, 1, 1)
    end = start + timedelta(days=days - 1)
    out_xlsx = os.path.join(tmp, "gl.xlsx")
    t_xlsx, wall_xlsx, rss_xlsx = run_child([db_path, str(cid), "xlsx", out_xlsx, start.isoformat(), end.isoformat()])
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        xlsx_lines = conn.execute("SELECT count(*) FROM postings p JOIN journal_entries je ON je.id = p.entry_id "
                                  "WHERE je.value_date BETWEEN ? AND ?", (start.isoformat(), end.isoformat())).fetchone()[0]

    print(f"sqlite3 -csv baseline : {base_rows:,} rows in {base:.2f} s")
    print(f"journal CSV export    : {rows:,} rows in {t_csv:.2f} s (child wall {wall_csv:.2f} s), "
          f"ratio {t_csv / base:.2f}x (goal <= 3x), peak RSS {rss_csv:.0f} MB (goal <= 200 MB)")
    print(f"verify (stdlib only)  : {rep.entries:,} entries in {t_verify:.2f} s, ok={rep.ok}")
    print(f"general ledger XLSX   : {xlsx_lines:,} lines in {t_xlsx:.2f} s (goal <= 30 s), peak RSS {rss_xlsx:.0f} MB, "
          f"{os.path.getsize(out_xlsx) / 1e6:.1f} MB file")


if __name__ == "__main__":
    main()
