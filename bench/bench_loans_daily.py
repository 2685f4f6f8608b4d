"""Benchmark: the incremental daily loan job (``loans.daily``) over 10,000 active loans.

    .venv/bin/python bench/bench_loans_daily.py [--loans 10000] [--due-percent 5]
    COOP_BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/bench_loans_daily.py   # on PostgreSQL

Goals (issue 6): with 5 % of the loans due, at most 5 s; with every loan due, at most 30 s.

Set-up (not timed): 100 members through the services, one flat product, and the loans with their ledger
sub-accounts and 12-instalment schedules bulk-inserted (disbursing 10,000 loans one by one would only
measure the ledger). Scenario A runs day D where ``due-percent`` of the loans have an instalment 20 days
overdue (penalty, class check); the rest are skipped by ``next_action_date``. Scenario B runs day D+1
with every loan's ``next_action_date`` reached. Baseline measured in the same run: a raw-SQL read of
every active loan with its unpaid instalments (the least any non-incremental job must do each night),
so the ratio says how much of a full scan the incremental run costs.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

D = date(2026, 6, 15)


def _app(url: str):
    from coop import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "localhost"})


def setup(n_loans: int, due_percent: int) -> int:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from coop.auth.services import create_cooperative
    from coop.db import atomic, db
    from coop.ledger.models import Account
    from coop.ledger.services import account_by_code, create_chart
    from coop.loans import schedule
    from coop.loans import services as loans
    from coop.loans.models import Loan, LoanInstalment
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings

    upgrade()

    def _base():
        c = create_cooperative(name="Koperasi Bench Pinjaman", village_code="3504042001")
        create_chart(c.id)
        savings.seed_defaults(c.id)
        ids = []
        for i in range(1, 101):
            bd = date(1970 + i % 30, 1 + i % 12, 1 + i % 27)
            r = create_resident(c.id, {
                "nik": f"350404{bd.day + 40:02d}{bd.month:02d}{bd.year % 100:02d}{i:04d}",
                "kk_number": f"350404010715{i:04d}", "full_name": f"Peminjam {i}", "sex": "F",
                "birth_place": "Tulungagung", "birth_date": bd, "village_code": "3504042001",
                "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            ids.append(register_member(c.id, r.id, date(2025, 1, 2), actor=None).id)
        p = loans.create_product(c.id, actor=None, name="Bench", method="flat", rate_percent_per_month=Decimal("1.5"))
        return c.id, ids, p.id
    coop_id, member_ids, product_id = atomic(_base)
    product = loans.get_product(coop_id, product_id)
    terms = loans.terms_of(product)
    parent = account_by_code(coop_id, "1201")
    n_due = n_loans * due_percent // 100
    late_plan = schedule.build_schedule(5_000_000, loans.schedule_terms(terms, 12), D - timedelta(days=20))
    ok_plan = schedule.build_schedule(5_000_000, loans.schedule_terms(terms, 12), D + timedelta(days=10))
    chunk = 2000
    for start in range(0, n_loans, chunk):
        def _chunk(start=start):
            idx = range(start, min(n_loans, start + chunk))
            db.session.execute(sa.insert(Account), [
                {"cooperative_id": coop_id, "code": f"1201.B{i:06d}", "name": f"Pinjaman B{i:06d}", "type": "asset",
                 "normal_side": "D", "parent_id": parent.id, "balance": 5_000_000, "min_balance": 0,
                 "is_control": False, "is_open": True, "created_at": _now()} for i in idx])
            acc = dict(db.session.execute(sa.select(Account.code, Account.id).where(
                Account.cooperative_id == coop_id, Account.code.in_([f"1201.B{i:06d}" for i in idx]))).all())
            db.session.execute(sa.insert(Loan), [
                {"cooperative_id": coop_id, "number": f"B{i:06d}", "member_id": member_ids[i % 100],
                 "product_id": product_id, "purpose": "bench", "principal": 5_000_000, "term_months": 12,
                 "terms": terms, "method": "flat", "rate_percent_per_month": Decimal("1.5"), "frequency": "monthly",
                 "status": "active", "applied_on": D - timedelta(days=60), "disbursed_on": D - timedelta(days=50),
                 "first_due_date": (late_plan if i < n_due else ok_plan)[0].due_date, "fee_amount": 0,
                 "ledger_account_id": acc[f"1201.B{i:06d}"], "schedule_version": 1, "collectibility": 1,
                 "days_past_due": 0, "written_off_amount": 0, "created_at": _now(),
                 "next_action_date": D if i < n_due else D + timedelta(days=11)} for i in idx])
            ids = dict(db.session.execute(sa.select(Loan.number, Loan.id).where(
                Loan.cooperative_id == coop_id, Loan.number.in_([f"B{i:06d}" for i in idx]))).all())
            rows = []
            for i in idx:
                for inst in (late_plan if i < n_due else ok_plan):
                    rows.append({"cooperative_id": coop_id, "loan_id": ids[f"B{i:06d}"], "version": 1,
                                 "number": inst.number, "due_on": inst.due_date, "principal_due": inst.principal,
                                 "interest_due": inst.interest, "fee_due": 0, "penalty_due": 0, "principal_paid": 0,
                                 "interest_paid": 0, "fee_paid": 0, "penalty_paid": 0, "interest_waived": 0})
            db.session.execute(sa.insert(LoanInstalment), rows)
        atomic(_chunk)
    return coop_id


def _now():
    from coop.db import utcnow

    return utcnow()


def baseline(coop_id: int) -> tuple[float, int]:
    """Raw SQL: every active loan with its unpaid instalments (what a full nightly scan must read)."""
    from coop.db import db

    t0 = time.perf_counter()
    rows = db.session.execute(__import__("sqlalchemy").text(
        "SELECT l.id, l.terms, i.due_on, i.principal_due - i.principal_paid, i.interest_due - i.interest_paid "
        "FROM loans l JOIN loan_instalments i ON i.loan_id = l.id AND i.version = l.schedule_version "
        "WHERE l.cooperative_id = :c AND l.status = 'active' AND i.paid_on IS NULL ORDER BY l.id, i.number"),
        {"c": coop_id}).all()
    db.session.rollback()
    return time.perf_counter() - t0, len(rows)


def run(coop_id: int, as_of: date) -> tuple[float, str]:
    from coop.db import atomic
    from coop.loans.jobs import run_daily

    t0 = time.perf_counter()
    summary = atomic(run_daily, coop_id, as_of)
    return time.perf_counter() - t0, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=10_000)
    ap.add_argument("--due-percent", type=int, default=5)
    args = ap.parse_args()
    url = os.environ.get("COOP_BENCH_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.mkdtemp(prefix="bench-loans-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
    app = _app(url)
    with app.app_context():
        import sqlalchemy as sa

        from coop.db import atomic, db
        from coop.loans.models import Loan

        t0 = time.perf_counter()
        coop_id = setup(args.loans, args.due_percent)
        print(f"set-up: {args.loans} loans, {args.loans * 12} instalments in {time.perf_counter() - t0:.1f} s "
              f"({db.engine.dialect.name})")
        base_t, base_rows = baseline(coop_id)
        print(f"baseline raw-SQL full scan: {base_rows} rows in {base_t:.3f} s")

        ta, sa_ = run(coop_id, D)
        n_a = args.loans * args.due_percent // 100
        print(f"A ({args.due_percent} % due, day {D}): {ta:.3f} s  [{sa_}]  {n_a / ta:,.0f} due loans/s, "
              f"{args.loans / ta:,.0f} portfolio loans/s; goal <= 5 s: {'OK' if ta <= 5 else 'MISSED'}; "
              f"x{ta / base_t:.2f} of the raw full-scan read")
        rerun, _ = run(coop_id, D)
        print(f"A rerun (idempotent, nothing to do): {rerun:.3f} s")

        day_b = D + timedelta(days=1)
        atomic(lambda: db.session.execute(sa.update(Loan).where(Loan.cooperative_id == coop_id)
                                          .values(next_action_date=day_b)))
        tb, sb = run(coop_id, day_b)
        print(f"B (all due, day {day_b}): {tb:.3f} s  [{sb}]  {args.loans / tb:,.0f} loans/s; "
              f"goal <= 30 s: {'OK' if tb <= 30 else 'MISSED'}; x{tb / base_t:.2f} of the raw full-scan read")
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
