"""The treasurer's cash desk (kasir): find a member, see accounts and arrears, record a deposit, a
withdrawal or a wajib payment, print the kuitansi; day book and end-of-day cash count."""
from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop import clock
from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, TREASURER
from coop.blueprints.common import (
    Confirmation,
    carried_fields,
    confirming,
    content_disposition,
    coop_id,
    editing,
    roles_required,
)
from coop.blueprints.common import business_today as today
from coop.blueprints.receipt_frame import receipt_frame
from coop.db import atomic
from coop.errors import CoopError, NotFound
from coop.formatting import mask_nik, persen, rupiah, tanggal
from coop.ledger.queries import entry_id_for_key
from coop.ledger.services import get_entry
from coop.loans import services as loans
from coop.loans.due import amount_due
from coop.membership import services as members
from coop.membership.forms import BerjangkaForm, CashCountForm, CashForm
from coop.reports.receipts import receipt_data
from coop.reports.receipts import receipt_pdf as receipt_pdf_bytes
from coop.savings import cash, interest
from coop.savings import services as savings
from coop.text import N_

bp = Blueprint("cashdesk", __name__, url_prefix="/cashdesk")

READ = (ADMIN, TREASURER, MANAGER, AUDITOR)



def _nik(resident) -> str:
    """The cash desk identifies members by name and number: NIK masked (UU 27/2022); searching by a
    NIK prefix still works."""
    return mask_nik(resident.nik)


@bp.route("/")
@roles_required(*CASH)
def index():
    q = request.args.get("q", "").strip()
    found = members.search(coop_id(), q, limit=20) if q else []
    if len(found) == 1 and request.args.get("go"):
        return redirect(url_for("cashdesk.member", member_id=found[0].id))
    return render_template("cashdesk/index.html", q=q, found=found, nik=_nik, today=today())


@bp.route("/search")
@roles_required(*CASH)
def search():
    """Type-ahead: JSON list of members matching a name fragment, member number or NIK."""
    found = members.search(coop_id(), request.args.get("q", ""), limit=10)
    return jsonify([{"id": m.id, "number": m.member_number, "name": m.full_name, "nik": mask_nik(m.resident.nik),
                     "status": m.status_label, "url": url_for("cashdesk.member", member_id=m.id)} for m in found])


def _member_page(member, forms=None, status=200):
    accounts = savings.accounts_of(coop_id(), member.id, include_closed=False)
    wajib = savings.wajib_status(coop_id(), member, today())
    forms = forms or {}
    for acc in accounts:
        for action in _actions(acc, member):
            key = f"{action}-{acc.id}"
            if key not in forms:
                f = CashForm(formdata=None, prefix=key)
                f.action.data, f.account_id.data, f.nonce.data = action, acc.id, uuid.uuid4().hex
                if action == "wajib":
                    f.amount.data = wajib["due_amount"] or wajib["monthly"]
                elif action == "pokok":
                    f.amount.data = max(savings.pokok_due(acc) - acc.balance, 0)
                forms[key] = f
    bj = BerjangkaForm(prefix="bj")
    bj.product_id.choices = [SelectChoice(p.id, p.name) for p in savings.products(coop_id()) if p.kind == "berjangka"
                             and p.is_active]
    if not bj.nonce.data:
        bj.nonce.data = uuid.uuid4().hex
    return render_template("cashdesk/member.html", member=member, accounts=accounts, wajib=wajib, forms=forms,
                           actions=_actions, nik=_nik, bj=bj, today=today(), loans=_loans(member),
                           nonce=_nonce), status


def _nonce() -> str:
    return uuid.uuid4().hex


def _loans(member) -> list[dict]:
    """The member's running loans with arrears and the amount due today (prefilled in "Bayar angsuran",
    which posts to the loan page's repayment)."""
    out = []
    for loan in loans.loans_of_member(coop_id(), member.id):
        if loan.status != "active":
            continue
        insts = loans.instalments(loan)
        out.append({"loan": loan, "outstanding": loans.outstanding_principal(loan),
                     "arrears": loans.arrears(insts, today()), "dpd": loans.days_past_due(loan, today(), insts),
                     "due": amount_due(insts, today())})
    return out


