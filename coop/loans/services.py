"""Loan services: the loan API of the cooperative. Application -> approval -> disbursement, write-off,
recovery, reschedule and the queries other areas use live here; products (:mod:`.products`),
lookups (:mod:`.lookups`) and repayments with backdating, payoff and resignation netting
(:mod:`.repayments`) are re-exported, so callers import everything from this module.

Each loan is a ledger SUB-ACCOUNT under 1201 Piutang Pinjaman: its balance IS the outstanding principal.
Interest, fees and penalties are income when paid (cash basis), credited in the repayment entry itself.
Services flush and never commit; money moves only through :func:`coop.ledger.services.post_entry`.
"""
from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa

from coop import audit, datebounds
from coop import settings as coop_settings
from coop.db import db
from coop.errors import Conflict, Forbidden, ValidationError
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry
from coop.ledger.services import Line, account_by_code, lock_head, open_subaccount, post_entry
from coop.loans import rules
from coop.loans.lookups import (  # noqa: F401 - re-exported: the loans API of other areas
    _member,
    arrears,
    check_not_before_history,
    days_past_due,
    get_loan,
    instalments,
    is_borrower,
    lock_member_loans,
    oldest_unpaid_due_on,
    outstanding_principal,
    recovered_total,
)
from coop.loans.models import (
    Loan,
    LoanInstalment,
    LoanRecovery,
    LoanRepayment,
)
from coop.loans.products import (  # noqa: F401 - re-exported
    PRODUCT_FIELDS,
    TERM_FIELDS,
    _check_term,
    build_plan,
    collectibility_terms,
    create_product,
    fee_for,
    first_period_terms,
    get_product,
    loan_class,
    preview,
    preview_first_period,
    products,
    provision_rates,
    schedule_terms,
    scheme_of,
    terms_of,
    thresholds,
    update_product,
)
from coop.loans.repayments import (  # noqa: F401 - re-exported
    PayoffPlan,
    pay_off,
    payoff_quote,
    plan_member_payoff,
    quote_on,
    repay,
    repayment_preview,
)
from coop.loans.reports import portfolio
from coop.loans.schedule import standard_first_due
from coop.savings.services import account_for
from coop.training.models import Business

APPROVER_ROLES = ("manager", "admin")


def _provisional_number() -> str:
    """A unique placeholder until the row has its id (``PJ-<id>``): no counter to race on."""

    return "tmp-" + uuid.uuid4().hex[:20]


# --------------------------------------------------------------------------------------------
# Application, approval, disbursement
# --------------------------------------------------------------------------------------------

def apply(cooperative_id: int, *, actor, member_id: int, product_id: int, principal: int, term_months: int,
          purpose: str, applied_on: date, business_id: int | None = None,
          business_description: str | None = None, guarantor_member_id: int | None = None,
          collateral_description: str | None = None, collateral_value: int | None = None) -> Loan:
    """Record a loan application (status ``applied``); the product's terms are copied onto it.

    Only current members may borrow (closed-loop cooperative); a guarantor must be another member.
    """
    member = _member(cooperative_id, member_id)
    if member.status not in ("active",):
        raise ValidationError("Hanya anggota aktif yang boleh meminjam.", code="not_member",
                              fields={"member_id": ["anggota belum aktif atau sudah keluar"]})
    datebounds.check_day(cooperative_id, applied_on, "applied_on",
                         earlier=[(member.joined_on, "tanggal bergabung")])
    product = get_product(cooperative_id, product_id)
    if not product.is_active:
        raise ValidationError("Produk pinjaman tidak aktif.", fields={"product_id": ["tidak aktif"]})
    _check_term(product, principal, term_months)
    if not (purpose or "").strip():
        raise ValidationError("Tujuan pinjaman wajib diisi.", fields={"purpose": ["wajib diisi"]})
    if guarantor_member_id is not None:
        if guarantor_member_id == member_id:
            raise ValidationError("Penjamin harus anggota lain.", fields={"guarantor_member_id": ["anggota lain"]})
        _member(cooperative_id, guarantor_member_id)
    if business_id is not None:
        _check_business(cooperative_id, business_id)
    terms = (terms_of(product) | collectibility_terms(cooperative_id, applied_on)
             | first_period_terms(cooperative_id, applied_on))
    build_plan(terms, principal, term_months, applied_on)  # refuse terms that cannot make a schedule now
    loan = Loan(cooperative_id=cooperative_id, number=_provisional_number(), member_id=member_id,
                product_id=product.id, business_id=business_id, guarantor_member_id=guarantor_member_id,
                purpose=purpose.strip(), business_description=business_description,
                collateral_description=collateral_description, collateral_value=collateral_value,
                principal=principal, term_months=term_months, terms=terms, method=product.method,
                rate_percent_per_month=product.rate_percent_per_month, frequency=product.frequency,
                status="applied", applied_on=applied_on, created_by_id=getattr(actor, "id", None),
                collectibility=1, days_past_due=0)
    db.session.add(loan)
    db.session.flush()
    loan.number = f"PJ-{loan.id:06d}"
    db.session.flush()
    audit.record(actor, "loans.apply", "loan", loan.id, {"number": loan.number, "principal": principal,
                                                        "member_id": member_id}, cooperative_id=cooperative_id)
    return loan


