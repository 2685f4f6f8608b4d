"""The one receipt design (issue 15, item 5): what every kuitansi page (savings, loan repayment, loan
disbursement) gives ``templates/receipts/kuitansi.html`` besides its own lines: the print layout (58 mm
thermal roll or A5), the PDF link, the verification link and "Kirim via WhatsApp"."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from coop.formatting import whatsapp_url
from coop.reports.receipts import (
    receipt_data,
    receipt_member,
    receipt_officer,
    receipt_text,
    verification_token,
)

LAYOUTS = ("a5", "58")


def layout() -> str:
    """``?layout=58`` (thermal roll) or ``a5`` (the default)."""
    chosen = request.args.get("layout", "a5")
    return chosen if chosen in LAYOUTS else "a5"


def receipt_frame(entry_id: int, voucher_number: str, *, member_id: int | None = None, pdf: bool = True) -> dict:
    """The frame of one receipt: ``layout``, ``layout_urls``, ``pdf_url``, ``verify_url``, ``wa_url`` (the
    member's phone when the registry has one), ``wa_text`` and ``officer`` (who posted the entry, not who
    is looking at the receipt). ``member_id`` restricts to a member's own."""
    cid = current_user.cooperative_id
    data = receipt_data(cid, voucher_number, member_id=member_id)
    member = receipt_member(cid, data["member_number"])
    verify_url = url_for("public.receipt", token=verification_token(current_app.secret_key, cid, voucher_number),
                         _external=True)
    text = receipt_text(data, current_user.cooperative.name, member.full_name if member else "", verify_url,
                        str(get_locale() or "id"))
    phone = member.resident.phone if member is not None and member.resident is not None else None
    args = dict(request.view_args or {})
    return {"layout": layout(), "verify_url": verify_url, "wa_text": text, "wa_url": whatsapp_url(phone, text),
            "has_phone": bool(phone), "officer": receipt_officer(cid, entry_id), "pdf_url": url_for("cashdesk.receipt_pdf", entry_id=entry_id) if pdf else None,
            "layout_urls": {name: url_for(request.endpoint, layout=name, **args) for name in LAYOUTS}}
