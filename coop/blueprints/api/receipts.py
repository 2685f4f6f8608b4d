"""API v1: receipts (kuitansi) by voucher number, as JSON or PDF. Staff of the cooperative read any
receipt; a member reads only their own (404 otherwise)."""
from __future__ import annotations

from flask import Response, request
from flask_babel import get_locale

from coop.auth.roles import MEMBER, STAFF
from coop.blueprints.api import api, current_api_user, roles
from coop.errors import NotFound
from coop.membership.services import member_for_user
from coop.reports.receipts import receipt_data, receipt_pdf
from coop.reports.schemas import ReceiptSchema

TAGS = ["receipts"]


def _data(voucher_number: str) -> dict:
    user = current_api_user()
    member_id = None
    if user.role == MEMBER:
        member = member_for_user(user)
        if member is None:
            raise NotFound("Kuitansi tidak ditemukan.")
        member_id = member.id
    return receipt_data(user.cooperative_id, voucher_number, member_id=member_id)


def _pdf(voucher_number: str) -> Response:
    data = _data(voucher_number)
    body = receipt_pdf(data, current_api_user().cooperative.name, str(get_locale() or "id"))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="kuitansi-{data["voucher_number"]}.pdf"'})


@api.get("/receipts/<voucher_number>.pdf")
@api.doc(summary="A receipt (kuitansi) as PDF",
         tags=TAGS, content_type="application/pdf", errors=(401, 403, 404))
@roles(*STAFF, MEMBER)
def receipt_as_pdf(voucher_number: str):
    return _pdf(voucher_number)


@api.get("/receipts/<voucher_number>")
@api.doc(summary="A receipt (kuitansi) as data, identical on every reprint; `Accept: application/pdf` gives the PDF",
         tags=TAGS, errors=(401, 403, 404))
@roles(*STAFF, MEMBER)
@api.response(200, ReceiptSchema)
def receipt(voucher_number: str):
    best = request.accept_mimetypes.best_match(["application/json", "application/pdf"])
    if best == "application/pdf" and request.accept_mimetypes["application/pdf"] > request.accept_mimetypes["application/json"]:
        return _pdf(voucher_number)
    return _data(voucher_number)
