"""Benchmark: the daily job run's last-run lookups, old (one ``max(as_of)`` query per job and cooperative)
against new (one ``GROUP BY cooperative_id, job_id`` statement for every cooperative, issue 20). Not in CI.

    scripts/with_postgres.sh sh -c '.venv/bin/python bench/bench_jobs_lastruns.py --url "$COOP_TEST_DATABASE_URL"'

Builds ``--cooperatives`` cooperatives of ``--members`` members (bench_scale's bulk builder: 3 months of
pokok and wajib) and ``--history-days`` days of job history per cooperative and daily job (what pruning
keeps: 400 days), then runs the ordinary days 3..(2 + 2 x --rounds) of a month alternately the old way and
the new way, each day once: statements and CPU milliseconds of this process per cooperative, and wall time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from bench_scale import build  # noqa: E402

from coop import clock, create_app, jobs  # noqa: E402
from coop.auth.models import Cooperative  # noqa: E402
from coop.db import db, utcnow  # noqa: E402
from coop.jobs.models import JobRun  # noqa: E402

CATCH_UP = date(2026, 11, 2)


def old_last(cid: int) -> jobs.LastRuns:
    """What run_due read before: one max(as_of) per job with a period record."""
    out = {}
    for job in jobs.JOBS:
        if job.frequency == "always":
            continue
        day = db.session.scalar(sa.select(sa.func.max(JobRun.as_of)).where(
            JobRun.job_id == job.id, JobRun.cooperative_id == cid))
        if day is not None:
            out[(cid, job.id)] = day
    return out


def run_old(day: date) -> None:
    for cid in db.session.scalars(sa.select(Cooperative.id).order_by(Cooperative.id)).all():
        jobs.run_due(cid, day, echo=lambda *_: None, last=old_last(cid))


def run_new(day: date) -> None:
    done, failed = jobs.run_all(lambda _c: day, echo=lambda *_: None)
    assert not failed, failed


def measure(app, fn, day: date) -> tuple[int, float, float]:
    seen = [0]

    def note(*_a):
        seen[0] += 1

    with app.app_context(), clock.frozen(day):
        sa.event.listen(db.engine, "before_cursor_execute", note)
        c0, t0 = time.process_time(), time.perf_counter()
        try:
            fn(day)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        db.session.remove()
    return seen[0], cpu, wall


def history(app, days: int) -> int:
    with app.app_context():
        ids = db.session.scalars(sa.select(Cooperative.id)).all()
        daily = [j.id for j in jobs.JOBS if j.frequency == "daily"]
        now, rows = utcnow(), 0
        for cid in ids:
            batch = [{"job_id": jid, "cooperative_id": cid, "period_key": (CATCH_UP - timedelta(days=d)).isoformat(),
                      "as_of": CATCH_UP - timedelta(days=d), "finished_at": now, "summary": ""}
                     for jid in daily for d in range(1, days + 1)]
            db.session.execute(JobRun.__table__.insert(), batch)
            rows += len(batch)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE job_runs"))
        db.session.commit()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("COOP_BENCH_DATABASE_URL"))
    ap.add_argument("--cooperatives", type=int, default=40)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--history-days", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        print("bench_jobs_lastruns: skipped (needs an empty PostgreSQL database: --url)")
        return
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()
        db.session.remove()
    n = args.cooperatives
    t0 = time.perf_counter()
    build(app, 0, n, args.members, 3)
    rows = history(app, args.history_days)
    print(f"built {n} cooperatives x {args.members} members, {rows:,} job_runs rows of history "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)
    measure(app, run_new, CATCH_UP)  # the month end's catch-up, out of the way
    results: dict[str, list[tuple[int, float, float]]] = {"old": [], "new": []}
    day = CATCH_UP
    for _ in range(args.rounds):
        for name, fn in (("old", run_old), ("new", run_new)):
            day += timedelta(days=1)
            results[name].append(measure(app, fn, day))
    with app.app_context():
        ids = db.session.scalars(sa.select(Cooperative.id)).all()
        for name, read in (("old", lambda: [old_last(c) for c in ids]), ("new", jobs.last_runs)):
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                read()
                times.append(time.perf_counter() - t0)
            print(f"  the last-run lookups alone, {name}: {statistics.median(times) * 1000:.1f} ms for {n} cooperatives")
        db.session.remove()
    print(f"ordinary days {CATCH_UP + timedelta(days=1)} .. {day}, alternating, {args.rounds} each:")
    for name, res in results.items():
        stmts = statistics.median(r[0] for r in res) / n
        cpu = statistics.median(r[1] for r in res) * 1000 / n
        wall = statistics.median(r[2] for r in res) * 1000 / n
        print(f"  {name}: {stmts:6.1f} statements, {cpu:6.2f} ms CPU, {wall:6.2f} ms wall per cooperative "
              f"(median of {len(res)} days; totals {[r[0] for r in res]})")


if __name__ == "__main__":
    main()