def _check_business(cooperative_id: int, business_id: int) -> None:
    b = db.session.get(Business, business_id)
    if b is None or b.cooperative_id != cooperative_id:
        raise ValidationError("Usaha tidak ditemukan.", fields={"business_id": ["tidak ditemukan"]})


def decide(cooperative_id: int, loan_id: int, *, actor, decision: str, note: str | None, on: date) -> Loan:
    """Approve or reject an application (maker-checker).

    The maker of the application may not decide it (403). Above the setting ``loan_two_approvers_above``
    an approval needs two different approvers: the first leaves it ``applied``, the second approves it.
    """
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh memutuskan pinjaman.")
    if loan.created_by_id is not None and actor.id == loan.created_by_id:
        raise Forbidden("Pembuat pengajuan tidak boleh menyetujui pengajuannya sendiri.", code="maker_checker")
    if loan.status != "applied":
        raise Conflict("Pengajuan ini sudah diputuskan.", code="already_decided")
    # the API's field is decided_on; a second approver may not date his decision before the first one's
    datebounds.check_day(cooperative_id, on, "decided_on",
                         earlier=[(loan.applied_on, "tanggal pengajuan"), (loan.decided_on, "keputusan pertama")])
    if decision not in ("approve", "reject"):
        raise ValidationError("Keputusan harus approve atau reject.", fields={"decision": ["approve/reject"]})
    if decision == "reject":
        reason = (note or "").strip()
        if not reason:
            raise ValidationError("Alasan penolakan wajib diisi.", fields={"note": ["wajib diisi"]})
        loan.status, loan.decided_on, loan.decision_note = "rejected", on, reason
        loan.next_action_date = None
    else:
        limit = coop_settings.get_int(cooperative_id, "loan_two_approvers_above", on)
        if loan.approved_by_id is None:
            loan.approved_by_id = actor.id
            if loan.principal <= limit:
                loan.status = "approved"
        elif loan.approved_by_id == actor.id:
            raise Forbidden("Pinjaman di atas batas perlu persetujuan manajer kedua.", code="second_approver")
        else:
            loan.second_approved_by_id = actor.id
            loan.status = "approved"
        loan.decided_on, loan.decision_note = on, (note or None)
    db.session.flush()
    audit.record(actor, f"loans.{decision}", "loan", loan.id, {"status": loan.status, "note": note},
                 cooperative_id=cooperative_id)
    return loan


def _borrower_must_be_current(member) -> None:
    """Approved before the member resigned or died: a former member is not lent to (closed loop), and the
    resignation settlement has already been made without this loan. :raises Conflict: ``not_member``."""
    if not member.is_current:
        raise Conflict(f"Peminjam sudah tidak menjadi anggota (berstatus {member.status_label}): pinjaman "
                       "tidak dapat dicairkan.", code="not_member")


