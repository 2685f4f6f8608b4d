"""Read models of the loan pages (issue 16, item 4): what the HTML views show, as plain values and
dataclasses, so the blueprint runs no query of its own. Reads only: nothing here flushes or writes.

The applicant's exposure spans sibling areas (savings balances, wajib arrears, completed trainings); the
domain layer lets siblings read one another (.importlinter), so it is composed here, not in a view."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from coop.auth.models import User
from coop.db import db
from coop.errors import Conflict, InsufficientFunds, NotFound
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry
from coop.ledger.rules import floor_message
from coop.ledger.services import account_by_code
from coop.loans import services as loans
from coop.loans.due import amount_due
from coop.loans.models import Loan, LoanAllocation, LoanInstalment, LoanRepayment
from coop.loans.schedule import add_months
from coop.membership.models import Member
from coop.paging import Page, fetch_page
from coop.registry.models import Resident
from coop.savings import services as savings
from coop.training.models import Business, Enrolment

#: An application above ``loan_two_approvers_above`` approved once: still ``applied`` in the database,
#: shown (and filtered) as its own status so a second manager finds it.
AWAITING_SECOND = "awaiting_second"
SHOWN_STATUSES = ("applied", AWAITING_SECOND, "approved", "rejected", "active", "closed", "written_off")


def status_of(loan: Loan) -> str:
    """The status a person sees: ``awaiting_second`` for an application with its first approval."""
    return AWAITING_SECOND if loan.status == "applied" and loan.approved_by_id is not None else loan.status


def _where_status(status: str):
    if status == AWAITING_SECOND:
        return sa.and_(Loan.status == "applied", Loan.approved_by_id.is_not(None))
    if status == "applied":
        return sa.and_(Loan.status == "applied", Loan.approved_by_id.is_(None))
    return Loan.status == status


def status_counts(cooperative_id: int) -> dict[str, int]:
    """Loans per shown status (an application awaiting its second approval counted apart)."""
    awaiting = sa.and_(Loan.status == "applied", Loan.approved_by_id.is_not(None))
    shown = sa.case((awaiting, AWAITING_SECOND), else_=Loan.status)
    return {k: n for k, n in db.session.execute(sa.select(shown, sa.func.count()).where(
        Loan.cooperative_id == cooperative_id).group_by(shown)).all()}


def member_choices(cooperative_id: int, *, active_only: bool = True) -> list[tuple[int, str]]:
    """``(member id, "number - name")`` of the cooperative's (active) members, in member order (2000 at most)."""
    q = sa.select(Member.id, Member.member_number, Resident.full_name).join(
        Resident, Resident.id == Member.resident_id).where(Member.cooperative_id == cooperative_id)
    if active_only:
        q = q.where(Member.status == "active")
    return [(mid, f"{num} - {name}") for mid, num, name in db.session.execute(q.order_by(Member.member_seq).limit(2000))]


def business_choices(cooperative_id: int) -> list[tuple[int, str]]:
    """``(business id, name)`` of the cooperative's businesses a loan may point at (1000 at most)."""
    rows = db.session.execute(sa.select(Business.id, Business.name).where(
        Business.cooperative_id == cooperative_id).order_by(Business.id).limit(1000))
    return [(bid, name) for bid, name in rows]


def member(cooperative_id: int, member_id: int | None) -> Member | None:
    """The cooperative's member ``member_id``; None for none, an unknown id or another cooperative's."""
    m = db.session.get(Member, member_id) if member_id else None
    return m if m is not None and m.cooperative_id == cooperative_id else None


@dataclass
class LoanList:
    """One page of the loan list; ``held`` keeps the page's members and ledger accounts in the identity map
    (it is weak) while the page renders, so each row's member and balance cost no query."""
    page: Page
    counts: dict[str, int]
    held: list = field(default_factory=list, repr=False)