def _actions(acc, member) -> list[str]:
    if acc.status == "closed" or not member.is_current:
        return []
    return {"pokok": ["pokok"] if acc.balance < savings.pokok_due(acc) else [],
            "wajib": ["wajib"], "sukarela": ["deposit", "withdraw"] if acc.status == "active" else ["deposit"],
            "berjangka": ["withdraw"] if acc.status == "active" else []}[acc.kind]


@bp.route("/members/<int:member_id>")
@roles_required(*CASH)
def member(member_id: int):
    return _member_page(members.get_member(coop_id(), member_id))


ACTION_FN = {"deposit": savings.deposit, "pokok": savings.deposit, "wajib": savings.deposit,
             "withdraw": savings.withdraw}


ACTION_TITLES = {"deposit": N_("Setoran simpanan"), "pokok": N_("Setoran simpanan pokok"),
                 "wajib": N_("Setoran simpanan wajib"), "withdraw": N_("Penarikan simpanan")}


@bp.route("/members/<int:member_id>/transactions", methods=["POST"])
@roles_required(*CASH)
def transact(member_id: int):
    """Two steps: the first submit shows the confirmation page (amount, words, account, balance after);
    only "Konfirmasi" posts, under the form's one-time nonce (pressed twice: posted once); "Ubah" goes back
    to the member page with the values kept."""
    m = members.get_member(coop_id(), member_id)
    key = next((k[:-len("-action")] for k in request.form if k.endswith("-action")), None)
    if key is None:
        abort(400)
    form = CashForm(prefix=key)
    if not form.validate_on_submit() or form.action.data not in ACTION_FN:
        return _member_page(m, {key: form}, 422)
    if editing():
        return _member_page(m, {key: form})
    nonce = form.nonce.data or uuid.uuid4().hex
    idem = f"desk:{current_user.id}:{nonce}"
    try:
        acc = savings.get_account(coop_id(), int(form.account_id.data or 0))
        if acc.member_id != m.id:
            raise NotFound("Rekening tidak ditemukan.")
        if not confirming():
            return _confirm_cash(m, acc, form, nonce)
        done = entry_id_for_key(coop_id(), idem)
        if done is None:
            done = atomic(ACTION_FN[form.action.data], coop_id(), acc.id, form.amount.data, actor=current_user,
                          value_date=today(), memo=form.memo.data or None, idempotency_key=idem).entry.id
    except (CoopError, ValueError) as exc:
        form.amount.errors = list(form.amount.errors) + [getattr(exc, "message", str(exc))]
        return _member_page(m, {key: form}, 409 if isinstance(exc, CoopError) else 422)
    return redirect(url_for("cashdesk.receipt", entry_id=done))


def _confirm_cash(member, acc, form, nonce: str):
    p = cash.preview(coop_id(), acc.id, form.action.data, form.amount.data, today())
    rows = [(gettext("Anggota"), f"{member.full_name} ({member.member_number})")]
    if form.memo.data:
        rows.append((gettext("Keterangan"), form.memo.data))
    warnings = []
    if p.wajib_limit is not None:
        rows.append((gettext("Wajib harus dibayar s.d. bulan ini"), rupiah(p.wajib_due)))
        if p.far_above_due:
            warnings.append({"text": gettext(
                "Jumlah %(amount)s jauh di atas kewajiban: tunggakan dan bulan ini %(due)s, ditambah 12 bulan di "
                "muka paling banyak %(limit)s. Periksa jumlahnya (kelebihan nol?).", amount=rupiah(p.amount),
                due=rupiah(p.wajib_due), limit=rupiah(p.wajib_limit))})
    c = Confirmation(title=gettext(ACTION_TITLES[form.action.data]), amount=p.amount,
                     account=f"{gettext(acc.kind_label)} {acc.account_number}",
                     action=url_for("cashdesk.transact", member_id=member.id),
                     fields=carried_fields(**{form.nonce.name: nonce}), balance_label=gettext("Saldo rekening"),
                     balance_before=p.balance_before, balance_after=p.balance_after, rows=rows, warnings=warnings)
    return render_template("confirm.html", c=c)