def disburse(cooperative_id: int, loan_id: int, *, actor, disbursed_on: date, first_due_date: date | None = None,
             mode: str = "cash", idempotency_key: str | None = None) -> Loan:
    """Pay out an approved loan: open its sub-account, book the schedule (same code as the preview) and
    post one entry: Dr loan principal / Cr cash or the member's sukarela savings (net of a deducted fee)
    / Cr 4102 the fee.

    ``first_due_date`` defaults to one period after ``disbursed_on`` (31 Jan -> 28/29 Feb, later
    instalments on the 31st where the month has it); a longer or shorter first period is prorated per
    the loan's ``first_period_interest`` term (:mod:`coop.loans.schedule`).
    """
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "approved":
        raise Conflict("Hanya pinjaman yang disetujui yang dapat dicairkan.", code="not_approved")
    member = _member(cooperative_id, loan.member_id)
    _borrower_must_be_current(member)
    if mode not in ("cash", "savings"):
        raise ValidationError("Cara pencairan harus cash atau savings.", fields={"mode": ["cash/savings"]})
    datebounds.check_day(cooperative_id, disbursed_on, "disbursed_on",
                         earlier=[(loan.applied_on, "tanggal pengajuan"), (loan.decided_on, "tanggal persetujuan")])
    if first_due_date is None:
        first_due_date = standard_first_due(disbursed_on, loan.frequency)
    datebounds.check_is_date(first_due_date, "first_due_date")
    if first_due_date <= disbursed_on:
        raise ValidationError("Jatuh tempo pertama harus setelah tanggal pencairan.",
                              fields={"first_due_date": ["harus setelah tanggal pencairan"]})
    plan = build_plan(loan.terms, loan.principal, loan.term_months, first_due_date, disbursed_on)
    fee = fee_for(loan.terms, loan.principal)
    deducted = bool(loan.terms["fee_deducted"])
    if fee >= loan.principal:
        raise ValidationError("Biaya provisi tidak boleh melebihi pokok.", fields={"principal": ["terlalu kecil"]})
    acc = open_subaccount(cooperative_id, chart.PIUTANG_PINJAMAN, f"{chart.PIUTANG_PINJAMAN}.{loan.number}",
                          f"Pinjaman {loan.number}", min_balance=0)
    # Kas and the fee's income account by code: the ledger reads their ids in the statement that locks them
    payee: int | str = (account_for(cooperative_id, loan.member_id, "sukarela").ledger_account_id
                        if mode == "savings" else chart.KAS)
    net = loan.principal - fee if deducted else loan.principal
    lines = [Line.dr(acc.id, loan.principal, "pokok pinjaman"), Line.cr(payee, net, "pencairan")]
    if deducted and fee:
        lines.append(Line.cr(chart.PENDAPATAN_PROVISI, fee, "provisi"))
    entry = post_entry(cooperative_id, lines, actor=actor, memo=f"Pencairan pinjaman {loan.number}",
                       value_date=disbursed_on, idempotency_key=idempotency_key, source="loans.disburse",
                       source_ref=loan.number)
    # the borrower was read before the head this posting holds: a resignation that committed meanwhile settled
    # without this loan (it was not running yet), and the cash would go to a former member
    db.session.refresh(member, ["status"])
    _borrower_must_be_current(member)
    for inst in plan:
        db.session.add(LoanInstalment(
            cooperative_id=cooperative_id, loan_id=loan.id, version=1, number=inst.number, due_on=inst.due_date,
            principal_due=inst.principal, interest_due=inst.interest,
            fee_due=fee if (not deducted and inst.number == 1) else 0))
    loan.status, loan.disbursed_on, loan.first_due_date = "active", disbursed_on, first_due_date
    loan.disbursed_by_id, loan.disbursement_mode, loan.fee_amount = getattr(actor, "id", None), mode, fee
    loan.ledger_account_id, loan.disbursement_entry_id = acc.id, entry.id
    loan.next_action_date = first_due_date
    db.session.flush()
    audit.record(actor, "loans.disburse", "loan", loan.id, {"amount": loan.principal, "fee": fee, "mode": mode,
                                                           "entry": entry.voucher_number},
                 cooperative_id=cooperative_id)
    return loan


# --------------------------------------------------------------------------------------------
# Write-off, recovery, reschedule
# --------------------------------------------------------------------------------------------

