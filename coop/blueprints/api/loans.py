"""API v1: loans (API.md, Loans): products, schedule preview, application, approval, disbursement,
the loan with its schedule, repayments, early payoff (quote and settlement), write-off (maker-checker),
recoveries and reschedule. Views load, call one service through ``atomic`` and dump: no rules here."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop import settings as coop_settings
from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, MEMBER, TREASURER
from coop.blueprints.api import api, current_api_user, cursor_page, doc, idempotent, load, load_args, roles
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import NotFound
from coop.ledger.services import get_entry
from coop.loans import rules, schemas
from coop.loans import services as loans
from coop.loans.models import Loan, LoanProduct

READ = (ADMIN, TREASURER, MANAGER, AUDITOR)
APPLY = (ADMIN, TREASURER, MANAGER)
APPROVE = (ADMIN, MANAGER)  # as the pages: write-off request/approval and reschedule


def _coop() -> int:
    return current_api_user().cooperative_id



def product_dump(p: LoanProduct) -> dict:
    return {f: getattr(p, f) for f in loans.PRODUCT_FIELDS} | {"id": p.id, "is_active": p.is_active}


def loan_dump(loan: Loan, as_of: date | None = None) -> dict:
    as_of = as_of or _today()
    insts = loans.instalments(loan) if loan.status == "active" else []

    two = loan.principal > coop_settings.get_int(loan.cooperative_id, "loan_two_approvers_above")
    return {"id": loan.id, "number": loan.number, "member_id": loan.member_id, "product_id": loan.product_id,
            "business_id": loan.business_id, "status": loan.status, "principal": loan.principal,
            "term_months": loan.term_months, "method": loan.method,
            "rate_percent_per_month": loan.rate_percent_per_month, "frequency": loan.frequency,
            "purpose": loan.purpose, "applied_on": loan.applied_on, "disbursed_on": loan.disbursed_on,
            "first_due_date": loan.first_due_date, "fee_amount": loan.fee_amount,
            "outstanding_principal": loans.outstanding_principal(loan), "arrears": loans.arrears(insts, as_of),
            "days_past_due": loans.days_past_due(loan, as_of, insts),
            "collectibility": rules.CLASS_CODES[loan.collectibility], "collectibility_class": loan.collectibility,
            "collectibility_label": rules.CLASSES[loan.collectibility],
            "collectibility_scheme": loans.scheme_of(loan.terms),
            "approvals_needed": 2 if two else 1, "approved_by_id": loan.approved_by_id,
            "second_approved_by_id": loan.second_approved_by_id, "closed_on": loan.closed_on,
            "close_reason": loan.close_reason, "write_off_requested_by_id": loan.write_off_requested_by_id,
            "write_off_approved_by_id": loan.write_off_approved_by_id,
            "written_off_amount": loan.written_off_amount, "rescheduled_on": loan.rescheduled_on,
            "schedule_version": loan.schedule_version}


def _visible(loan_id: int) -> Loan:
    user = current_api_user()
    loan = loans.get_loan(user.cooperative_id, loan_id)
    if user.role == MEMBER:
        if not loans.is_borrower(loan, user.id):
            raise NotFound("Pinjaman tidak ditemukan.")
    return loan


@api.post("/loan-products")
@doc(summary="Create a loan product (terms are copied onto each loan)", body=schemas.LoanProductCreateSchema,
     response=schemas.LoanProductSchema, status=201, tags=["loans"])
@roles(ADMIN, MANAGER)
def create_loan_product():
    data = {k: v for k, v in load(schemas.LoanProductCreateSchema).items() if v is not None}
    product = atomic(loans.create_product, _coop(), actor=current_api_user(), **data)
    return schemas.LoanProductSchema().dump(product_dump(product)), 201


@api.get("/loan-products")
@doc(summary="Loan products", response=schemas.LoanProductListSchema, tags=["loans"])
@roles(*READ)
def list_loan_products():
    stmt = sa.select(LoanProduct).where(LoanProduct.cooperative_id == _coop())
    return schemas.LoanProductListSchema().dump(cursor_page(stmt, LoanProduct.id, product_dump))


@api.get("/loan-products/<int:loan_product_id>")
@doc(summary="One loan product", response=schemas.LoanProductSchema, tags=["loans"])
@roles(*READ)
def get_loan_product(loan_product_id: int):
    return schemas.LoanProductSchema().dump(product_dump(loans.get_product(_coop(), loan_product_id)))


@api.post("/loan-schedules/preview")
@doc(summary="Preview a schedule (the same code books it at disbursement)", body=schemas.PreviewSchema,
     response=schemas.PreviewResultSchema, tags=["loans"])
@roles(*READ)
def preview_schedule():
    data = load(schemas.PreviewSchema)
    plan = loans.preview(_coop(), data["product_id"], data["principal"], data["term_months"], data["first_due_date"],
                         data["disbursed_on"])
    first = loans.preview_first_period(_coop(), data["product_id"], data["term_months"], data["first_due_date"],
                                       data["disbursed_on"])
    return schemas.PreviewResultSchema().dump({
        "instalments": [i.as_dict() for i in plan], "total_interest": sum(i.interest for i in plan),
        "total_principal": sum(i.principal for i in plan),
        "first_period_days": first.days if first else None,
        "standard_period_days": first.standard_days if first else None,
        "first_period_prorated": first.prorated if first else None})


@api.post("/loans")
@doc(summary="Apply for a loan (status applied)", body=schemas.LoanCreateSchema, response=schemas.LoanSchema,
     status=201, tags=["loans"], errors=(401, 403, 404, 409, 422))
@roles(*APPLY)
def create_loan():
    data = load(schemas.LoanCreateSchema)
    loan = atomic(loans.apply, _coop(), actor=current_api_user(), **data)
    return schemas.LoanSchema().dump(loan_dump(loan)), 201


@api.get("/loans")
@doc(summary="Loans", query=schemas.LoanListQuerySchema, response=schemas.LoanListSchema, tags=["loans"])
@roles(*READ)
def list_loans():
    args = load_args(schemas.LoanListQuerySchema)
    stmt = sa.select(Loan).where(Loan.cooperative_id == _coop())
    if args.get("status"):
        stmt = stmt.where(Loan.status == args["status"])
    if args.get("member_id"):
        stmt = stmt.where(Loan.member_id == args["member_id"])
    return schemas.LoanListSchema().dump(cursor_page(stmt, Loan.id, loan_dump))


@api.get("/loans/<int:loan_id>")
@doc(summary="A loan with outstanding principal, arrears, days past due and collectibility",
     response=schemas.LoanSchema, tags=["loans"])
@roles(*READ, MEMBER)
def get_loan(loan_id: int):
    return schemas.LoanSchema().dump(loan_dump(_visible(loan_id)))


@api.post("/loans/<int:loan_id>/approval")
@doc(summary="Approve or reject (403 for the maker of the application)", body=schemas.ApprovalSchema,
     response=schemas.LoanSchema, tags=["loans"], errors=(401, 403, 404, 409, 422))
@roles(ADMIN, MANAGER, TREASURER)
def approve_loan(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.ApprovalSchema)
    loan = atomic(loans.decide, _coop(), loan_id, actor=current_api_user(), decision=data["decision"],
                  note=data["note"], on=data["decided_on"] or _today())
    return schemas.LoanSchema().dump(loan_dump(loan))


@api.post("/loans/<int:loan_id>/disbursement")
@doc(summary="Disburse an approved loan (cash or to savings); the schedule equals the preview",
     body=schemas.DisbursementSchema, response=schemas.LoanSchema, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
def disburse_loan(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.DisbursementSchema)
    loan = atomic(loans.disburse, _coop(), loan_id, actor=current_api_user(), disbursed_on=data["disbursed_on"],
                  first_due_date=data["first_due_date"], mode=data["mode"])
    return schemas.LoanSchema().dump(loan_dump(loan, data["disbursed_on"]))


def schedule_dump(loan: Loan) -> dict:
    rows = []
    for i in loans.instalments(loan):
        status = "paid" if i.remaining == 0 else ("partial" if (i.principal_paid + i.interest_paid) else "open")
        rows.append({"number": i.number, "due_date": i.due_on, "principal": i.principal_due,
                     "interest": i.interest_due, "fee": i.fee_due, "penalty": i.penalty_due,
                     "total": i.principal_due + i.interest_due + i.fee_due, "principal_paid": i.principal_paid,
                     "interest_paid": i.interest_paid, "fee_paid": i.fee_paid, "penalty_paid": i.penalty_paid,
                     "interest_waived": i.interest_waived, "paid_on": i.paid_on, "status": status})
    return {"loan_id": loan.id, "schedule_version": loan.schedule_version, "instalments": rows,
            "total_interest": sum(r["interest"] for r in rows)}


@api.get("/loans/<int:loan_id>/schedule")
@doc(summary="The booked schedule with paid amounts", response=schemas.ScheduleSchema, tags=["loans"])
@roles(*READ, MEMBER)
def loan_schedule(loan_id: int):
    return schemas.ScheduleSchema().dump(schedule_dump(_visible(loan_id)))


@api.post("/loans/<int:loan_id>/repayments")
@doc(summary="Record a repayment (allocated penalty, fees, interest, principal; oldest instalment first)",
     body=schemas.RepaymentSchema, response=schemas.RepaymentResultSchema, status=201, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
def repay_loan(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.RepaymentSchema)
    rep = atomic(loans.repay, _coop(), loan_id, data["amount"], actor=current_api_user(), paid_on=data["paid_on"],
                 channel=data["channel"])
    return schemas.RepaymentResultSchema().dump(repayment_dump(rep)), 201


def repayment_dump(rep) -> dict:
    entry = get_entry(rep.cooperative_id, rep.entry_id)
    return {"id": rep.id, "loan_id": rep.loan_id, "amount": rep.amount, "paid_on": rep.paid_on,
            "allocation": {"penalty": rep.penalty, "fee": rep.fee, "interest": rep.interest,
                           "principal": rep.principal},
            "overpayment": rep.overpayment,
            "outstanding_principal": loans.outstanding_principal(loans.get_loan(rep.cooperative_id, rep.loan_id)),
            "entry_id": rep.entry_id, "voucher_number": entry.voucher_number}


# --------------------------------------------------------------------------------------------
# Early payoff, write-off, recovery, reschedule (the same services as the loan page's buttons)
# --------------------------------------------------------------------------------------------

@api.get("/loans/<int:loan_id>/payoff-quote")
@doc(summary="What an early payoff (pelunasan dipercepat) costs on as_of: principal, due interest, fees, "
             "penalties, total; later interest is waived (409 unless active)",
     query=schemas.PayoffQuoteQuerySchema, response=schemas.PayoffQuoteSchema, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*READ, MEMBER)
def payoff_quote(loan_id: int):
    loan = _visible(loan_id)
    as_of = load_args(schemas.PayoffQuoteQuerySchema).get("as_of") or _today()
    quote = loans.payoff_quote(_coop(), loan.id, as_of)
    return schemas.PayoffQuoteSchema().dump(quote | {"loan_id": loan.id, "as_of": as_of})


@api.post("/loans/<int:loan_id>/payoff")
@doc(summary="Pay a loan off early; amount must equal the payoff quote total of paid_on "
             "(422 payoff_amount_mismatch otherwise; 409 when the loan is not active)",
     body=schemas.PayoffSchema, response=schemas.PayoffResultSchema, status=201, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
def pay_off_loan(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.PayoffSchema)
    rep = atomic(loans.pay_off, _coop(), loan_id, actor=current_api_user(), paid_on=data["paid_on"],
                 channel=data["channel"], amount=data["amount"])
    loan = loans.get_loan(_coop(), loan_id)
    return schemas.PayoffResultSchema().dump(repayment_dump(rep) | {"loan_status": loan.status}), 201


@api.post("/loans/<int:loan_id>/write-off")
@doc(summary="Request a write-off (hapus buku) of an active loan; a second manager/admin approves it",
     body=schemas.WriteOffRequestSchema, response=schemas.LoanSchema, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
def request_write_off(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.WriteOffRequestSchema)
    loan = atomic(loans.request_write_off, _coop(), loan_id, actor=current_api_user(), note=data["reason"].strip())
    return schemas.LoanSchema().dump(loan_dump(loan))


@api.post("/loans/<int:loan_id>/write-off/approval")
@doc(summary="Approve a requested write-off: Cr loan, Dr 1209 up to the provision, the rest Dr 5102 "
             "(403 for the requester)", body=schemas.WriteOffApprovalSchema, response=schemas.LoanSchema,
     tags=["loans"], errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@idempotent
def approve_write_off(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.WriteOffApprovalSchema)
    on = data["written_off_on"] or _today()
    loan = atomic(loans.approve_write_off, _coop(), loan_id, actor=current_api_user(), on=on)
    return schemas.LoanSchema().dump(loan_dump(loan, on))


@api.post("/loans/<int:loan_id>/write-off/rejection")
@doc(summary="Reject a pending write-off request (checker, with a reason): the request is cleared, the loan "
             "keeps running (403 maker_checker for the requester, 409 no_write_off_request when none is pending)",
     body=schemas.WriteOffRejectionSchema, response=schemas.LoanSchema, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
def reject_write_off(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.WriteOffRejectionSchema)
    loan = atomic(loans.reject_write_off, _coop(), loan_id, actor=current_api_user(), reason=data["reason"])
    return schemas.LoanSchema().dump(loan_dump(loan))


@api.post("/loans/<int:loan_id>/write-off/withdrawal")
@doc(summary="Withdraw one's own pending write-off request: the request is cleared, a new one can be made "
             "(403 not_requester for anyone else, 409 no_write_off_request when none is pending)",
     body=schemas.WriteOffWithdrawalSchema, response=schemas.LoanSchema, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
def withdraw_write_off(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.WriteOffWithdrawalSchema)
    loan = atomic(loans.withdraw_write_off, _coop(), loan_id, actor=current_api_user(), note=data["note"])
    return schemas.LoanSchema().dump(loan_dump(loan))


@api.post("/loans/<int:loan_id>/recoveries")
@doc(summary="Money received on a written-off loan (Dr Kas / Cr 4104 income); 409 unless written off",
     body=schemas.RecoveryCreateSchema, response=schemas.RecoverySchema, status=201, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
def record_recovery(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.RecoveryCreateSchema)
    rec = atomic(loans.record_recovery, _coop(), loan_id, data["amount"], actor=current_api_user(),
                 received_on=data["received_on"])

    loan = loans.get_loan(_coop(), loan_id)
    return schemas.RecoverySchema().dump({
        "id": rec.id, "loan_id": loan.id, "amount": rec.amount, "received_on": rec.received_on,
        "entry_id": rec.entry_id, "voucher_number": get_entry(_coop(), rec.entry_id).voucher_number,
        "written_off_amount": loan.written_off_amount, "recovered_total": loans.recovered_total(loan)}), 201


@api.post("/loans/<int:loan_id>/reschedule")
@doc(summary="Reschedule (restrukturisasi) the outstanding principal; due unpaid interest is carried into "
             "the first new instalment, unpaid penalties waived; returns the new schedule",
     body=schemas.RescheduleSchema, response=schemas.ScheduleSchema, tags=["loans"],
     errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@idempotent
def reschedule_loan(loan_id: int):
    loans.get_loan(_coop(), loan_id)
    data = load(schemas.RescheduleSchema)
    loan = atomic(loans.reschedule, _coop(), loan_id, actor=current_api_user(), on=data["rescheduled_on"],
                  term_months=data["term_months"], first_due_date=data["first_due_date"])
    return schemas.ScheduleSchema().dump(schedule_dump(loan))