def loan_list(cooperative_id: int, *, status: str | None = None, text: str = "", page: int = 1,
              per_page: int = 25) -> LoanList:
    """Newest loans first, filtered by shown status and by number, name or member number (``text``)."""
    q = sa.select(Loan).where(Loan.cooperative_id == cooperative_id)
    if status in SHOWN_STATUSES:
        q = q.where(_where_status(status))
    if text:
        q = q.join(Member, Member.id == Loan.member_id).join(Resident, Resident.id == Member.resident_id).where(
            sa.or_(Loan.number.ilike(f"%{text}%"), Resident.full_name.ilike(f"%{text}%"),
                   Member.member_number.ilike(f"%{text}%")))
    result = fetch_page(q.order_by(Loan.id.desc()), page, per_page)
    member_ids = {loan.member_id for loan in result.items}
    account_ids = {loan.ledger_account_id for loan in result.items if loan.ledger_account_id is not None}
    held: list = []
    if member_ids:
        held += db.session.scalars(sa.select(Member).where(Member.id.in_(member_ids))).unique().all()
    if account_ids:
        held += db.session.scalars(sa.select(Account).where(Account.id.in_(account_ids))).all()
    return LoanList(result, status_counts(cooperative_id), held)


@dataclass
class Exposure:
    """The applicant's exposure on the decision page (issue 15, item 4): what a manager weighs before
    saying yes."""
    other_loans: list[dict] = field(default_factory=list)
    savings: list = field(default_factory=list)
    savings_total: int = 0
    wajib_months: int = 0
    wajib_amount: int = 0
    trainings: list = field(default_factory=list)

    @property
    def running_principal(self) -> int:
        """Outstanding principal of the applicant's running loans."""
        return sum(row["outstanding"] for row in self.other_loans if row["loan"].status == "active")


def applicant_exposure(cooperative_id: int, loan: Loan, applicant: Member, as_of: date) -> Exposure:
    """Everything else ``applicant`` (the member of ``loan``) owes or holds on ``as_of``: their other
    loans with class and days past due, savings balances, wajib arrears and completed trainings."""
    out = Exposure()
    for other in loans.loans_of_member(cooperative_id, applicant.id):
        if other.id == loan.id or other.status in ("rejected",):
            continue
        insts = loans.instalments(other) if other.ledger_account_id else []
        out.other_loans.append({
            "loan": other, "outstanding": loans.outstanding_principal(other),
            "arrears": loans.arrears(insts, as_of) if other.status == "active" else 0,
            "dpd": loans.days_past_due(other, as_of, insts)})
    out.savings = savings.accounts_of(cooperative_id, applicant.id, include_closed=False)
    out.savings_total = sum(acc.balance for acc in out.savings)
    wajib = savings.wajib_status(cooperative_id, applicant, as_of)
    out.wajib_months, out.wajib_amount = wajib["months"], wajib["amount"]
    out.trainings = list(db.session.scalars(sa.select(Enrolment).where(
        Enrolment.cooperative_id == cooperative_id, Enrolment.resident_id == applicant.resident_id,
        Enrolment.status == "completed").order_by(Enrolment.completed_on.desc()).limit(20)))
    return out


@dataclass
class LoanView:
    """Everything the loan page shows besides its forms."""
    loan: Loan
    member: Member | None
    guarantor: Member | None
    shown_status: str
    insts: list[LoanInstalment]
    reps: list[LoanRepayment]
    outstanding: int
    arrears: int
    dpd: int
    due: object | None = None
    quote: dict[str, int] | None = None
    preview: list | None = None
    exposure: Exposure | None = None
    first_approver: User | None = None
    write_off_requester: User | None = None


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def loan_view(cooperative_id: int, loan_id: int, as_of: date) -> LoanView:
    """The loan page on ``as_of``: schedule, repayments, what is due, the payoff figure of a running loan,
    the plan preview and the applicant's exposure of an application. 404 for another cooperative's loan."""
    loan = loans.get_loan(cooperative_id, loan_id)
    insts = loans.instalments(loan) if loan.ledger_account_id else []
    reps = list(db.session.scalars(sa.select(LoanRepayment).where(LoanRepayment.loan_id == loan.id)
                                   .order_by(LoanRepayment.paid_on, LoanRepayment.id)))
    applicant = member(cooperative_id, loan.member_id)
    view = LoanView(loan=loan, member=applicant, guarantor=member(cooperative_id, loan.guarantor_member_id),
                    shown_status=status_of(loan), insts=insts, reps=reps,
                    outstanding=loans.outstanding_principal(loan), arrears=loans.arrears(insts, as_of),
                    dpd=loans.days_past_due(loan, as_of, insts), first_approver=_user(loan.approved_by_id),
                    write_off_requester=_user(loan.write_off_requested_by_id))
    if loan.status == "applied" and applicant is not None:
        view.exposure = applicant_exposure(cooperative_id, loan, applicant, as_of)
    if loan.status in ("applied", "approved"):
        view.preview = loans.build_plan(loan.terms, loan.principal, loan.term_months,
                                        loan.first_due_date or add_months(as_of, 1))
    if loan.status == "active":
        view.due = amount_due(insts, as_of)
        view.quote = loans.quote_on(loan, insts, as_of)
    return view