def request_write_off(cooperative_id: int, loan_id: int, *, actor, note: str | None = None) -> Loan:
    """First half of the write-off (maker): a manager asks; another manager/admin approves it. A loan
    with a request already pending is a 409 (a second request would replace the maker, so the first
    requester could then approve it himself)."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active":
        raise Conflict("Hanya pinjaman berjalan yang dapat dihapusbukukan.", code="loan_not_active")
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh mengajukan hapus buku.")
    if loan.write_off_requested_by_id is not None:
        raise Conflict("Pengajuan hapus buku sudah ada; menunggu persetujuan kedua.",
                       code="write_off_already_requested")
    _check_write_off_class(cooperative_id, loan)
    loan.write_off_requested_by_id = actor.id
    db.session.flush()
    audit.record(actor, "loans.write_off.request", "loan", loan.id, {"note": note}, cooperative_id=cooperative_id)
    return loan


def _check_write_off_class(cooperative_id: int, loan: Loan) -> None:
    """409 ``write_off_class_too_low`` naming the loan's class and the lowest class that may be written off
    (setting ``write_off_min_class``, default Macet): a performing loan is collected, not written off.
    The class is the one the daily job last assessed (the one the loan page shows)."""
    code = coop_settings.get_text(cooperative_id, "write_off_min_class")
    minimum = rules.CLASS_BY_CODE.get(code, rules.MACET)
    if loan.collectibility < minimum:
        raise Conflict(f"Pinjaman berkolektibilitas {rules.CLASSES[loan.collectibility]} belum dapat "
                       f"dihapusbukukan: paling rendah {rules.CLASSES[minimum]}.", code="write_off_class_too_low")
    return None


def _pending_write_off(cooperative_id: int, loan_id: int, actor, refused: str) -> Loan:
    """The loan with a pending write-off request, for a manager/admin (404, then 403 ``refused``, then 409)."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden(refused)
    if loan.status != "active" or loan.write_off_requested_by_id is None:
        raise Conflict("Belum ada pengajuan hapus buku.", code="no_write_off_request")
    return loan


def reject_write_off(cooperative_id: int, loan_id: int, *, actor, reason: str) -> Loan:
    """The checker refuses a pending write-off request (with a reason): the request is cleared, the loan
    keeps running and a new request can be made. The requester cannot reject his own request (403
    ``maker_checker``: he withdraws it); no pending request is 409 ``no_write_off_request``."""
    loan = _pending_write_off(cooperative_id, loan_id, actor, "Hanya manajer yang boleh menolak hapus buku.")
    if actor.id == loan.write_off_requested_by_id:
        raise Forbidden("Pengaju tidak boleh menolak pengajuannya sendiri; tarik kembali pengajuannya.",
                        code="maker_checker")
    if not (reason or "").strip():
        raise ValidationError("Alasan penolakan wajib diisi.", fields={"reason": ["wajib diisi"]})
    requester = loan.write_off_requested_by_id
    loan.write_off_requested_by_id = None
    db.session.flush()
    audit.record(actor, "loans.write_off.reject", "loan", loan.id,
                 {"reason": reason.strip(), "requested_by_id": requester}, cooperative_id=cooperative_id)
    return loan


def withdraw_write_off(cooperative_id: int, loan_id: int, *, actor, note: str | None = None) -> Loan:
    """The maker takes back his own pending write-off request: the request is cleared and a new one can be
    made. Only the requester may withdraw it (403 ``not_requester``; the checker rejects instead); no
    pending request is 409 ``no_write_off_request``."""
    loan = _pending_write_off(cooperative_id, loan_id, actor,
                              "Hanya manajer yang boleh menarik pengajuan hapus buku.")
    if actor.id != loan.write_off_requested_by_id:
        raise Forbidden("Hanya pengaju yang boleh menarik kembali pengajuan hapus buku.", code="not_requester")
    loan.write_off_requested_by_id = None
    db.session.flush()
    audit.record(actor, "loans.write_off.withdraw", "loan", loan.id, {"note": (note or "").strip() or None},
                 cooperative_id=cooperative_id)
    return loan


