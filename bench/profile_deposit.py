"""Profile (cProfile) of an HTTP deposit (Flask test client, whole request) and of ``post_entry`` (one unit
of work each): Python function calls per operation (independent of machine load), SQL statements per
operation, CPU per operation, and the top functions.

    .venv/bin/python bench/profile_deposit.py [--n 300] [--top 25] [--sort cumulative|tottime]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cashdesk_http import _app, setup  # noqa: E402


def _count_statements(engine):
    import sqlalchemy as sa

    box = {"n": 0, "sql": []}

    def count(_conn, _cursor, statement, *_a, **_k):
        box["n"] += 1
        box["sql"].append(" ".join(statement.split()[:4]))
    sa.event.listen(engine, "before_cursor_execute", count)
    return box, lambda: sa.event.remove(engine, "before_cursor_execute", count)


def profile_http(db_path: str, token: str, ids: list[int], n: int, top: int, sort: str) -> None:
    from coop.db import db

    app = _app(db_path)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def deposit(i: int, tag: str):
        resp = client.post(f"/api/v1/savings-accounts/{ids[i % len(ids)]}/deposits",
                           json={"amount": 25_000 + i, "value_date": "2026-11-27"},
                           headers={**headers, "Idempotency-Key": f"{tag}-{i}"})
        assert resp.status_code == 201, resp.get_data(as_text=True)

    for i in range(20):
        deposit(i, "warm")
    with app.app_context():
        engine = db.engine
    box, stop = _count_statements(engine)
    deposit(0, "count")
    stop()
    c0 = time.process_time()
    for i in range(n):
        deposit(i, "cpu")
    cpu = (time.process_time() - c0) / n
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        deposit(i, "prof")
    prof.disable()
    stats = pstats.Stats(prof)
    print(f"HTTP deposit (test client): {stats.total_calls / n:,.0f} calls/request, "
          f"{box['n']} SQL statements, {cpu * 1000:.2f} ms CPU/request (client included)")
    print("  statements: " + " | ".join(box["sql"]))
    stats.sort_stats(sort).print_stats(top)


def profile_post_entry(db_path: str, ids: list[int], n: int, top: int, sort: str) -> None:
    from coop.auth.models import Cooperative
    from coop.db import atomic, db
    from coop.ledger import chart
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, post_entry
    from coop.savings.models import SavingsAccount

    app = _app(db_path)
    with app.app_context():
        cid = db.session.query(Cooperative.id).scalar()
        kas = account_by_code(cid, chart.KAS).id
        subs = [db.session.get(SavingsAccount, i).ledger_account_id for i in ids]
        db.session.remove()
        day = date(2026, 11, 27)

        def one(i):
            atomic(post_entry, cid, [Line.dr(kas, 1000 + i), Line.cr(subs[i % len(subs)], 1000 + i)],
                   actor=None, memo=f"setoran {i}", value_date=day)
            db.session.remove()
        for i in range(20):
            one(i)
        box, stop = _count_statements(db.engine)
        one(0)
        stop()
        c0 = time.process_time()
        for i in range(n):
            one(i)
        cpu = (time.process_time() - c0) / n
        prof = cProfile.Profile()
        prof.enable()
        for i in range(n):
            one(i)
        prof.disable()
    stats = pstats.Stats(prof)
    print(f"post_entry (atomic, fresh session): {stats.total_calls / n:,.0f} calls/entry, "
          f"{box['n']} SQL statements, {cpu * 1000:.2f} ms CPU/entry")
    stats.sort_stats(sort).print_stats(top)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--only", choices=["http", "ledger"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = f"{tmp}/profile.sqlite3"
        token, ids = setup(db_path, 50)
        if args.only != "ledger":
            profile_http(db_path, token, ids, args.n, args.top, args.sort)
        if args.only != "http":
            profile_post_entry(db_path, ids, args.n, args.top, args.sort)


if __name__ == "__main__":
    main()
