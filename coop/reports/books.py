"""The other auditor books as streamed CSV: trial balance, member ledgers, loan portfolio, training
participants. NIK is masked (``3302********0001``) unless the caller says the role may see it
(``coop.auth.roles.SEES_NIK``); the blueprint decides, these functions only obey ``sees_nik``.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from coop.db import db, reads_replica
from coop.formatting import mask_nik
from coop.ledger.models import Account, JournalEntry, Posting
from coop.ledger.reports import trial_balance
from coop.loans.models import Loan, LoanProduct
from coop.membership.models import Member
from coop.registry.models import Resident
from coop.reports.exports import Period, account_owners, csv_chunks, movements, stream_rows
from coop.training.models import Cohort, Enrolment, Program

BOOKS = {
    "trial-balance.csv": "Neraca saldo",
    "member-ledgers.csv": "Buku pembantu anggota (simpanan dan pinjaman)",
    "loan-portfolio.csv": "Portofolio pinjaman",
    "training-participants.csv": "Peserta pelatihan",
}


def _nik(nik: str | None, sees_nik: bool) -> str:
    return (nik or "") if sees_nik else mask_nik(nik)


def last_value_date(cooperative_id: int) -> date | None:
    return db.session.scalar(sa.select(sa.func.max(JournalEntry.value_date))
                             .where(JournalEntry.cooperative_id == cooperative_id))


@reads_replica
def trial_balance_csv(cooperative_id: int, as_of: date) -> Iterator[str]:
    """The ledger's trial balance (``coop.ledger.reports.trial_balance``) as CSV with a total row."""

    tb = trial_balance(cooperative_id, as_of)
    rows = [(r["code"], r["name"], r["type"], r["debit"], r["credit"]) for r in tb["accounts"]]
    rows.append(("", f"JUMLAH per {as_of.isoformat()}", "", tb["total_debit"], tb["total_credit"]))
    return csv_chunks(["account_code", "account_name", "type", "debit", "credit"], rows)


def _members(cooperative_id: int) -> dict[str, tuple[str, str]]:
    """``{member number: (name, NIK)}``."""

    return {num: (name, nik) for num, name, nik in db.session.execute(
        sa.select(Member.member_number, Resident.full_name, Resident.nik)
        .join(Resident, Resident.id == Member.resident_id).where(Member.cooperative_id == cooperative_id))}


@reads_replica
def member_ledgers_csv(cooperative_id: int, period: Period, *, sees_nik: bool) -> Iterator[str]:
    """Every posting on a member-owned sub-account (savings accounts, loans), grouped by member and
    account, with an opening row and the running balance on the account's normal side."""
    owners = account_owners(cooperative_id)
    people = _members(cooperative_id)
    accounts = {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.id.in_(list(owners))))} \
        if owners else {}

    opening = movements(cooperative_id, before=period.start) if period.start else {}
    header = ["member_number", "member_name", "nik", "account_code", "account_name", "value_date", "voucher_number",
              "memo", "debit", "credit", "balance"]

    def rows():
        stmt = (sa.select(Posting.account_id, JournalEntry.value_date, JournalEntry.voucher_number, JournalEntry.memo,
                          Posting.debit, Posting.credit)
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                .join(Account, Account.id == Posting.account_id)
                .where(JournalEntry.cooperative_id == cooperative_id, Account.parent_id.is_not(None),
                       *period.where(JournalEntry.value_date))
                .order_by(Account.code, JournalEntry.value_date, JournalEntry.chain_seq, Posting.line_no))
        current, balance, sign = None, 0, 1
        seen: set[int] = set()
        for aid, vdate, voucher, memo, debit, credit in stream_rows(stmt):
            number = owners.get(aid)
            if number is None:
                continue
            name, nik = people.get(number, ("", ""))
            acc = accounts[aid]
            if aid != current:
                current, sign = aid, (1 if acc.normal_side == "D" else -1)
                d, c = opening.get(aid, (0, 0))
                balance = sign * (d - c)
                yield (number, name, _nik(nik, sees_nik), acc.code, acc.name, period.start or "", "", "Saldo awal",
                       "", "", balance)
            seen.add(aid)
            balance += sign * (debit - credit)
            yield (number, name, _nik(nik, sees_nik), acc.code, acc.name, vdate.isoformat(), voucher, memo,
                   debit, credit, balance)
        # accounts with a balance brought forward but no movement in the period
        for aid in sorted(set(opening) & set(accounts) - seen, key=lambda a: accounts[a].code):
            d, c = opening[aid]
            if d != c:
                acc = accounts[aid]
                name, nik = people.get(owners[aid], ("", ""))
                yield (owners[aid], name, _nik(nik, sees_nik), acc.code, acc.name, period.start or "", "",
                       "Saldo awal", "", "", (1 if acc.normal_side == "D" else -1) * (d - c))

    return csv_chunks(header, rows())


@reads_replica
def loan_portfolio_csv(cooperative_id: int, *, sees_nik: bool) -> Iterator[str]:
    """Every loan: number, member, product, principal, dates, status, collectibility, outstanding."""

    stmt = (sa.select(Loan.number, Member.member_number, Resident.full_name, Resident.nik, LoanProduct.name,
                      Loan.principal, Loan.term_months, Loan.rate_percent_per_month, Loan.method, Loan.disbursed_on,
                      Loan.status, Loan.collectibility, Account.balance)
            .join(Member, Member.id == Loan.member_id).join(Resident, Resident.id == Member.resident_id)
            .join(LoanProduct, LoanProduct.id == Loan.product_id)
            .outerjoin(Account, Account.id == Loan.ledger_account_id)
            .where(Loan.cooperative_id == cooperative_id).order_by(Loan.number))
    header = ["loan_number", "member_number", "member_name", "nik", "product", "principal", "term_months",
              "rate_percent_per_month", "method", "disbursed_on", "status", "collectibility", "outstanding"]

    def rows():
        for (number, member, name, nik, product, principal, term, rate, method, disbursed, status, klass,
             balance) in stream_rows(stmt):
            yield (number, member, name, _nik(nik, sees_nik), product, principal, term, rate, method,
                   disbursed.isoformat() if disbursed else "", status, klass or "", balance or 0)

    return csv_chunks(header, rows())


@reads_replica
def training_participants_csv(cooperative_id: int, period: Period, *, sees_nik: bool) -> Iterator[str]:
    """Every enrolment (cohorts starting in the period): programme, cohort, participant, status."""

    stmt = (sa.select(Program.name, Cohort.name, Cohort.starts_on, Cohort.ends_on, Resident.full_name, Resident.nik,
                      Enrolment.status, Enrolment.applied_on, Enrolment.completed_on)
            .join(Cohort, Cohort.id == Enrolment.cohort_id).join(Program, Program.id == Cohort.program_id)
            .join(Resident, Resident.id == Enrolment.resident_id)
            .where(Enrolment.cooperative_id == cooperative_id, *period.where(Cohort.starts_on))
            .order_by(Cohort.starts_on, Cohort.id, Enrolment.seq))
    header = ["program", "cohort", "starts_on", "ends_on", "participant", "nik", "status", "applied_on", "completed_on"]

    def rows():
        for prog, cohort, starts, ends, name, nik, status, applied, completed in stream_rows(stmt):
            yield (prog, cohort, starts.isoformat(), ends.isoformat(), name, _nik(nik, sees_nik), status,
                   applied.isoformat(), completed.isoformat() if completed else "")

    return csv_chunks(header, rows())
