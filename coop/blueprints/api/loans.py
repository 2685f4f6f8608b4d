"""API v1: loans (API.md, Loans): products, schedule preview, application, approval, disbursement,
the loan with its schedule, repayments, early payoff (quote and settlement), write-off (maker-checker),
recoveries and reschedule. Views load, call one service through ``atomic`` and dump: no rules here."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g

from coop import settings as coop_settings
from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, MEMBER, TREASURER
from coop.blueprints.api import api, current_api_user, cursor_page, found_first, idempotent, roles
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


def _loan(loan_id: int) -> Loan:
    return loans.get_loan(_coop(), loan_id)


def _visible(loan_id: int) -> Loan:
    user = current_api_user()
    loan = loans.get_loan(user.cooperative_id, loan_id)
    if user.role == MEMBER:
        if not loans.is_borrower(loan, user.id):
            raise NotFound("Pinjaman tidak ditemukan.")
    return loan


@api.post("/loan-products")
@api.doc(summary="Create a loan product (terms are copied onto each loan)", tags=["loans"])
@roles(ADMIN, MANAGER)
@api.arguments(schemas.LoanProductCreateSchema)
@api.response(201, schemas.LoanProductSchema)
def create_loan_product(data: dict):
    data = {k: v for k, v in data.items() if v is not None}
    product = atomic(loans.create_product, _coop(), actor=current_api_user(), **data)
    return product_dump(product)


@api.get("/loan-products")
@api.doc(summary="Loan products", tags=["loans"])
@roles(*READ)
@api.response(200, schemas.LoanProductListSchema)
def list_loan_products():
    stmt = sa.select(LoanProduct).where(LoanProduct.cooperative_id == _coop())
    return cursor_page(stmt, LoanProduct.id, product_dump)


@api.get("/loan-products/<int:loan_product_id>")
@api.doc(summary="One loan product", tags=["loans"])
@roles(*READ)
@api.response(200, schemas.LoanProductSchema)
def get_loan_product(loan_product_id: int):
    return product_dump(loans.get_product(_coop(), loan_product_id))


@api.post("/loan-schedules/preview")
@api.doc(summary="Preview a schedule (the same code books it at disbursement)", tags=["loans"])
@roles(*READ)
@api.arguments(schemas.PreviewSchema)
@api.response(200, schemas.PreviewResultSchema)
def preview_schedule(data: dict):
    plan = loans.preview(_coop(), data["product_id"], data["principal"], data["term_months"], data["first_due_date"],
                         data["disbursed_on"])
    first = loans.preview_first_period(_coop(), data["product_id"], data["term_months"], data["first_due_date"],
                                       data["disbursed_on"])
    return {
        "instalments": [i.as_dict() for i in plan], "total_interest": sum(i.interest for i in plan),
        "total_principal": sum(i.principal for i in plan),
        "first_period_days": first.days if first else None,
        "standard_period_days": first.standard_days if first else None,
        "first_period_prorated": first.prorated if first else None}


@api.post("/loans")
@api.doc(summary="Apply for a loan (status applied)", tags=["loans"], errors=(401, 403, 404, 409, 422))
@roles(*APPLY)
@api.arguments(schemas.LoanCreateSchema)
@api.response(201, schemas.LoanSchema)
def create_loan(data: dict):
    loan = atomic(loans.apply, _coop(), actor=current_api_user(), **data)
    return loan_dump(loan)


@api.get("/loans")
@api.doc(summary="Loans", tags=["loans"])
@roles(*READ)
@api.arguments(schemas.LoanListQuerySchema, location="query")
@api.response(200, schemas.LoanListSchema)
def list_loans(args: dict):
    stmt = sa.select(Loan).where(Loan.cooperative_id == _coop())
    if args.get("status"):
        stmt = stmt.where(Loan.status == args["status"])
    if args.get("member_id"):
        stmt = stmt.where(Loan.member_id == args["member_id"])
    return cursor_page(stmt, Loan.id, loan_dump)


@api.get("/loans/<int:loan_id>")
@api.doc(summary="A loan with outstanding principal, arrears, days past due and collectibility", tags=["loans"])
@roles(*READ, MEMBER)
@api.response(200, schemas.LoanSchema)
def get_loan(loan_id: int):
    return loan_dump(_visible(loan_id))


@api.post("/loans/<int:loan_id>/approval")
@api.doc(summary="Approve or reject (403 for the maker of the application)",
         tags=["loans"], errors=(401, 403, 404, 409, 422))
@roles(ADMIN, MANAGER, TREASURER)
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.ApprovalSchema)
@api.response(200, schemas.LoanSchema)
def approve_loan(data: dict, loan_id: int):
    loan = atomic(loans.decide, _coop(), loan_id, actor=current_api_user(), decision=data["decision"],
                  note=data["note"], on=data["decided_on"] or _today())
    return loan_dump(loan)


@api.post("/loans/<int:loan_id>/disbursement")
@api.doc(summary="Disburse an approved loan (cash or to savings); the schedule equals the preview",
         tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.DisbursementSchema)
@api.response(200, schemas.LoanSchema)
def disburse_loan(data: dict, loan_id: int):
    loan = atomic(loans.disburse, _coop(), loan_id, actor=current_api_user(), disbursed_on=data["disbursed_on"],
                  first_due_date=data["first_due_date"], mode=data["mode"])
    return loan_dump(loan, data["disbursed_on"])


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
@api.doc(summary="The booked schedule with paid amounts", tags=["loans"])
@roles(*READ, MEMBER)
@api.response(200, schemas.ScheduleSchema)
def loan_schedule(loan_id: int):
    return schedule_dump(_visible(loan_id))


@api.post("/loans/<int:loan_id>/repayments")
@api.doc(summary="Record a repayment (allocated penalty, fees, interest, principal; oldest instalment first)",
         tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.RepaymentSchema)
@api.response(201, schemas.RepaymentResultSchema)
def repay_loan(data: dict, loan_id: int):
    rep = atomic(loans.repay, _coop(), loan_id, data["amount"], actor=current_api_user(), paid_on=data["paid_on"],
                 channel=data["channel"])
    return repayment_dump(rep)


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
@api.doc(summary="What an early payoff (pelunasan dipercepat) costs on as_of: principal, due interest, fees, "
                 "penalties, total; later interest is waived (409 unless active)", tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*READ, MEMBER)
@found_first(_visible)  # 404 before 422
@api.arguments(schemas.PayoffQuoteQuerySchema, location="query")
@api.response(200, schemas.PayoffQuoteSchema)
def payoff_quote(args: dict, loan_id: int):
    loan = g.api_object
    as_of = args.get("as_of") or _today()
    quote = loans.payoff_quote(_coop(), loan.id, as_of)
    return quote | {"loan_id": loan.id, "as_of": as_of}


@api.post("/loans/<int:loan_id>/payoff")
@api.doc(summary="Pay a loan off early; amount must equal the payoff quote total of paid_on "
                 "(422 payoff_amount_mismatch otherwise; 409 when the loan is not active)", tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.PayoffSchema)
@api.response(201, schemas.PayoffResultSchema)
def pay_off_loan(data: dict, loan_id: int):
    rep = atomic(loans.pay_off, _coop(), loan_id, actor=current_api_user(), paid_on=data["paid_on"],
                 channel=data["channel"], amount=data["amount"])
    loan = loans.get_loan(_coop(), loan_id)
    return repayment_dump(rep) | {"loan_status": loan.status}


@api.post("/loans/<int:loan_id>/write-off")
@api.doc(summary="Request a write-off (hapus buku) of an active loan; a second manager/admin approves it",
         tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.WriteOffRequestSchema)
@api.response(200, schemas.LoanSchema)
def request_write_off(data: dict, loan_id: int):
    loan = atomic(loans.request_write_off, _coop(), loan_id, actor=current_api_user(), note=data["reason"].strip())
    return loan_dump(loan)


@api.post("/loans/<int:loan_id>/write-off/approval")
@api.doc(summary="Approve a requested write-off: Cr loan, Dr 1209 up to the provision, the rest Dr 5102 "
                 "(403 for the requester)",
         tags=["loans"], errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@idempotent
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.WriteOffApprovalSchema)
@api.response(200, schemas.LoanSchema)
def approve_write_off(data: dict, loan_id: int):
    on = data["written_off_on"] or _today()
    loan = atomic(loans.approve_write_off, _coop(), loan_id, actor=current_api_user(), on=on)
    return loan_dump(loan, on)


@api.post("/loans/<int:loan_id>/write-off/rejection")
@api.doc(summary="Reject a pending write-off request (checker, with a reason): the request is cleared, the loan "
                 "keeps running (403 maker_checker for the requester, 409 no_write_off_request when none is pending)",
         tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.WriteOffRejectionSchema)
@api.response(200, schemas.LoanSchema)
def reject_write_off(data: dict, loan_id: int):
    loan = atomic(loans.reject_write_off, _coop(), loan_id, actor=current_api_user(), reason=data["reason"])
    return loan_dump(loan)


@api.post("/loans/<int:loan_id>/write-off/withdrawal")
@api.doc(summary="Withdraw one's own pending write-off request: the request is cleared, a new one can be made "
                 "(403 not_requester for anyone else, 409 no_write_off_request when none is pending)",
         tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.WriteOffWithdrawalSchema)
@api.response(200, schemas.LoanSchema)
def withdraw_write_off(data: dict, loan_id: int):
    loan = atomic(loans.withdraw_write_off, _coop(), loan_id, actor=current_api_user(), note=data["note"])
    return loan_dump(loan)


@api.post("/loans/<int:loan_id>/recoveries")
@api.doc(summary="Money received on a written-off loan (Dr Kas / Cr 4104 income); 409 unless written off",
         tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.RecoveryCreateSchema)
@api.response(201, schemas.RecoverySchema)
def record_recovery(data: dict, loan_id: int):
    rec = atomic(loans.record_recovery, _coop(), loan_id, data["amount"], actor=current_api_user(),
                 received_on=data["received_on"])

    loan = loans.get_loan(_coop(), loan_id)
    return {
        "id": rec.id, "loan_id": loan.id, "amount": rec.amount, "received_on": rec.received_on,
        "entry_id": rec.entry_id, "voucher_number": get_entry(_coop(), rec.entry_id).voucher_number,
        "written_off_amount": loan.written_off_amount, "recovered_total": loans.recovered_total(loan)}


@api.post("/loans/<int:loan_id>/reschedule")
@api.doc(summary="Reschedule (restrukturisasi) the outstanding principal; due unpaid interest is carried into "
                 "the first new instalment, unpaid penalties waived; returns the new schedule", tags=["loans"],
         errors=(401, 403, 404, 409, 422))
@roles(*APPROVE)
@idempotent
@found_first(_loan)  # 404 before 422
@api.arguments(schemas.RescheduleSchema)
@api.response(200, schemas.ScheduleSchema)
def reschedule_loan(data: dict, loan_id: int):
    loan = atomic(loans.reschedule, _coop(), loan_id, actor=current_api_user(), on=data["rescheduled_on"],
                  term_months=data["term_months"], first_due_date=data["first_due_date"])
    return schedule_dump(loan)