def disbursement_entry(cooperative_id: int, loan_id: int) -> tuple[Loan, JournalEntry]:
    """The loan and the journal entry of its disbursement; 404 before it was disbursed."""
    loan = loans.get_loan(cooperative_id, loan_id)
    if loan.disbursement_entry_id is None:
        raise NotFound("Pinjaman belum dicairkan.")
    return loan, db.session.get_one(JournalEntry, loan.disbursement_entry_id)  # a foreign key


@dataclass
class RepaymentReceipt:
    rep: LoanRepayment
    loan: Loan
    entry: JournalEntry
    #: the instalment numbers the payment went to
    numbers: list[int]


def repayment_receipt(cooperative_id: int, loan_repayment_id: int) -> RepaymentReceipt:
    """A repayment's kuitansi facts; 404 for an unknown id or another cooperative's repayment."""
    rep = db.session.get(LoanRepayment, loan_repayment_id)
    if rep is None or rep.cooperative_id != cooperative_id:
        raise NotFound("Pembayaran tidak ditemukan.")
    loan = loans.get_loan(cooperative_id, rep.loan_id)
    numbers = sorted(set(db.session.scalars(sa.select(LoanInstalment.number).join(
        LoanAllocation, LoanAllocation.instalment_id == LoanInstalment.id).where(
        LoanAllocation.repayment_id == rep.id))))
    return RepaymentReceipt(rep, loan, db.session.get_one(JournalEntry, rep.entry_id), numbers)  # a foreign key


@dataclass
class DisbursementPreview:
    """What a disbursement WOULD pay out (the confirmation page): the net amount handed over (or credited
    to sukarela), the fee kept, and the balance of the paying account before and after."""
    loan: Loan
    mode: str
    principal: int
    fee: int
    net: int
    account_label: str
    balance_before: int
    balance_after: int


def disbursement_preview(cooperative_id: int, loan_id: int, mode: str) -> DisbursementPreview:
    """Worked example: Rp 9.000.000 with a 1 % deducted fee pays out 8.910.000; cash Rp 10.000.000 becomes
    1.090.000 (or the member's sukarela goes up by 8.910.000). Reads only.

    :raises Conflict: the loan is not approved (already paid out, rejected).
    :raises InsufficientFunds: not enough cash in the box (the ledger's own message)."""
    loan = loans.get_loan(cooperative_id, loan_id)
    if loan.status != "approved":
        raise Conflict("Hanya pinjaman yang disetujui yang dapat dicairkan.", code="not_approved")
    fee = loans.fee_for(loan.terms, loan.principal)
    net = loan.principal - fee if loan.terms["fee_deducted"] else loan.principal
    if mode == "savings":
        acc = savings.account_for(cooperative_id, loan.member_id, "sukarela")
        label, before, after = f"{acc.kind_label} {acc.account_number}", acc.balance, acc.balance + net
    else:
        kas = account_by_code(cooperative_id, chart.KAS)
        label, before = f"{kas.name} ({kas.code})", kas.natural_balance()
        after = before - net
        if kas.min_balance is not None and after < kas.min_balance:
            message, field_msg = floor_message(kas.code, kas.name, before, kas.min_balance, net)
            raise InsufficientFunds(message, fields={"amount": [field_msg]})
    return DisbursementPreview(loan=loan, mode=mode, principal=loan.principal, fee=fee, net=net,
                               account_label=label, balance_before=before, balance_after=after)


def repayment_for_entry(cooperative_id: int, entry_id: int) -> LoanRepayment | None:
    """The repayment (or payoff) booked by journal entry ``entry_id`` (a confirmation pressed twice)."""
    return db.session.scalar(sa.select(LoanRepayment).where(LoanRepayment.cooperative_id == cooperative_id,
                                                            LoanRepayment.entry_id == entry_id)
                             .order_by(LoanRepayment.id).limit(1))
