"""Loan reports: portfolio by collectibility class, PAR > 30 days, NPL ratio with the health rating,
arrears list for collection (with phone numbers), instalments due this week, member loan statement.

Days past due are computed LIVE from the oldest unpaid instalment (one grouped query), not from the
value the daily job last stored, so a report is right even between job runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from coop import settings as coop_settings
from coop.db import db
from coop.ledger.models import Account, JournalEntry, Posting
from coop.loans import rules
from coop.loans.models import Loan, LoanInstalment, LoanRepayment
from coop.loans.products import loan_class, provision_rates
from coop.membership.models import Member
from coop.registry.models import Resident


def _owed_expr():
    i = LoanInstalment
    return (i.principal_due - i.principal_paid + i.interest_due - i.interest_paid - i.interest_waived
            + i.fee_due - i.fee_paid)


def _current_version():
    return sa.and_(LoanInstalment.loan_id == Loan.id, LoanInstalment.version == Loan.schedule_version)


def oldest_unpaid(cooperative_id: int) -> dict[int, date]:
    """``{loan_id: due date of its oldest unpaid instalment}`` for active loans."""
    rows = db.session.execute(sa.select(Loan.id, sa.func.min(LoanInstalment.due_on)).join(
        LoanInstalment, _current_version()).where(
        Loan.cooperative_id == cooperative_id, Loan.status == "active", _owed_expr() > 0).group_by(Loan.id))
    return {lid: d for lid, d in rows}


def arrears_by_loan(cooperative_id: int, as_of: date) -> dict[int, int]:
    """Amount overdue (principal, interest, fees and penalties of instalments due before ``as_of``)."""
    i = LoanInstalment
    owed = _owed_expr() + i.penalty_due - i.penalty_paid
    rows = db.session.execute(sa.select(Loan.id, sa.func.sum(owed)).join(LoanInstalment, _current_version()).where(
        Loan.cooperative_id == cooperative_id, Loan.status == "active", i.due_on < as_of).group_by(Loan.id))
    return {lid: int(v or 0) for lid, v in rows if v}


def _pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Portfolio:
    as_of: date
    by_class: dict[int, dict[str, int]]
    total: int
    count: int
    par30: int
    par30_percent: Decimal
    npl_percent: Decimal
    rating: str
    risk_weighted: int
    provision_required: int

    @property
    def chart_rows(self) -> list[tuple[str, int]]:
        """(class name in the reader's language, outstanding) for the page's chart."""

        return [(gettext(rules.CLASSES[k]), v["outstanding"]) for k, v in sorted(self.by_class.items())]

    @property
    def count_rows(self) -> list[tuple[str, int]]:
        return [(gettext(rules.CLASSES[k]), v["count"]) for k, v in sorted(self.by_class.items())]


def oldest_unpaid_as_of(cooperative_id: int, as_of: date, loan_ids) -> dict[int, date]:
    """``{loan_id: due date of its oldest instalment still unpaid at the end of as_of}``: an instalment
    counts as unpaid then when it is unpaid today or was settled after ``as_of`` (its ``paid_on``).
    Instalments of the loan's current schedule version (a loan rescheduled after ``as_of`` is classed
    on its new schedule: the old one's instalments are not kept apart by date)."""
    ids = list(loan_ids)
    if not ids:
        return {}
    i = LoanInstalment
    unpaid_then = sa.or_(_owed_expr() > 0, i.paid_on > as_of)
    rows = db.session.execute(sa.select(Loan.id, sa.func.min(i.due_on)).join(LoanInstalment, _current_version())
                              .where(Loan.cooperative_id == cooperative_id, Loan.id.in_(ids), unpaid_then)
                              .group_by(Loan.id))
    return {lid: d for lid, d in rows}


def outstanding_as_of(cooperative_id: int, as_of: date) -> dict[int, int]:
    """``{loan_id: outstanding principal at the end of as_of}`` from the loans' ledger postings dated up
    to ``as_of`` (a replay of the journal), for every loan that owed something on that day: loans
    disbursed later are out, loans closed or written off since are in."""
    stmt = (sa.select(Loan.id, sa.func.sum(Posting.debit - Posting.credit))
            .join(Posting, Posting.account_id == Loan.ledger_account_id)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(Loan.cooperative_id == cooperative_id, JournalEntry.value_date <= as_of)
            .group_by(Loan.id))
    return {lid: int(v) for lid, v in db.session.execute(stmt) if v}


def portfolio(cooperative_id: int, as_of: date) -> Portfolio:
    """The portfolio on ``as_of`` as the books stood at the end of that day: the loans that owed
    principal then, with their outstanding from the journal up to ``as_of`` (see
    :func:`outstanding_as_of`), classed by the days past due of the oldest instalment unpaid then."""
    balances = outstanding_as_of(cooperative_id, as_of)
    oldest = oldest_unpaid_as_of(cooperative_id, as_of, balances)
    # the classes of the scheme new loans get, plus any class a running loan is in (DPK shows under the
    # 4-class scheme only while loans applied under the bank scheme are running)
    scheme = coop_settings.get_text(cooperative_id, "collectibility_scheme", as_of)
    by_class = {k: {"count": 0, "outstanding": 0} for k in rules.SCHEME_CLASSES.get(scheme, rules.CLASSES)}
    par30 = provision = 0
    loans_of = {lid: (terms, collateral) for lid, terms, collateral in db.session.execute(
        sa.select(Loan.id, Loan.terms, Loan.collateral_value).where(Loan.id.in_(list(balances))))} \
        if balances else {}
    for lid, balance in sorted(balances.items()):
        terms, collateral = loans_of[lid]
        dpd = rules.days_past_due(oldest.get(lid), as_of)
        klass = loan_class(terms, dpd, collateral, int(balance))
        row = by_class.setdefault(klass, {"count": 0, "outstanding": 0})
        row["count"] += 1
        row["outstanding"] += int(balance)
        provision += rules.provision_required(int(balance), klass, provision_rates(terms))
        if dpd > 30:
            par30 += int(balance)
    outstanding = {k: v["outstanding"] for k, v in by_class.items()}
    total = sum(outstanding.values())
    npl = rules.npl_ratio(outstanding)
    return Portfolio(as_of, by_class, total, sum(v["count"] for v in by_class.values()), par30, _pct(par30, total),
                     npl, rules.health_rating(npl), rules.risk_weighted_bad_loans(outstanding), provision)


def arrears_list(cooperative_id: int, as_of: date) -> list[dict]:
    """Loans in arrears, most days late first, with the member's phone for the collector."""

    oldest = {lid: d for lid, d in oldest_unpaid(cooperative_id).items() if d < as_of}
    if not oldest:
        return []
    amounts = arrears_by_loan(cooperative_id, as_of)
    rows = db.session.execute(
        sa.select(Loan, Member.member_number, Resident.full_name, Resident.phone, Account.balance)
        .join(Member, Member.id == Loan.member_id).join(Resident, Resident.id == Member.resident_id)
        .join(Account, Account.id == Loan.ledger_account_id).where(Loan.id.in_(list(oldest))))
    out: list[dict[str, Any]] = []
    for loan, number, name, phone, balance in rows:
        dpd = rules.days_past_due(oldest[loan.id], as_of)
        out.append({"loan": loan, "member_number": number, "name": name, "phone": phone, "days_past_due": dpd,
                    "arrears": amounts.get(loan.id, 0), "outstanding": int(balance),
                    "collectibility": loan_class(loan.terms, dpd, loan.collateral_value, int(balance))})
    out.sort(key=lambda r: (-r["days_past_due"], r["loan"].number))
    return out


def due_between(cooperative_id: int, start: date, end: date) -> list[dict]:
    """Unpaid instalments due from ``start`` to ``end`` inclusive (e.g. this week), by due date."""

    i = LoanInstalment
    owed = _owed_expr() + i.penalty_due - i.penalty_paid
    rows = db.session.execute(
        sa.select(Loan, i, Resident.full_name, Resident.phone, owed).join(LoanInstalment, _current_version())
        .join(Member, Member.id == Loan.member_id).join(Resident, Resident.id == Member.resident_id)
        .where(Loan.cooperative_id == cooperative_id, Loan.status == "active", i.due_on >= start, i.due_on <= end,
               _owed_expr() > 0).order_by(i.due_on, Loan.number))
    return [{"loan": loan, "instalment": inst, "name": name, "phone": phone, "amount": int(amount)}
            for loan, inst, name, phone, amount in rows]


def due_this_week(cooperative_id: int, as_of: date) -> list[dict]:
    return due_between(cooperative_id, as_of, as_of + timedelta(days=6))


def member_statement(cooperative_id: int, member_id: int) -> list[dict]:
    """Every loan of a member with its repayments (replayed ones shown as reversed)."""
    loans = list(db.session.scalars(sa.select(Loan).where(Loan.cooperative_id == cooperative_id,
                                                         Loan.member_id == member_id).order_by(Loan.id)))
    out = []
    for loan in loans:
        reps = list(db.session.scalars(sa.select(LoanRepayment).where(LoanRepayment.loan_id == loan.id)
                                       .order_by(LoanRepayment.paid_on, LoanRepayment.id)))
        out.append({"loan": loan, "repayments": reps, "outstanding": loan.outstanding_principal})
    return out
