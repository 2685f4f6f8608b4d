"""Loan jobs: the incremental daily arrears run and the monthly PPAP provision adjustment.

Daily (``loans.daily``): only loans whose ``next_action_date`` has come are touched. For each: days past
due from the oldest unpaid instalment, penalties per the loan's copied product terms, the collectibility
class (a history row only when it changes), and the next date anything can change. ``coop.jobs`` runs
missed days in order; a loan already processed for a day is skipped, so rerunning a day changes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from coop.db import db
from coop.ledger import chart
from coop.ledger.models import Account
from coop.ledger.services import Line, account_by_code, lock_head, post_entry
from coop.loans import rules
from coop.loans.models import Loan, LoanClassChange, LoanInstalment, LoanPenalty, LoanProvision
from coop.loans.products import loan_class, provision_rates, thresholds

CHUNK = 500
#: instalments further ahead than this are not loaded by the daily run (the next one is enough)
LOOKAHEAD = timedelta(days=62)


def _unpaid(ins: LoanInstalment) -> bool:
    return ins.owed("principal") + ins.owed("interest") + ins.owed("fee") > 0


def process_loan(loan: Loan, insts: list[LoanInstalment], as_of: date, penalties: list, changes: list) -> None:
    """Bring one loan up to ``as_of`` (pure on the loaded objects; new rows are appended to the lists)."""
    terms = loan.terms
    unpaid = [i for i in insts if _unpaid(i)]
    oldest = unpaid[0].due_on if unpaid else None
    dpd = rules.days_past_due(oldest, as_of)
    kind, grace = terms["penalty_kind"], int(terms["penalty_grace_days"])
    pct, fixed = Decimal(terms["penalty_percent"]), int(terms["penalty_fixed"])
    for i in unpaid:
        if i.due_on >= as_of:
            break
        overdue = i.owed("principal") + i.owed("interest") + i.owed("fee")
        amount = rules.penalty_today(kind, overdue=overdue, dpd=(as_of - i.due_on).days, grace_days=grace,
                                     percent=pct, fixed=fixed, already_charged=i.penalty_due > 0)
        if amount:
            i.penalty_due += amount
            penalties.append({"cooperative_id": loan.cooperative_id, "loan_id": loan.id, "instalment_id": i.id,
                              "charged_on": as_of, "amount": amount})
    th = thresholds(terms)
    # the outstanding principal matters only past the D threshold (is the collateral enough?)
    klass = loan_class(terms, dpd, loan.collateral_value, loan.outstanding_principal if dpd > th[2] else 0)
    if klass != loan.collectibility:
        changes.append({"cooperative_id": loan.cooperative_id, "loan_id": loan.id, "changed_on": as_of,
                        "from_class": loan.collectibility, "to_class": klass, "days_past_due": dpd})
        loan.collectibility = klass
    loan.days_past_due = dpd
    loan.last_processed_on = as_of
    nxt = rules.next_action_date(
        as_of=as_of, unpaid_due_dates=[i.due_on for i in unpaid], thresholds=th, penalty_kind=kind,
        grace_days=grace, uncharged_overdue_due_dates=[i.due_on for i in unpaid if i.penalty_due == 0])
    if nxt is None and loan.status == "active":
        nxt = as_of + LOOKAHEAD  # something may still be owed beyond the loaded window
    loan.next_action_date = nxt


def run_daily(cooperative_id: int, as_of: date) -> str:
    """The daily loan run for one day (see the module docstring). Idempotent per loan and day.

    Each chunk's loans are locked (``FOR UPDATE``, ascending ids, read again) before their instalments are
    read: every repayment, payoff and write-off locks its loan first, so one committing first is seen and one
    coming after waits and re-assesses the days it covers. Read without the lock, a payment committing in
    between was charged a penalty and its loan stored late. The lock's condition is the selection's: a loan
    that stopped being due meanwhile (paid off, processed by another run) is left alone."""
    due = (Loan.cooperative_id == cooperative_id, Loan.status == "active", Loan.next_action_date <= as_of,
           sa.or_(Loan.last_processed_on.is_(None), Loan.last_processed_on < as_of))
    ids = list(db.session.scalars(sa.select(Loan.id).where(*due).order_by(Loan.id)))
    n_pen = n_changes = n_loans = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        loans = list(db.session.scalars(sa.select(Loan).where(Loan.id.in_(chunk), *due).order_by(Loan.id)
                                        .with_for_update().execution_options(populate_existing=True)))
        n_loans += len(loans)
        version = {loan.id: loan.schedule_version for loan in loans}
        # the loans' sub-accounts into the identity map in one query: the collateral test reads them
        db.session.scalars(sa.select(Account).where(Account.id.in_(
            [loan.ledger_account_id for loan in loans if loan.ledger_account_id and loan.days_past_due > 0]))
            .execution_options(populate_existing=True)).all()
        by_loan = defaultdict(list)
        for ins in db.session.scalars(
                sa.select(LoanInstalment).join(Loan, Loan.id == LoanInstalment.loan_id).where(
                    LoanInstalment.loan_id.in_(chunk), LoanInstalment.version == Loan.schedule_version,
                    LoanInstalment.due_on <= as_of + LOOKAHEAD, LoanInstalment.paid_on.is_(None))
                .order_by(LoanInstalment.loan_id, LoanInstalment.number)
                .execution_options(populate_existing=True)):
            if ins.version == version[ins.loan_id]:
                by_loan[ins.loan_id].append(ins)
        penalties: list = []
        changes: list = []
        for loan in loans:
            process_loan(loan, by_loan[loan.id], as_of, penalties, changes)
        if penalties:
            db.session.execute(sa.insert(LoanPenalty), penalties)
        if changes:
            db.session.execute(sa.insert(LoanClassChange), changes)
        db.session.flush()
        n_pen += len(penalties)
        n_changes += len(changes)
    return f"{n_loans} pinjaman diproses, {n_pen} denda, {n_changes} perubahan kolektibilitas"


def post_provision(cooperative_id: int, as_of: date, actor=None) -> LoanProvision:
    """PPAP for the month ending ``as_of``: required = sum of outstanding x class rate per loan; the
    difference to the provision account (1209) is posted (Dr 5102 / Cr 1209, or back). Once per month.

    The ledger's head is locked before the balances are read: a write-off (or a repayment) committing
    between these reads and the posting moved the provision or a loan's balance behind them (the posted
    difference then left the provision off what is required); a second run of the month waits and finds the
    first's row."""
    lock_head(cooperative_id)
    period = as_of.strftime("%Y-%m")
    existing = db.session.scalar(sa.select(LoanProvision).where(LoanProvision.cooperative_id == cooperative_id,
                                                                LoanProvision.period == period))
    if existing is not None:
        return existing
    required = 0
    detail = {str(k): 0 for k in rules.CLASSES}
    for klass, balance, terms in db.session.execute(
            sa.select(Loan.collectibility, Account.balance, Loan.terms).join(Account, Account.id == Loan.ledger_account_id)
            .where(Loan.cooperative_id == cooperative_id, Loan.status == "active")):
        amount = rules.provision_required(int(balance), klass, provision_rates(terms))
        required += amount
        detail[str(klass)] += amount
    provision = account_by_code(cooperative_id, chart.PENYISIHAN)
    previous = provision.natural_balance()
    adjustment = required - previous
    entry_id = None
    if adjustment:
        expense = account_by_code(cooperative_id, chart.BEBAN_PENYISIHAN).id
        lines = ([Line.dr(expense, adjustment), Line.cr(provision.id, adjustment)] if adjustment > 0
                 else [Line.dr(provision.id, -adjustment), Line.cr(expense, -adjustment)])
        entry_id = post_entry(cooperative_id, lines, actor=actor, memo=f"Penyesuaian PPAP {period}", value_date=as_of,
                              source="loans.provision", source_ref=period).id
    row = LoanProvision(cooperative_id=cooperative_id, period=period, as_of=as_of, required=required,
                        previous=previous, adjustment=adjustment, entry_id=entry_id, detail=detail)
    db.session.add(row)
    db.session.flush()
    return row


def run_provision(cooperative_id: int, as_of: date) -> str:
    row = post_provision(cooperative_id, as_of)
    return f"PPAP {row.period}: wajib {row.required}, penyesuaian {row.adjustment}"
