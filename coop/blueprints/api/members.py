"""API v1: members and savings accounts (API.md, Membership and savings)."""
from __future__ import annotations

from flask import g, request

from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, MEMBER, OFFICER, TREASURER
from coop.blueprints.api import (
    _decode_cursor,
    _encode_cursor,
    api,
    current_api_user,
    found_first,
    idempotent,
    page_params,
    roles,
)
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import NotFound
from coop.loans.services import loans_of_member, outstanding_principal
from coop.membership import schemas, services
from coop.membership.models import Member
from coop.savings import services as savings

STAFF_READ = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)
REGISTER = (ADMIN, TREASURER, MANAGER, OFFICER)


def _coop() -> int:
    return current_api_user().cooperative_id


def _visible_member(member_id: int) -> Member:
    """Staff see every member of their cooperative; a member sees only themself (404 otherwise)."""
    user = current_api_user()
    member = services.get_member(user.cooperative_id, member_id)
    if user.role == MEMBER and member.user_id != user.id:
        raise NotFound("Anggota tidak ditemukan.")
    return member


def _visible_account(account_id: int):
    acc = savings.get_account(_coop(), account_id)
    _visible_member(acc.member_id)
    return acc


def account_dump(acc) -> dict:
    return {"id": acc.id, "member_id": acc.member_id, "account_number": acc.account_number,
            "product": acc.product.name, "product_id": acc.product_id, "kind": acc.kind,
            "balance": acc.balance, "status": acc.status, "opened_on": acc.opened_on,
            "maturity_on": acc.maturity_on,
            "rate_percent_per_year": acc.rate if acc.rate is not None else acc.product.interest_rate}


def _loans_of(member: Member) -> list[dict]:
    return [{"id": loan.id, "status": loan.status, "principal": loan.principal,
             "outstanding_principal": outstanding_principal(loan) if loan.status == "active" else 0}
            for loan in loans_of_member(member.cooperative_id, member.id)]


def member_dump(member: Member) -> dict:
    return {"id": member.id, "member_number": member.member_number, "status": member.status,
            "member_type": member.member_type, "resident_id": member.resident_id,
            "full_name": member.full_name, "joined_on": member.joined_on, "resigned_on": member.resigned_on,
            "savings_accounts": [account_dump(a) for a in savings.accounts_of(member.cooperative_id, member.id)],
            "loans": _loans_of(member)}


@api.post("/members")
@api.doc(summary="Register a resident as a member (opens pokok, wajib and sukarela accounts)", tags=["members"],
         errors=(401, 403, 404, 409, 422))
@roles(*REGISTER)
@api.arguments(schemas.MemberCreateSchema)
@api.response(201, schemas.MemberSchema)
def create_member(data: dict):
    member = atomic(services.register_member, _coop(), data["resident_id"], data["joined_on"],
                    actor=current_api_user(), member_type=data["member_type"])
    return member_dump(member)


@api.get("/members/<int:member_id>")
@api.doc(summary="A member with savings accounts and loans", tags=["members"])
@roles(*STAFF_READ, MEMBER)
@api.response(200, schemas.MemberSchema)
def get_member(member_id: int):
    return member_dump(_visible_member(member_id))


def settlement_dump(s) -> dict:
    return {"member_id": s.member.id, "status": s.member.status, "effective_on": s.effective_on,
            "savings": [{"account_id": a.id, "kind": a.kind, "amount": amt} for a, amt in s.savings],
            "savings_total": s.savings_total, "loans_total": s.loans_total, "refund": s.refund,
            "entry_id": s.entry.id if s.entry is not None else None,
            "voucher_number": s.entry.voucher_number if s.entry is not None else None}


@api.post("/members/<int:member_id>/resignation")
@api.doc(summary="Resign: savings refunded net of outstanding loans in one entry", tags=["members"],
         errors=(401, 403, 404, 409, 422))
@roles(ADMIN, TREASURER, MANAGER)
@idempotent
@found_first(lambda member_id: services.get_member(_coop(), member_id))
@api.arguments(schemas.ResignationSchema)
@api.response(200, schemas.SettlementSchema)
def resign_member(data: dict, member_id: int):
    s = atomic(services.resign, _coop(), member_id, data["effective_on"], actor=current_api_user())
    return settlement_dump(s)


@api.get("/savings-accounts/<int:account_id>")
@api.doc(summary="A savings account with its balance", tags=["savings"])
@roles(*STAFF_READ, MEMBER)
@api.response(200, schemas.SavingsAccountSchema)
def get_savings_account(account_id: int):
    return account_dump(_visible_account(account_id))


def _account(account_id: int):
    return savings.get_account(_coop(), account_id)


def _move(fn, data: dict, account_id: int) -> dict:
    # looked up by found_first before the body was parsed (404 first); still referenced, so the service reuses it
    ctx_g = g._get_current_object()  # one lookup of the request's ``g`` (each read through the proxy is one)
    acc, user = ctx_g.api_object, ctx_g.api_user
    # a future date, one before the founding or the account's opening: 422 from the service (coop.datebounds)
    key = request.environ.get("HTTP_IDEMPOTENCY_KEY")  # the Idempotency-Key header
    receipt = atomic(fn, user.cooperative_id, account_id, data["amount"], actor=user,
                     value_date=data["value_date"] or _today(), memo=data["memo"],
                     idempotency_key=(f"api:{user.id}:{key}" if key else None))
    body = {"transaction_id": receipt.transaction_id, "entry_id": receipt.entry.id,
            "voucher_number": receipt.entry.voucher_number, "amount": receipt.amount,
            "balance": receipt.balance, "account_id": acc.id}
    return body


@api.post("/savings-accounts/<int:account_id>/deposits")
@api.doc(summary="Cash deposit", tags=["savings"], errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@found_first(_account)
@api.arguments(schemas.MoneyMoveSchema)
@api.response(201, schemas.MoneyMoveResultSchema)
def deposit(data: dict, account_id: int):
    return _move(savings.deposit, data, account_id)


@api.post("/savings-accounts/<int:account_id>/withdrawals")
@api.doc(summary="Cash withdrawal (409 insufficient_funds below the account's minimum balance or beyond the cash "
                 "in Kas)", tags=["savings"], errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@found_first(_account)
@api.arguments(schemas.MoneyMoveSchema)
@api.response(201, schemas.MoneyMoveResultSchema)
def withdraw(data: dict, account_id: int):
    return _move(savings.withdraw, data, account_id)


@api.get("/savings-accounts/<int:account_id>/transactions")
@api.doc(summary="Transactions (postings) with running balance", tags=["savings"])
@roles(*STAFF_READ, MEMBER)
@found_first(_visible_account)
@api.arguments(schemas.TransactionsQuerySchema, location="query")
@api.response(200, schemas.TransactionListSchema)
def transactions(args: dict, account_id: int):
    limit, after = page_params()
    acc, opening, page, more = savings.statement_after(_coop(), account_id, args["date_from"], args["date_to"],
                                                       after, limit)
    items = [{"id": r.transaction_id, "entry_id": r.entry_id, "voucher_number": r.voucher_number,
              "value_date": r.value_date, "memo": r.memo, "type": r.source.split(".")[-1],
              "deposit": r.deposit, "withdrawal": r.withdrawal, "amount": r.deposit - r.withdrawal,
              "balance": r.balance} for r in page]
    return {"account_id": acc.id, "opening_balance": opening, "items": items,
            "next_cursor": _encode_cursor(page[-1].transaction_id) if more and page else None}


__all__ = ["_decode_cursor"]
