"""API v1: contact consent and the outbox (API.md, "Outreach and remittances").

Admin, officer and treasurer record and withdraw consent; staff read the outbox; every other role is
refused (403); another cooperative's resident or member is 404 (checked before the body is read)."""
from __future__ import annotations

from flask import g

from coop.auth.roles import ADMIN, AUDITOR, MANAGER, OFFICER, TREASURER
from coop.blueprints.api import api, current_api_user, cursor_page, found_first, no_content, roles
from coop.db import atomic
from coop.outreach import queries, services
from coop.outreach.models import ContactConsent, Message
from coop.outreach.schemas import (
    ConsentInSchema,
    ConsentSchema,
    MessageListSchema,
    MessageQuerySchema,
)
from coop.registry.services import get_resident

WRITE = (ADMIN, OFFICER, TREASURER)
READ = (ADMIN, OFFICER, TREASURER, MANAGER, AUDITOR)
TAGS = ["outreach"]


def _coop() -> int:
    return current_api_user().cooperative_id


def dump_consent(c: ContactConsent) -> dict:
    return {
        "id": c.id, "resident_id": c.resident_id, "channel": c.channel, "phone": c.phone, "given_on": c.given_on,
        "purposes": c.purpose_list, "method": c.method, "recorded_at": c.recorded_at,
        "recorded_by": c.recorded_by.username if c.recorded_by else None}


def dump_message(m: Message) -> dict:
    return {"id": m.id, "member_id": m.member_id, "channel": m.channel, "purpose": m.purpose,
            "status": m.status, "text": m.text, "created_at": m.created_at, "sent_at": m.sent_at}


def _record(data: dict, resident_id: int) -> dict:
    consent = atomic(services.record_consent, _coop(), resident_id, data, method="api", actor=current_api_user())
    return dump_consent(consent)


def _withdraw(resident_id: int, channel: str):
    atomic(services.withdraw_consent, _coop(), resident_id, channel, via="api", actor=current_api_user())
    return no_content()


@api.post("/residents/<int:resident_id>/contact-consents")
@api.doc(summary="Record a resident's consent to be contacted on one channel",
         tags=TAGS, errors=(401, 403, 404, 422))
@roles(*WRITE)
@found_first(lambda resident_id: get_resident(_coop(), resident_id))  # 404 before 422
@api.arguments(ConsentInSchema)
@api.response(201, ConsentSchema)
def create_resident_consent(data: dict, resident_id: int):
    return _record(data, resident_id)


@api.post("/members/<int:member_id>/contact-consents")
@api.doc(summary="Record consent for the member's resident", tags=TAGS, errors=(401, 403, 404, 422))
@roles(*WRITE)
@found_first(lambda member_id: services.resident_of_member(_coop(), member_id))  # 404 before 422
@api.arguments(ConsentInSchema)
@api.response(201, ConsentSchema)
def create_member_consent(data: dict, member_id: int):
    return _record(data, g.api_object)


@api.delete("/residents/<int:resident_id>/contact-consents/<channel>")
@api.doc(summary="Withdraw consent on a channel at once (queued messages on it fail)", status=204, tags=TAGS,
         errors=(401, 403, 404))
@roles(*WRITE)
def delete_resident_consent(resident_id: int, channel: str):
    return _withdraw(resident_id, channel)


@api.delete("/members/<int:member_id>/contact-consents/<channel>")
@api.doc(summary="Withdraw the member's consent on a channel at once", status=204,
         tags=TAGS, errors=(401, 403, 404))
@roles(*WRITE)
def delete_member_consent(member_id: int, channel: str):
    return _withdraw(services.resident_of_member(_coop(), member_id), channel)


@api.get("/messages")
@api.doc(summary="The outbox and delivery log", tags=TAGS, errors=(401, 403, 422))
@roles(*READ)
@api.arguments(MessageQuerySchema, location="query")
@api.response(200, MessageListSchema)
def list_messages(args: dict):
    return cursor_page(queries.messages_query(_coop(), status=args["status"], member_id=args["member_id"]),
                       Message.id, dump_message)