@bp.route("/members/<int:member_id>/berjangka", methods=["POST"])
@roles_required(*CASH)
def open_berjangka(member_id: int):
    """Two steps (issue 15, item 1): the confirmation page shows the amount, its source (cash or the sukarela
    it is moved from, with that balance after), term, rate and maturity; "Konfirmasi" opens the account and
    posts once under the form's nonce; "Ubah" goes back to the member page with the values kept."""
    m = members.get_member(coop_id(), member_id)
    form = BerjangkaForm(prefix="bj")
    form.product_id.choices = [SelectChoice(p.id, p.name) for p in savings.products(coop_id()) if p.kind == "berjangka"]
    if not form.validate_on_submit():
        flash(gettext("Data simpanan berjangka belum lengkap."), "error")
        return redirect(url_for("cashdesk.member", member_id=m.id))
    if editing():
        return _member_page(m)
    nonce = form.nonce.data or uuid.uuid4().hex
    idem = f"desk:{current_user.id}:{nonce}"
    try:
        if not confirming():
            p = interest.berjangka_preview(coop_id(), m.id, form.product_id.data, form.amount.data, opened_on=today(),
                                           from_sukarela=form.from_sukarela.data)
            return _confirm_berjangka(m, form, p, nonce)
        done = entry_id_for_key(coop_id(), idem)
        if done is None:
            done = atomic(interest.open_berjangka, coop_id(), m.id, form.product_id.data, form.amount.data,
                          actor=current_user, opened_on=today(), from_sukarela=form.from_sukarela.data,
                          idempotency_key=idem).entry.id
    except CoopError as exc:
        flash(exc.message, "error")
        return redirect(url_for("cashdesk.member", member_id=m.id))
    return redirect(url_for("cashdesk.receipt", entry_id=done))


def _confirm_berjangka(member, form, p, nonce: str):
    source = (gettext("Dipindahkan dari %(account)s", account=f"{gettext(p.source.kind_label)} {p.source.account_number}")
              if p.source else gettext("Tunai"))
    rows = [(gettext("Anggota"), f"{member.full_name} ({member.member_number})"), (gettext("Sumber dana"), source),
            (gettext("Jangka waktu"), gettext("%(n)s bulan", n=p.term_months)),
            (gettext("Bunga"), gettext("%(rate)s / tahun", rate=persen(p.rate, str(get_locale() or "id")))),
            (gettext("Jatuh tempo"), tanggal(p.maturity_on, str(get_locale() or "id")))]
    if p.source:
        rows.append((gettext("Saldo %(account)s", account=gettext(p.source.kind_label)),
                     f"{rupiah(p.source_before)} \u2192 {rupiah(p.source_after)}"))
    c = Confirmation(title=gettext("Pembukaan simpanan berjangka"), amount=p.amount,
                     account=gettext("Simpanan berjangka %(product)s (rekening baru)", product=p.product.name),
                     action=url_for("cashdesk.open_berjangka", member_id=member.id),
                     fields=carried_fields(**{form.nonce.name: nonce}), balance_label=gettext("Saldo simpanan berjangka"),
                     balance_before=0, balance_after=p.amount, rows=rows)
    return render_template("confirm.html", c=c)


@bp.route("/accounts/<int:account_id>/reactivate", methods=["POST"])
@roles_required(*CASH)
def reactivate(account_id: int):
    acc = savings.get_account(coop_id(), account_id)
    try:
        atomic(savings.reactivate, coop_id(), acc.id, actor=current_user, on=today())
        flash(gettext("Rekening aktif kembali."), "success")
    except CoopError as exc:
        flash(exc.message, "error")
    return redirect(url_for("cashdesk.member", member_id=acc.member_id))


@bp.route("/receipts/<int:entry_id>")
@roles_required(*READ)
def receipt(entry_id: int):
    view = cash.receipt(coop_id(), entry_id)
    return render_template("cashdesk/receipt.html", r=view, k=receipt_frame(entry_id, view.entry.voucher_number))


@bp.route("/receipts/<int:entry_id>/pdf")
@roles_required(*READ)
def receipt_pdf(entry_id: int):
    """Any member receipt (savings, loan repayment, disbursement) as PDF: the receipt API's document
    (coop.reports.receipts), for the logged-in page user."""
    if not 0 < entry_id < 2**63:
        abort(404)
    entry = get_entry(coop_id(), entry_id)
    body = receipt_pdf_bytes(receipt_data(coop_id(), entry.voucher_number), current_user.cooperative.name,
                             str(get_locale() or "id"))
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": content_disposition(f"kuitansi-{entry.voucher_number}.pdf",
                                                                        inline=True)})


