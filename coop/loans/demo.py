"""Demo step: about 70 loans since January of last year in every state a treasurer meets, all through the
services: pending applications, approved and rejected ones, current loans paying on time, loans in
arrears in each collectibility class, paid off early, paid in full, rescheduled, written off with a
recovery, one backdated repayment. Posted month by month (one unit of work per month) with the daily
job run at each month end, so collectibility history and penalties build up in date order.

The demo product "Pinjaman Modal Usaha" is configured (thresholds are a product setting) with Macet
after 300 days, so the history shows all four classes. The bad loans paid for some months first (so last
year's PHU shows their interest), then stopped.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, post_entry
from coop.loans import jobs
from coop.loans import services as loans
from coop.loans.schedule import add_months
from coop.membership.models import Member

PRODUCTS = [
    {"name": "Pinjaman Modal Usaha", "method": "flat", "rate_percent_per_month": Decimal("1.5"),
     "min_term_months": 3, "max_term_months": 24, "min_principal": 500_000, "max_principal": 50_000_000,
     "fee_percent": Decimal("1"), "penalty_kind": "percent_overdue", "penalty_percent": Decimal("1"),
     "penalty_grace_days": 15, "kl_after_days": 90, "d_after_days": 180, "m_after_days": 300},
    {"name": "Pinjaman Produktif Menurun", "method": "efektif", "rate_percent_per_month": Decimal("1.25"),
     "min_term_months": 6, "max_term_months": 36, "min_principal": 2_000_000, "max_principal": 75_000_000,
     "fee_percent": Decimal("0.5"), "fee_fixed": 25_000, "grace_periods": 0},
    {"name": "Pinjaman Anuitas PMI Purna", "method": "anuitas", "rate_percent_per_month": Decimal("1.2"),
     "min_term_months": 6, "max_term_months": 36, "min_principal": 2_000_000, "max_principal": 100_000_000,
     "fee_fixed": 50_000, "fee_deducted": False},
    {"name": "Pinjaman Mingguan Pasar", "method": "flat", "rate_percent_per_month": Decimal("2"),
     "frequency": "weekly", "min_term_months": 1, "max_term_months": 6, "min_principal": 200_000,
     "max_principal": 5_000_000, "rounding_multiple": 500, "penalty_kind": "fixed", "penalty_fixed": 5_000,
     "penalty_grace_days": 3},
]

PURPOSES = ["Modal warung kelontong", "Ternak kambing", "Produksi keripik singkong", "Usaha jahit",
            "Bengkel motor", "Ternak bebek petelur", "Produksi sambal kemasan", "Kerajinan batik tulis",
            "Toko pulsa dan token listrik", "Budidaya lele"]


def _plan(rng) -> list[dict]:
    """Scenario per loan: (kind, months ago disbursed, product index, principal, term)."""
    out = []

    def add(kind, n, ago, product, amounts, terms):
        for _ in range(n):
            out.append({"kind": kind, "ago": rng.randint(*ago), "product": product,
                        "principal": rng.choice(amounts), "term": rng.choice(terms)})
    add("current", 20, (1, 8), 0, [2_000_000, 3_000_000, 5_000_000, 7_500_000, 10_000_000], [12, 18, 24])
    add("current", 8, (13, 20), 0, [5_000_000, 7_500_000, 10_000_000], [24])  # from last year, still running
    add("current", 6, (2, 16), 1, [5_000_000, 8_000_000, 12_000_000], [24])
    add("current", 4, (2, 18), 2, [6_000_000, 15_000_000, 30_000_000], [24])
    add("weekly", 3, (1, 2), 3, [1_000_000, 2_000_000], [3, 4])
    add("kl", 4, (8, 14), 0, [3_000_000, 5_000_000], [18, 24])
    add("d", 3, (10, 16), 0, [4_000_000, 6_000_000], [24])
    add("m", 2, (18, 20), 0, [5_000_000], [24])
    add("payoff", 4, (4, 14), 0, [3_000_000, 5_000_000], [18])
    add("paid", 2, (7, 9), 0, [1_000_000, 1_500_000], [3, 6])
    add("paid", 10, (14, 21), 0, [2_000_000, 3_000_000, 5_000_000], [6, 9, 12])  # last year's, paid in full
    add("reschedule", 2, (9, 10), 0, [6_000_000], [12])
    add("writeoff", 1, (18, 20), 0, [4_000_000], [12])
    add("applied", 4, (0, 0), 0, [2_000_000, 4_000_000, 30_000_000], [12])
    add("approved", 2, (0, 0), 1, [5_000_000], [12])
    add("rejected", 2, (0, 0), 0, [20_000_000], [24])
    return out


def _cash_from_bank(coop_id: int, amount: int, on: date, treasurer) -> None:
    """Before a cash disbursement, the treasurer draws what the box lacks from the bank (as a real
    treasurer would): the demo's history then holds on any business date, whatever the order of its
    deposits and loans (the cash box never goes below zero)."""

    kas, bank = account_by_code(coop_id, chart.KAS), account_by_code(coop_id, chart.BANK)
    short = amount - kas.balance
    if short > 0:
        draw = -(-short // 1_000_000) * 1_000_000
        post_entry(coop_id, [Line.dr(kas.id, draw), Line.cr(bank.id, draw)], actor=treasurer,
                   memo="Ambil uang dari bank untuk pencairan pinjaman", value_date=on, source="demo.cash_from_bank")


def load(ctx) -> None:  # noqa: C901, PLR0915 -- a linear demo script

    coop_id = ctx.cooperative.id
    rng = ctx.rng
    today = ctx.today
    treasurer, manager, admin = ctx.users.get("bendahara"), ctx.users.get("manajer"), ctx.users.get("admin")
    member_ids = ctx.data.get("member_ids") or []
    members = list(db.session.scalars(sa.select(Member).where(Member.id.in_(member_ids), Member.status == "active")
                                      .order_by(Member.joined_on, Member.id))) if member_ids else []
    if not members or treasurer is None or manager is None:
        ctx.echo("    loans: no active members, skipped")
        return

    products = atomic(lambda: [loans.create_product(coop_id, actor=admin, **p).id for p in PRODUCTS])
    plan = _plan(rng)
    pool = list(members)
    rng.shuffle(pool)

    # 1. applications, decisions and disbursements (one unit of work)
    def _originate():
        made = []
        for i, sc in enumerate(plan):
            disbursed = add_months(today, -sc["ago"]) - timedelta(days=rng.randint(0, 20))
            candidates = [m for m in pool if m.joined_on <= disbursed - timedelta(days=3)]
            if not candidates:
                continue
            m = candidates[i % len(candidates)]
            applied = max(m.joined_on, disbursed - timedelta(days=3))
            loan = loans.apply(coop_id, actor=treasurer, member_id=m.id, product_id=products[sc["product"]],
                               principal=sc["principal"], term_months=sc["term"], purpose=rng.choice(PURPOSES),
                               applied_on=applied, business_description="Usaha rumahan, dikelola keluarga PMI purna",
                               collateral_description=rng.choice([None, "BPKB motor", "Sertifikat tanah"]),
                               collateral_value=rng.choice([None, 8_000_000, 25_000_000]))
            if sc["kind"] == "applied":
                if loan.principal > 25_000_000:  # first of two approvals given
                    loans.decide(coop_id, loan.id, actor=manager, decision="approve", note="Layak", on=applied)
                continue
            if sc["kind"] == "rejected":
                loans.decide(coop_id, loan.id, actor=manager, decision="reject",
                             note="Rencana usaha belum lengkap", on=applied)
                continue
            loans.decide(coop_id, loan.id, actor=manager, decision="approve", note="Layak", on=applied)
            if loan.status == "applied":
                loans.decide(coop_id, loan.id, actor=admin, decision="approve", note="Setuju", on=applied)
            if sc["kind"] == "approved":
                continue
            first_due = disbursed + timedelta(weeks=1) if sc["kind"] == "weekly" else add_months(disbursed, 1)
            if i % 5 != 0:
                _cash_from_bank(coop_id, sc["principal"], disbursed, treasurer)
            loans.disburse(coop_id, loan.id, actor=treasurer, disbursed_on=disbursed, first_due_date=first_due,
                           mode="savings" if i % 5 == 0 else "cash")
            made.append((loan.id, sc))
        return made
    made = atomic(_originate)

    # 2. history month by month: repayments due in the month, then the daily job at month end
    # months before today when a loan's payments stop: KL ~120 days late, D ~210, M and write-off ~360
    stop = {"current": None, "weekly": None, "kl": 4, "d": 7, "m": 12, "payoff": None, "paid": None,
            "reschedule": 5, "writeoff": 12}
    start = ctx.data.get("history_start") or date(today.year - 1, 1, 1)
    month = start
    events: dict[date, list] = defaultdict(list)
    for loan_id, sc in made:
        loan = db.session.get_one(loans.Loan, loan_id)
        cutoff = add_months(today, -months) if (months := stop[sc["kind"]]) else today
        insts = loans.instalments(loan)
        for inst in insts:
            if inst.due_on > cutoff or inst.due_on > today:
                break
            late = rng.choice([0, 0, 0, 1, 2, 5, 20]) if sc["kind"] == "current" else 0
            paid_on = min(today, inst.due_on + timedelta(days=late))
            events[paid_on].append(("repay", loan_id, inst.principal_due + inst.interest_due + inst.fee_due))
        if sc["kind"] == "payoff":
            events[today - timedelta(days=rng.randint(3, 40))].append(("payoff", loan_id, 0))
        if sc["kind"] == "reschedule":
            events[add_months(today, -3)].append(("reschedule", loan_id, 0))
    ordered = sorted(events.items())

    def _month(m_start: date, m_end: date):
        for day, evs in ordered:
            if not m_start <= day <= m_end:
                continue
            for kind, loan_id, amount in evs:
                loan = db.session.get_one(loans.Loan, loan_id)
                if loan.status != "active":
                    continue
                if kind == "repay":
                    loans.repay(coop_id, loan_id, amount, actor=treasurer, paid_on=day)
                elif kind == "payoff":
                    loans.pay_off(coop_id, loan_id, actor=treasurer, paid_on=day)
                elif kind == "reschedule":
                    loans.reschedule(coop_id, loan_id, actor=manager, on=day, term_months=12,
                                     first_due_date=add_months(day, 1))
        jobs.run_daily(coop_id, min(m_end, today))
        if m_end < today:
            jobs.post_provision(coop_id, m_end)

    while month <= today:
        m_end = add_months(month, 1) - timedelta(days=1)
        atomic(_month, month, m_end)
        month = add_months(month, 1)

    # rescheduled loans then pay their new instalments up to today
    def _after_reschedule():
        for loan_id, sc in made:
            loan = db.session.get(loans.Loan, loan_id)
            if sc["kind"] != "reschedule" or loan.status != "active":
                continue
            for inst in loans.instalments(loan):
                if inst.due_on > today:
                    break
                loans.repay(coop_id, loan_id, inst.remaining, actor=treasurer, paid_on=inst.due_on)
        # a backdated repayment: a current loan gets a payment dated before its latest one
        back = today - timedelta(days=45)
        for loan_id, sc in made:
            loan = db.session.get(loans.Loan, loan_id)
            if sc["kind"] == "current" and loan.status == "active" and loan.disbursed_on < back - timedelta(days=30):
                loans.repay(coop_id, loan.id, 100_000, actor=treasurer, paid_on=back)
                break
        # write-off (manager asks, admin approves) and a recovery
        for loan_id, sc in made:
            loan = db.session.get(loans.Loan, loan_id)
            if sc["kind"] == "writeoff" and loan.status == "active" and admin is not None:
                loans.request_write_off(coop_id, loan_id, actor=manager, note="Peminjam pindah ke luar negeri")
                loans.approve_write_off(coop_id, loan_id, actor=admin, on=today - timedelta(days=20))
                loans.record_recovery(coop_id, loan_id, 750_000, actor=treasurer, received_on=today - timedelta(days=5))
        jobs.run_daily(coop_id, today)
    atomic(_after_reschedule)
    counts = dict(db.session.execute(sa.select(loans.Loan.status, sa.func.count()).where(
        loans.Loan.cooperative_id == coop_id).group_by(loans.Loan.status)).all())
    ctx.data["loan_ids"] = [lid for lid, _ in made]
    ctx.echo(f"    loans: {sum(counts.values())} pinjaman {counts}")
