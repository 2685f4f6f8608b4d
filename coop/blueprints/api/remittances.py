"""API v1: remittances received for members' families, savings goals and KUR referrals (API.md,
"Outreach and remittances"). The treasurer (and admin) record remittances; staff who register members
set goals and referrals; staff read; a member reads only their own goals; another cooperative's ids are 404.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import g, request

from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, MEMBER, OFFICER, TREASURER
from coop.blueprints.api import api, current_api_user, found_first, idempotent, roles
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import NotFound, ValidationError
from coop.membership.services import member_for_user
from coop.remittances import queries, schemas, services

STAFF_READ = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)
PLAN = (ADMIN, TREASURER, MANAGER, OFFICER)
TAGS = ["remittances"]


def _coop() -> int:
    return current_api_user().cooperative_id


def remittance_dump(r) -> dict:
    return {"id": r.id, "savings_account_id": r.savings_account_id, "member_id": r.member_id,
            "sender_resident_id": r.sender_resident_id, "country": r.country, "channel": r.channel,
            "currency": r.currency, "foreign_amount": format(Decimal(r.foreign_amount).normalize(), "f"),
            "amount": r.amount, "fee": r.fee, "received_on": r.received_on, "goal_id": r.goal_id,
            "entry_id": r.entry_id, "voucher_number": r.entry.voucher_number, "balance": r.account.balance}


@api.post("/remittances")
@api.doc(summary="Record a remittance received for a member's family (posted as a deposit into the recipient's "
                 "sukarela account: Kas or Bank by channel)", tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(*CASH)
@idempotent
@api.arguments(schemas.RemittanceInSchema)
@api.response(201, schemas.RemittanceSchema)
def create_remittance(data: dict):
    data["foreign_amount"] = Decimal(data["foreign_amount"])
    data["received_on"] = data["received_on"] or _today()
    key = request.headers.get("Idempotency-Key")
    row = atomic(services.record_remittance, _coop(), data, actor=current_api_user(),
                 idempotency_key=(f"api:{g.api_user.id}:remit:{key}" if key else None))
    return remittance_dump(row)


@api.get("/remittances/summary")
@api.doc(summary="Remittances received between two dates: count, amount, by country and channel, and the share "
                 "still saved 30 days after receipt", tags=TAGS, errors=(401, 403, 422))
@roles(*STAFF_READ)
@api.arguments(schemas.RemittanceSummaryQuerySchema, location="query")
@api.response(200, schemas.RemittanceSummarySchema)
def remittance_summary(args: dict):
    today = _today()
    end = args["date_to"] or today
    start = args["date_from"] or date(end.year, 1, 1)
    if start > end:
        raise ValidationError("Tanggal awal sesudah tanggal akhir.", fields={"from": ["harus sebelum 'to'"]})
    data = queries.summary(_coop(), start, end, today)
    share = data["saved_share"]
    return {**data, "date_from": start, "date_to": end, "saved_share": None if share is None else format(share, "f")}


def goal_dump(goal, saved: int, pct: Decimal) -> dict:
    return {"id": goal.id, "member_id": goal.member_id, "savings_account_id": goal.savings_account_id,
            "purpose": goal.purpose, "target_amount": goal.target_amount, "target_date": goal.target_date,
            "saved": saved, "progress_percent": format(pct, "f")}


@api.post("/savings-goals")
@api.doc(summary="A member's savings goal on their sukarela account", tags=TAGS, errors=(401, 403, 404, 422))
@roles(*PLAN)
@api.arguments(schemas.SavingsGoalInSchema)
@api.response(201, schemas.SavingsGoalSchema)
def create_goal(data: dict):
    goal = atomic(services.create_goal, _coop(), data, actor=current_api_user(), as_of=_today())
    return goal_dump(*services.goal_progress(_coop(), goal.id))


@api.get("/savings-goals/<int:goal_id>")
@api.doc(summary="A savings goal with what is saved toward it (the account's balance fills the member's goals "
                 "earliest target date first)", tags=TAGS, errors=(401, 403, 404))
@roles(*STAFF_READ, MEMBER)
@api.response(200, schemas.SavingsGoalSchema)
def get_goal(goal_id: int):
    goal, saved, pct = services.goal_progress(_coop(), goal_id)
    user = current_api_user()
    if user.role == MEMBER:
        me = member_for_user(user)
        if me is None or me.id != goal.member_id:
            raise NotFound("Tujuan tabungan tidak ditemukan.")
    return goal_dump(goal, saved, pct)


def kur_dump(r) -> dict:
    return {"id": r.id, "member_id": r.member_id, "bank": r.bank, "amount_requested": r.amount_requested,
            "status": r.status, "referred_on": r.referred_on, "decided_on": r.decided_on,
            "disbursed_on": r.disbursed_on, "note": r.note}


@api.post("/kur-referrals")
@api.doc(summary="Refer a member to a bank for KUR Penempatan (up to Rp 100 juta)", tags=TAGS,
         errors=(401, 403, 404, 422))
@roles(*PLAN)
@api.arguments(schemas.KurReferralInSchema)
@api.response(201, schemas.KurReferralSchema)
def create_kur_referral(data: dict):
    data["referred_on"] = data["referred_on"] or _today()
    row = atomic(services.refer_to_kur, _coop(), data, actor=current_api_user())
    return kur_dump(row)


@api.post("/kur-referrals/<int:kur_referral_id>/status")
@api.doc(summary="The bank's answer: approved, rejected, then disbursed",
         tags=TAGS, errors=(401, 403, 404, 422))
@roles(*PLAN)
@found_first(lambda kur_referral_id: services.get_referral(_coop(), kur_referral_id))  # 404 before 422
@api.arguments(schemas.KurReferralStatusSchema)
@api.response(200, schemas.KurReferralSchema)
def update_kur_referral(data: dict, kur_referral_id: int):
    row = atomic(services.update_referral, _coop(), kur_referral_id, data["status"], data["on"] or _today(),
                 actor=current_api_user())
    return kur_dump(row)