@bp.route("/daybook")
@roles_required(*READ)
def daybook():
    try:
        day = date.fromisoformat(request.args.get("date", "")) if request.args.get("date") else today()
    except ValueError:
        day = today()
    # newest first, DAYBOOK_PAGE entries a page (read in SQL); totals and the closing balance stay the whole day's
    book, rows = cash.day_book_page(coop_id(), day, request.args.get("page", 1, type=int), DAYBOOK_PAGE)
    return render_template("cashdesk/daybook.html", book=book, rows=rows, counts=cash.cash_counts(coop_id(), 10))


DAYBOOK_PAGE = 50


@bp.route("/cash-count", methods=["GET", "POST"])
@roles_required(*CASH)
def cash_count():
    """The blind count (issue 15, item 8): the pecahan sheet without the books' balance; its submit shows the
    total, the books' Kas and the difference; only "Konfirmasi" records the count (and books a difference
    through 5204 Selisih Kas), then the printable report. Several counts a day are possible."""
    form = CashCountForm()
    if request.method == "GET":
        form.counted_on.data = today()
        form.nonce.data = uuid.uuid4().hex
    elif form.validate_on_submit() and not editing():
        try:
            counted = cash.sheet_total(form.sheet())
            if not confirming():
                p = cash.cash_count_preview(coop_id(), form.counted_on.data, counted)
                return render_template("cashdesk/cash_count_confirm.html", form=form, p=p, sheet=_sheet_rows(form.sheet()),
                                       fields=carried_fields(**{form.nonce.name: form.nonce.data or uuid.uuid4().hex}),
                                       earlier=cash.counts_on(coop_id(), form.counted_on.data))
            row = atomic(cash.record_cash_count, coop_id(), form.counted_on.data, counted, actor=current_user,
                         note=form.note.data or None, denominations=form.sheet(), witness=form.witness.data or None,
                         idempotency_key=f"desk:{current_user.id}:{form.nonce.data}" if form.nonce.data else None)
        except CoopError as exc:
            target = form.counted_on if "counted_on" in exc.fields else form.counted
            target.errors = list(target.errors) + [exc.message]
        else:
            amount = rupiah(abs(row.difference))
            msg = (gettext("Kas cocok.") if row.difference == 0 else
                   gettext("Selisih kas lebih %(amount)s dicatat.", amount=amount) if row.difference > 0 else
                   gettext("Selisih kas kurang %(amount)s dicatat.", amount=amount))
            flash(msg, "success" if row.difference == 0 else "warning")
            return redirect(url_for("cashdesk.cash_count_report", cash_count_id=row.id))
    return render_template("cashdesk/cash_count.html", form=form,
                           earlier=cash.counts_on(coop_id(), form.counted_on.data or today()))


def _sheet_rows(sheet: dict) -> list[tuple[str, int, int, int]]:
    """(label, face value, pieces, subtotal) of the sheet's non-empty lines, notes then coins."""
    rows = []
    for key, value in cash.SHEET:
        pieces = int(sheet.get(key) or 0)
        if pieces:
            label = gettext("%(value)s logam", value=rupiah(value)) if key.startswith("coin") else rupiah(value)
            rows.append((label, value, pieces, pieces * value))
    return rows


@bp.route("/cash-count/<int:cash_count_id>")
@roles_required(*READ)
def cash_count_report(cash_count_id: int):
    """The printable count report (berita acara opname kas), signed by the treasurer and a witness; the other
    counts of that day are listed with it."""
    row = cash.get_cash_count(coop_id(), cash_count_id)
    same_day = cash.counts_on(coop_id(), row.counted_on)
    return render_template("cashdesk/cash_count_report.html", row=row, same_day=same_day,
                           number=[c.id for c in same_day].index(row.id) + 1,
                           sheet=_sheet_rows(row.denominations or {}),
                           counted_at=row.created_at.astimezone(clock.zone(current_user.cooperative)))
