"""Benchmark: training applications under contention. N threads apply at once to one cohort (the cohort
row is the lock every application takes); baseline measured in the same run: the same applications one
after another from a single thread. Prints applications per second and the ratio.

    .venv/bin/python bench/bench_training_enrol.py [--residents 400] [--threads 8] [--capacity 100]

Also checks the outcome: exactly ``capacity`` enrolled, the rest waitlisted, seq 1..N without gaps.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(db_path: str):
    from flask_migrate import upgrade

    from coop import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                      "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()
    return app


def setup(app, residents: int, capacity: int) -> tuple[int, list[int], list[int]]:
    """A cooperative, two identical cohorts and ``residents`` PMI purna residents."""
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger.services import create_chart
    from coop.registry.services import add_migration_record, create_resident
    from coop.training.services import create_cohort, create_program

    with app.app_context():
        def _do():
            c = create_cooperative(name="Koperasi Bench", village_code="3504042001")
            create_chart(c.id)
            p = create_program(c.id, name="Bench", topic="Bench", organiser="Bench")
            days = [date(2026, 12, 1) + timedelta(days=i) for i in range(3)]
            cohorts = [create_cohort(c.id, program_id=p.id, starts_on=days[0], ends_on=days[-1], capacity=capacity,
                                     venue="Balai", sessions=days).id for _ in range(2)]
            ids = []
            for i in range(residents):
                r = create_resident(c.id, {"nik": f"350404450588{i + 1:04d}", "kk_number": f"350404010715{i + 1:04d}",
                                           "full_name": f"Peserta {i}", "sex": "F", "birth_place": "Tulungagung",
                                           "birth_date": date(1988, 5, 5), "village_code": "3504042001",
                                           "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
                add_migration_record(c.id, r.id, {"status": "purna", "country": "HK",
                                                  "departure_date": date(2017, 1, 1),
                                                  "return_date": date(2021, 1, 1)}, actor=None)
                ids.append(r.id)
            return c.id, cohorts, ids
        return atomic(_do)


def run(app, coop_id: int, cohort_id: int, resident_ids: list[int], threads: int) -> float:
    from coop.db import atomic, db
    from coop.training.services import enrol

    chunks = [resident_ids[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads)
    errors = []

    def worker(chunk):
        with app.app_context():
            barrier.wait()
            for rid in chunk:
                try:
                    atomic(enrol, coop_id, cohort_id, rid, applied_on=date(2026, 11, 27), channel="self")
                except Exception as exc:  # noqa: BLE001 - reported
                    errors.append(repr(exc))
            db.session.remove()

    ts = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} errors, first: {errors[0]}")
    return elapsed


def check(app, cohort_id: int, n: int, capacity: int) -> None:
    import sqlalchemy as sa

    from coop.db import db
    from coop.training.models import Enrolment

    with app.app_context():
        rows = list(db.session.execute(sa.select(Enrolment.seq, Enrolment.status)
                                       .where(Enrolment.cohort_id == cohort_id).order_by(Enrolment.seq)))
        assert [s for s, _ in rows] == list(range(1, n + 1)), "seq has gaps or duplicates"
        enrolled = sum(1 for _, st in rows if st == "enrolled")
        assert enrolled == min(capacity, n), f"{enrolled} enrolled for capacity {capacity}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=400)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--capacity", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(str(Path(tmp) / "bench.sqlite3"))
        coop_id, (c_serial, c_parallel), ids = setup(app, args.residents, args.capacity)
        serial = run(app, coop_id, c_serial, ids, 1)
        parallel = run(app, coop_id, c_parallel, ids, args.threads)
        check(app, c_serial, len(ids), args.capacity)
        check(app, c_parallel, len(ids), args.capacity)
    n = len(ids)
    print(f"applications: {n} into capacity {args.capacity} (SQLite)")
    print(f"baseline, 1 thread:      {n / serial:8.1f} per second ({serial:.2f} s)")
    print(f"contended, {args.threads} threads:    {n / parallel:8.1f} per second ({parallel:.2f} s)")
    print(f"ratio contended/baseline: {serial / parallel:.2f}  (outcome checked: {args.capacity} enrolled, "
          f"{n - args.capacity} waitlisted, seq 1..{n})")


if __name__ == "__main__":
    main()