def approve_write_off(cooperative_id: int, loan_id: int, *, actor, on: date) -> Loan:
    """Second approver writes the loan off against the provision (Dr 1209, the rest Dr 5102 / Cr loan)."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active" or loan.write_off_requested_by_id is None:
        raise Conflict("Belum ada pengajuan hapus buku.", code="no_write_off_request")
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh menyetujui hapus buku.")
    if actor.id == loan.write_off_requested_by_id:
        raise Forbidden("Hapus buku perlu persetujuan orang kedua.", code="maker_checker")
    _check_write_off_class(cooperative_id, loan)  # it may have improved since the request (a payment came in)
    datebounds.check_day(cooperative_id, on, "written_off_on")
    check_not_before_history(loan, on, "written_off_on")
    # the head (after the loan: the order of every loan posting) before the provision is read: another loan's
    # write-off (its own loan row) or the month's PPAP moving it between this read and this posting would
    # be in neither (two write-offs at once each took the whole provision)
    lock_head(cooperative_id)
    amount = outstanding_principal(loan)
    provision = account_by_code(cooperative_id, chart.PENYISIHAN)
    from_provision = max(0, min(amount, provision.natural_balance()))
    assert loan.ledger_account_id is not None, "an active loan was disbursed"
    lines = [Line.cr(loan.ledger_account_id, amount, "hapus buku")]
    if from_provision:
        lines.append(Line.dr(provision.id, from_provision, "dari penyisihan"))
    if amount - from_provision:
        lines.append(Line.dr(chart.BEBAN_PENYISIHAN, amount - from_provision,
                             "kekurangan penyisihan"))
    if amount:
        post_entry(cooperative_id, lines, actor=actor, memo=f"Hapus buku pinjaman {loan.number}", value_date=on,
                   source="loans.write_off", source_ref=loan.number)
    loan.status, loan.closed_on, loan.close_reason = "written_off", on, "written_off"
    loan.write_off_approved_by_id, loan.written_off_amount, loan.next_action_date = actor.id, amount, None
    db.session.flush()
    audit.record(actor, "loans.write_off", "loan", loan.id, {"amount": amount}, cooperative_id=cooperative_id)
    return loan


def _check_recovery(cooperative_id: int, loan: Loan, amount: int, received_on: date) -> None:
    if loan.status != "written_off":
        raise Conflict("Pemulihan hanya untuk pinjaman yang sudah dihapusbukukan.", code="not_written_off")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("Jumlah harus lebih dari nol.", fields={"amount": ["> 0"]})
    datebounds.check_day(cooperative_id, received_on, "received_on",
                         earlier=[(loan.closed_on, "tanggal hapus buku")])


def recovery_preview(cooperative_id: int, loan_id: int, amount: int, received_on: date) -> dict:
    """The figures of the recovery's confirmation page (reads only): what was written off and what has
    been recovered before and after this receipt. The same refusals as :func:`record_recovery`.

    Worked example: Rp 1.000.000 written off, Rp 200.000 recovered so far, Rp 150.000 received:
    recovered 200.000 -> 350.000."""
    loan = get_loan(cooperative_id, loan_id)
    _check_recovery(cooperative_id, loan, amount, received_on)
    before = recovered_total(loan)
    return {"loan": loan, "amount": amount, "written_off": loan.written_off_amount,
            "recovered_before": before, "recovered_after": before + amount}


def record_recovery(cooperative_id: int, loan_id: int, amount: int, *, actor, received_on: date,
                    idempotency_key: str | None = None) -> LoanRecovery:
    """Money received on a written-off loan: income (4104), Dr cash. A receipt sent again under the same
    ``idempotency_key`` (a confirmation pressed twice) returns the first one, posting nothing."""
    loan = get_loan(cooperative_id, loan_id)
    if idempotency_key:
        prior = db.session.scalar(sa.select(LoanRecovery).join(JournalEntry, JournalEntry.id == LoanRecovery.entry_id)
                                  .where(JournalEntry.cooperative_id == cooperative_id,
                                         JournalEntry.idempotency_key == idempotency_key))
        if prior is not None:
            return prior
    _check_recovery(cooperative_id, loan, amount, received_on)
    entry = post_entry(cooperative_id, [Line.dr(chart.KAS, amount),
                                        Line.cr(chart.PENDAPATAN_PEMULIHAN, amount)],
                       actor=actor, memo=f"Pemulihan pinjaman {loan.number}", value_date=received_on,
                       idempotency_key=idempotency_key, source="loans.recovery", source_ref=loan.number)
    rec = LoanRecovery(cooperative_id=cooperative_id, loan_id=loan.id, received_on=received_on, amount=amount,
                       entry_id=entry.id, created_by_id=getattr(actor, "id", None))
    db.session.add(rec)
    db.session.flush()
    audit.record(actor, "loans.recovery", "loan", loan.id, {"amount": amount}, cooperative_id=cooperative_id)
    return rec


def reschedule(cooperative_id: int, loan_id: int, *, actor, on: date, term_months: int,
               first_due_date: date) -> Loan:
    """Replace the open schedule by a new one for the outstanding principal (same method and rate).
    Unpaid interest already due is carried into the first new instalment; unpaid penalties are waived."""
    loan = get_loan(cooperative_id, loan_id, for_update=True)
    if loan.status != "active":
        raise Conflict("Hanya pinjaman berjalan yang dapat dijadwal ulang.", code="loan_not_active")
    if getattr(actor, "role", None) not in APPROVER_ROLES:
        raise Forbidden("Hanya manajer yang boleh menjadwal ulang.")
    datebounds.check_day(cooperative_id, on, "rescheduled_on")
    datebounds.check_is_date(first_due_date, "first_due_date")
    if first_due_date <= on:
        raise ValidationError("Jatuh tempo pertama harus setelah tanggal jadwal ulang.",
                              fields={"first_due_date": ["harus setelah tanggal"]})
    if isinstance(term_months, bool) or not isinstance(term_months, int) or not 1 <= term_months <= 360:
        raise ValidationError("Jangka waktu 1 sampai 360 bulan.", fields={"term_months": ["1 sampai 360"]})
    check_not_before_history(loan, on, "rescheduled_on")
    old = instalments(loan)
    balance = outstanding_principal(loan)
    if balance == 0:
        raise Conflict("Pokok sudah lunas: tidak ada yang dijadwal ulang; lunasi sisa jasa/biaya sebagai angsuran.",
                       code="nothing_to_reschedule")
    carried = sum(i.owed("interest") for i in old if i.due_on <= on) + sum(i.owed("fee") for i in old)
    try:
        plan = build_plan(loan.terms, balance, term_months, first_due_date)
    except ValidationError as exc:  # the balance is not typed in: name the term that cannot carry it
        if "principal" not in exc.fields:
            raise
        raise ValidationError(exc.message, fields={"term_months": exc.fields["principal"]}) from None
    loan.schedule_version += 1
    for inst in plan:
        db.session.add(LoanInstalment(
            cooperative_id=cooperative_id, loan_id=loan.id, version=loan.schedule_version, number=inst.number,
            due_on=inst.due_date, principal_due=inst.principal,
            interest_due=inst.interest + (carried if inst.number == 1 else 0)))
    loan.term_months, loan.rescheduled_on, loan.next_action_date = term_months, on, on
    db.session.flush()
    audit.record(actor, "loans.reschedule", "loan", loan.id, {"balance": balance, "term_months": term_months,
                                                             "carried_interest": carried},
                 cooperative_id=cooperative_id)
    return loan


# --------------------------------------------------------------------------------------------
# Queries other areas use
# --------------------------------------------------------------------------------------------

def interest_paid_by_member(cooperative_id: int, start: date, end: date) -> dict[int, int]:
    """Interest (jasa) each member paid between ``start`` and ``end`` inclusive, net of reversed payments
    (the SHU jasa-usaha base)."""
    rows = db.session.execute(sa.select(Loan.member_id, sa.func.sum(LoanRepayment.interest)).join(
        Loan, Loan.id == LoanRepayment.loan_id).where(
        LoanRepayment.cooperative_id == cooperative_id, LoanRepayment.reversal_entry_id.is_(None),
        LoanRepayment.paid_on >= start, LoanRepayment.paid_on <= end).group_by(Loan.member_id))
    return {m: int(v or 0) for m, v in rows if v}


def portfolio_by_class(cooperative_id: int, as_of: date | None = None) -> dict[int, dict[str, int]]:
    """Active loans by collectibility class: ``{class: {"count", "outstanding"}}`` on the 1-5 scale (1
    Lancar, 2 DPK, 3 KL, 4 D, 5 M): the classes of the cooperative's scheme, plus any class a loan is in.

    With ``as_of`` the loans, balances and classes are those at the end of that day (see
    :func:`coop.loans.reports.portfolio`); without it, today's balances and the class the daily job
    last stored.
    """
    if as_of is not None:
        return portfolio(cooperative_id, as_of).by_class
    scheme = coop_settings.get_text(cooperative_id, "collectibility_scheme")
    out = {k: {"count": 0, "outstanding": 0} for k in rules.SCHEME_CLASSES.get(scheme, rules.CLASSES)}
    rows = db.session.execute(sa.select(Loan.collectibility, sa.func.count(Loan.id), sa.func.sum(Account.balance))
                              .join(Account, Account.id == Loan.ledger_account_id)
                              .where(Loan.cooperative_id == cooperative_id, Loan.status == "active")
                              .group_by(Loan.collectibility))
    for klass, n, total in rows:
        out[klass] = {"count": int(n), "outstanding": int(total or 0)}
    return out


def loans_for_businesses(cooperative_id: int, business_ids) -> list[Loan]:
    """Loans linked to these training businesses (any status), oldest first."""
    ids = list(business_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Loan).where(Loan.cooperative_id == cooperative_id,
                                                        Loan.business_id.in_(ids)).order_by(Loan.id)))


def loans_of_member(cooperative_id: int, member_id: int) -> list[Loan]:
    return list(db.session.scalars(sa.select(Loan).where(Loan.cooperative_id == cooperative_id,
                                                        Loan.member_id == member_id).order_by(Loan.id)))
