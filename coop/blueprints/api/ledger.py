"""API v1: ledger (trial balance, verify, accounts, general ledger, statements, manual entries)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import request

from coop.auth.roles import ADMIN, BOOKS, MANAGER, TREASURER
from coop.blueprints.api import api, current_api_user, cursor_page, found_first, idempotent, roles
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import ValidationError
from coop.ledger import periods, reports
from coop.ledger import queries as ledger_queries
from coop.ledger.integrity import post_manual_entry
from coop.ledger.models import Account
from coop.ledger.rules import Line
from coop.ledger.schemas import (
    AsOfQuerySchema,
    GeneralLedgerSchema,
    JournalEntryInSchema,
    JournalEntryOutSchema,
    LedgerAccountListSchema,
    LedgerAccountSchema,
    LedgerVerifySchema,
    NeracaSchema,
    PhuSchema,
    RangeQuerySchema,
    ReversalRequestInSchema,
    ReversalRequestSchema,
    TrialBalanceSchema,
)
from coop.ledger.services import get_account, get_entry
from coop.ledger.verify import verify as run

TAGS = ["ledger"]


def _coop() -> int:
    return current_api_user().cooperative_id



def _range(args: dict) -> tuple[date, date]:
    end = args["to"] or _today()
    start = args["from_"] or date(end.year, 1, 1)
    if start > end:
        raise ValidationError("Tanggal awal setelah tanggal akhir.", fields={"from": ["setelah tanggal akhir"]})
    return start, end


def account_dump(acc: Account) -> dict:
    return {"id": acc.id, "code": acc.code, "name": acc.name, "name_en": acc.name_en, "type": acc.type,
            "normal_side": acc.normal_side, "parent_id": acc.parent_id, "is_open": acc.is_open,
            "balance": acc.natural_balance()}


def entry_dump(entry) -> dict:
    return {
        "id": entry.id, "voucher_number": entry.voucher_number, "value_date": entry.value_date, "memo": entry.memo,
        "source": entry.source, "reverses_id": entry.reverses_id, "hash": entry.hash,
        "lines": [{"line_no": p.line_no, "account_code": p.account.code, "account_name": p.account.name,
                   "debit": p.debit, "credit": p.credit, "memo": p.memo} for p in entry.postings]}


@api.get("/ledger/trial-balance")
@api.doc(summary="Trial balance (neraca saldo) at a date, rolled up to chart accounts", tags=TAGS,
         errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(AsOfQuerySchema, location="query")
@api.response(200, TrialBalanceSchema)
def trial_balance(args: dict):
    return reports.trial_balance(_coop(), args["as_of"] or _today())


@api.get("/ledger/verify")
@api.doc(summary="Verify the books: balances from postings, hash chain, voucher gaps",
         tags=TAGS, errors=(401, 403))
@roles(*BOOKS)
@api.response(200, LedgerVerifySchema)
def verify():
    return run(_coop())


@api.get("/ledger/accounts")
@api.doc(summary="Chart of accounts and sub-accounts with natural-side balances",
         tags=TAGS, errors=(401, 403, 422))
@roles(*BOOKS)
@api.response(200, LedgerAccountListSchema)
def list_accounts():
    stmt = sa.select(Account).where(Account.cooperative_id == _coop())
    return cursor_page(stmt, Account.id, account_dump)


@api.get("/ledger/accounts/<int:ledger_account_id>")
@api.doc(summary="One account", tags=TAGS)
@roles(*BOOKS)
@api.response(200, LedgerAccountSchema)
def get_ledger_account(ledger_account_id: int):
    return account_dump(get_account(_coop(), ledger_account_id))


@api.get("/ledger/accounts/<int:ledger_account_id>/general-ledger")
@api.doc(summary="General ledger of one account (sub-accounts included) with running balance",
         tags=TAGS)
@roles(*BOOKS)
@found_first(lambda ledger_account_id: get_account(_coop(), ledger_account_id))  # 404 before 422
@api.arguments(RangeQuerySchema, location="query")
@api.response(200, GeneralLedgerSchema)
def general_ledger(args: dict, ledger_account_id: int):
    start, end = _range(args)
    return reports.general_ledger(_coop(), ledger_account_id, start, end)


@api.get("/ledger/neraca")
@api.doc(summary="Neraca (statement of financial position)", tags=TAGS, errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(AsOfQuerySchema, location="query")
@api.response(200, NeracaSchema)
def neraca(args: dict):
    return reports.neraca(_coop(), args["as_of"] or _today())


@api.get("/ledger/phu")
@api.doc(summary="Perhitungan Hasil Usaha (income statement), member and non-member income apart",
         tags=TAGS, errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(RangeQuerySchema, location="query")
@api.response(200, PhuSchema)
def phu(args: dict):
    start, end = _range(args)
    return reports.phu(_coop(), start, end)


@api.get("/ledger/entries/<int:entry_id>")
@api.doc(summary="One journal entry with its lines", tags=TAGS)
@roles(*BOOKS)
@api.response(200, JournalEntryOutSchema)
def get_journal_entry(entry_id: int):
    return entry_dump(get_entry(_coop(), entry_id))


@api.post("/ledger/entries")
@api.doc(summary="Post a manual journal entry (non-member transactions; control accounts and member sub-accounts are refused with 422)",
         tags=TAGS, errors=(401, 403, 409, 422))
@roles(ADMIN, TREASURER)
@idempotent
@api.arguments(JournalEntryInSchema)
@api.response(201, JournalEntryOutSchema)
def create_journal_entry(data: dict):
    coop_id = _coop()
    codes = {ln["account_code"] for ln in data["lines"]}
    by_code = ledger_queries.account_ids_by_code(coop_id, codes)
    missing = sorted(codes - set(by_code))
    if missing:
        raise ValidationError("Akun tidak dikenal.", fields={"lines": [f"akun {c} tidak dikenal" for c in missing]})
    lines = [Line(by_code[ln["account_code"]], debit=ln["debit"], credit=ln["credit"], memo=ln["memo"])
             for ln in data["lines"]]
    key = request.headers.get("Idempotency-Key")
    entry = atomic(post_manual_entry, coop_id, lines, actor=current_api_user(), memo=data["memo"],
                   value_date=data["value_date"], idempotency_key=f"api.manual:{key}" if key else None)
    return entry_dump(entry)




@api.post("/ledger/entries/<int:entry_id>/reversal-requests")
@api.doc(summary="Request the reversal of a journal entry (maker); a second person approves it. An entry a sub-ledger "
                 "owns (loan, savings, SHU, cash count) is refused with 409 `owned_by_subledger` naming the action",
         tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(ADMIN, TREASURER, MANAGER)
@found_first(lambda entry_id: get_entry(_coop(), entry_id))  # another cooperative's entry: 404 before 422
@api.arguments(ReversalRequestInSchema)
@api.response(201, ReversalRequestSchema)
def request_entry_reversal(data: dict, entry_id: int):
    approval = atomic(periods.request_reversal, _coop(), entry_id, actor=current_api_user(), reason=data["reason"],
                      value_date=data["value_date"])
    return {"id": approval.id, "entry_id": approval.target_id, "status": approval.status,
            "reason": approval.reason, "value_date": approval.value_date}
