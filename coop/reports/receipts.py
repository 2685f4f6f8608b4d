"""Receipts (kuitansi) as data, by voucher number: the same figures on every reprint (DOMAIN.md, Receipts).

Everything comes from rows written when the money moved (the journal entry, the loan repayment with its
``outstanding_after``, the savings postings up to that entry), never from today's state, so a reprint a
year later shows what the original showed. :func:`receipt_pdf` prints the same dict.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from fpdf import FPDF
from itsdangerous import BadSignature, URLSafeSerializer

from coop.auth.models import Cooperative, User
from coop.db import db
from coop.errors import NotFound
from coop.formatting import rupiah, tanggal, terbilang
from coop.ledger.models import JournalEntry
from coop.ledger.stamp_duty import RECEIPT, stamp_duty
from coop.loans.models import Loan, LoanRepayment
from coop.membership.models import Member
from coop.savings import cash
from coop.spreadsheet import printable


def _entry(cooperative_id: int, voucher_number: str) -> JournalEntry:
    entry = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.cooperative_id == cooperative_id,
                                                            JournalEntry.voucher_number == voucher_number))
    if entry is None:
        raise NotFound("Kuitansi tidak ditemukan.")
    return entry


def receipt_data(cooperative_id: int, voucher_number: str, *, member_id: int | None = None) -> dict:
    """The kuitansi of one entry: ``voucher_number``, ``date``, ``kind`` (the entry's source, e.g.
    ``loans.repayment``, ``savings.deposit``), ``member_number``, ``amount``, ``amount_in_words``,
    ``stamp_duty_required``, ``lines`` ([{"description", "amount"}]); loan repayments add ``loan_number``,
    ``instalments``, ``principal``, ``interest``, ``fee``, ``penalty``, ``overpayment`` and
    ``outstanding_principal_after`` (the principal outstanding right after THAT payment).

    :param member_id: a member reading: anything not theirs is 404.
    :raises NotFound: unknown voucher, an entry that is no member's receipt, another member's receipt.
    """
    entry = _entry(cooperative_id, voucher_number)
    rep = db.session.scalar(sa.select(LoanRepayment).where(LoanRepayment.cooperative_id == cooperative_id,
                                                           LoanRepayment.entry_id == entry.id)
                            .order_by(LoanRepayment.id).limit(1))
    disbursed = db.session.scalar(sa.select(Loan).where(Loan.cooperative_id == cooperative_id,
                                                        Loan.disbursement_entry_id == entry.id))
    if rep is not None and entry.source.startswith("loans."):
        data = _loan_repayment(entry, rep)
    elif disbursed is not None:
        data = _loan_disbursement(entry, disbursed)
    else:
        view = cash.receipt(cooperative_id, entry.id)  # NotFound when no savings account moved
        data = {"member_id": view.member.id if view.member else None,
                "member_number": view.member.member_number if view.member else None,
                "amount": view.amount, "stamp_duty_required": view.stamp_duty,
                "lines": [{"description": f"{acc.kind_label} {acc.account_number}", "amount": amount}
                          for acc, amount, _after in view.lines]}
    owner = data.pop("member_id")
    if owner is None or (member_id is not None and owner != member_id):
        raise NotFound("Kuitansi tidak ditemukan.")
    return {"voucher_number": entry.voucher_number, "date": entry.value_date, "kind": entry.source,
            "amount_in_words": terbilang(data["amount"]), **data}


def receipt_officer(cooperative_id: int, entry_id: int) -> str:
    """The name of the user who posted journal entry ``entry_id`` (its ``actor_id``): the officer a receipt
    names, whoever prints it later. "" for an entry posted by no user (a job) or of another cooperative."""
    return db.session.scalar(
        sa.select(User.full_name).join(JournalEntry, JournalEntry.actor_id == User.id)
        .where(JournalEntry.id == entry_id, JournalEntry.cooperative_id == cooperative_id)) or ""


def _member_number(member_id: int) -> str | None:
    return db.session.scalar(sa.select(Member.member_number).where(Member.id == member_id))


def _loan_repayment(entry: JournalEntry, rep: LoanRepayment) -> dict:
    loan = db.session.get(Loan, rep.loan_id)
    parts = [("pokok", rep.principal), ("jasa", rep.interest), ("provisi/administrasi", rep.fee),
             ("denda", rep.penalty), ("kelebihan ke simpanan sukarela", rep.overpayment)]
    return {"member_id": loan.member_id, "member_number": _member_number(loan.member_id), "amount": rep.amount,
            # a receipt of a loan payment over the threshold is dutiable (DOMAIN.md, bea meterai)
            "stamp_duty_required": stamp_duty(entry.cooperative_id, rep.amount, rep.paid_on, document=RECEIPT).required,
            "lines": [{"description": f"{name} {loan.number}", "amount": amount} for name, amount in parts if amount],
            "loan_number": loan.number, "principal": rep.principal, "interest": rep.interest, "fee": rep.fee,
            "penalty": rep.penalty, "overpayment": rep.overpayment,
            "outstanding_principal_after": rep.outstanding_after}


def _loan_disbursement(entry: JournalEntry, loan: Loan) -> dict:
    net = loan.principal - (loan.fee_amount if loan.terms.get("fee_deducted") else 0)
    lines = [{"description": f"pencairan pinjaman {loan.number}", "amount": loan.principal}]
    if net != loan.principal:
        lines.append({"description": f"provisi/administrasi dipotong {loan.number}", "amount": loan.principal - net})
    return {"member_id": loan.member_id, "member_number": _member_number(loan.member_id), "amount": net,
            "stamp_duty_required": stamp_duty(entry.cooperative_id, net, loan.disbursed_on, document=RECEIPT).required,
            "lines": lines, "loan_number": loan.number}


def _latin1(text: str) -> str:
    return printable(text).encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(data: dict, cooperative_name: str, locale: str = "id") -> bytes:
    """The kuitansi of :func:`receipt_data` as an A4 PDF (labels in the request's language; the amount in
    words stays Indonesian: it is the legal wording)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(_latin1(_("Kuitansi %(voucher)s", voucher=data["voucher_number"])))
    pdf.set_author(_latin1(cooperative_name))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin1(cooperative_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(_("KUITANSI No. %(voucher)s", voucher=data["voucher_number"])), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    rows = [(_("Nomor anggota"), data["member_number"] or "-"), (_("Uang sejumlah"), data["amount_in_words"]),
            (_("Jumlah"), rupiah(data["amount"]))]
    rows += [(line["description"], rupiah(line["amount"])) for line in data["lines"]]
    if "outstanding_principal_after" in data:
        rows.append((_("Sisa pokok pinjaman"), rupiah(data["outstanding_principal_after"])))
    if data["stamp_duty_required"]:
        rows.append((_("Bea meterai"), _("wajib bermeterai")))
    for label, value in rows:
        pdf.cell(60, 6, _latin1(str(label)))
        pdf.multi_cell(0, 6, _latin1(str(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(0, 6, _latin1(tanggal(data["date"], locale, long=True)), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- sharing a receipt (issue 15, item 5): its text for WhatsApp and a verification link ---------------------

_SALT = "kuitansi-verifikasi"


def verification_token(secret: str, cooperative_id: int, voucher_number: str) -> str:
    """An unguessable, stable token naming one receipt (signed with the app's secret: no table, no expiry):
    the link printed on the receipt and sent with it opens :func:`verify_receipt`."""
    return URLSafeSerializer(secret, salt=_SALT).dumps([cooperative_id, voucher_number])


def verify_receipt(secret: str, token: str) -> dict | None:
    """What the public verification page shows for ``token`` (None: forged or unknown): the cooperative,
    the voucher number, its date, amount and amount in words. Never the member's name or number."""
    try:
        cooperative_id, voucher_number = URLSafeSerializer(secret, salt=_SALT).loads(token)
        data = receipt_data(int(cooperative_id), str(voucher_number))
    except (BadSignature, NotFound, ValueError, TypeError):
        return None
    coop = db.session.get(Cooperative, int(cooperative_id))
    return {"cooperative": coop.name if coop else "", "voucher_number": data["voucher_number"],
            "date": data["date"], "amount": data["amount"], "amount_in_words": data["amount_in_words"],
            "kind": data["kind"]}


def receipt_member(cooperative_id: int, member_number: str | None) -> Member | None:
    """The member a receipt names (for the name and the phone the WhatsApp link goes to)."""
    if not member_number:
        return None
    return db.session.scalar(sa.select(Member).where(Member.cooperative_id == cooperative_id,
                                                     Member.member_number == member_number))


def receipt_text(data: dict, cooperative_name: str, member_name: str, verify_url: str, locale: str = "id") -> str:
    """The receipt as a short message (WhatsApp): the cooperative, number, date, member, each line, the
    total in figures and in words, the principal after a loan payment, and the verification link.

    Worked example: a deposit of Rp 250.000 reads "Jumlah: Rp 250.000" and "(dua ratus lima puluh ribu
    rupiah)"."""
    lines = [_("KUITANSI %(coop)s", coop=cooperative_name), _("No. %(voucher)s", voucher=data["voucher_number"]),
             _("Tanggal: %(date)s", date=tanggal(data["date"], locale, long=True)),
             _("Anggota: %(name)s (%(number)s)", name=member_name, number=data["member_number"] or "-")]
    lines += [f"- {line['description']}: {rupiah(line['amount'])}" for line in data["lines"]]
    lines.append(_("Jumlah: %(amount)s", amount=rupiah(data["amount"])))
    lines.append(f"({data['amount_in_words']})")
    if data.get("outstanding_principal_after") is not None:
        lines.append(_("Sisa pokok pinjaman: %(amount)s", amount=rupiah(data["outstanding_principal_after"])))
    lines.append(_("Cek keaslian: %(url)s", url=verify_url))
    return "\n".join(lines)
