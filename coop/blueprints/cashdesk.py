"""The treasurer's cash desk (kasir): find a member, see accounts and arrears, record a deposit, a
withdrawal or a wajib payment, print the kuitansi; day book and end-of-day cash count."""
from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop.auth.roles import ADMIN, AUDITOR, CASH, MANAGER, TREASURER
from coop.blueprints.common import business_today as today
from coop.blueprints.common import coop_id, roles_required
from coop.db import atomic
from coop.errors import CoopError, NotFound
from coop.formatting import mask_nik, rupiah
from coop.loans.due import amount_due
from coop.membership import services as members
from coop.membership.forms import BerjangkaForm, CashCountForm, CashForm
from coop.paging import page_of_list
from coop.savings import cash, interest
from coop.savings import services as savings

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
    return render_template("cashdesk/member.html", member=member, accounts=accounts, wajib=wajib, forms=forms,
                           actions=_actions, nik=_nik, bj=bj, today=today(), loans=_loans(member)), status


def _loans(member) -> list[dict]:
    """The member's running loans with arrears and the amount due today (prefilled in "Bayar angsuran",
    which posts to the loan page's repayment)."""
    try:
        from coop.loans import services as loans
    except ImportError:
        return []
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


@bp.route("/members/<int:member_id>/transactions", methods=["POST"])
@roles_required(*CASH)
def transact(member_id: int):
    m = members.get_member(coop_id(), member_id)
    key = next((k[:-len("-action")] for k in request.form if k.endswith("-action")), None)
    if key is None:
        abort(400)
    form = CashForm(prefix=key)
    if not form.validate_on_submit() or form.action.data not in ACTION_FN:
        return _member_page(m, {key: form}, 422)
    try:
        acc = savings.get_account(coop_id(), int(form.account_id.data or 0))
        if acc.member_id != m.id:
            raise NotFound("Rekening tidak ditemukan.")
        r = atomic(ACTION_FN[form.action.data], coop_id(), acc.id, form.amount.data, actor=current_user,
                   value_date=today(), memo=form.memo.data or None,
                   idempotency_key=f"desk:{current_user.id}:{form.nonce.data}" if form.nonce.data else None)
    except (CoopError, ValueError) as exc:
        form.amount.errors = list(form.amount.errors) + [getattr(exc, "message", str(exc))]
        return _member_page(m, {key: form}, 409 if isinstance(exc, CoopError) else 422)
    return redirect(url_for("cashdesk.receipt", entry_id=r.entry.id))


@bp.route("/members/<int:member_id>/berjangka", methods=["POST"])
@roles_required(*CASH)
def open_berjangka(member_id: int):
    m = members.get_member(coop_id(), member_id)
    form = BerjangkaForm(prefix="bj")
    form.product_id.choices = [SelectChoice(p.id, p.name) for p in savings.products(coop_id()) if p.kind == "berjangka"]
    if form.validate_on_submit():
        try:
            r = atomic(interest.open_berjangka, coop_id(), m.id, form.product_id.data, form.amount.data,
                       actor=current_user, opened_on=today(), from_sukarela=form.from_sukarela.data)
        except CoopError as exc:
            flash(exc.message, "error")
        else:
            return redirect(url_for("cashdesk.receipt", entry_id=r.entry.id))
    else:
        flash(gettext("Data simpanan berjangka belum lengkap."), "error")
    return redirect(url_for("cashdesk.member", member_id=m.id))


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
    return render_template("cashdesk/receipt.html", r=view)


@bp.route("/daybook")
@roles_required(*READ)
def daybook():
    try:
        day = date.fromisoformat(request.args.get("date", "")) if request.args.get("date") else today()
    except ValueError:
        day = today()
    book = cash.day_book(coop_id(), day)
    # newest first, DAYBOOK_PAGE entries a page; totals and the closing balance stay the whole day's
    rows = page_of_list(book.rows[::-1], request.args.get("page", 1, type=int), DAYBOOK_PAGE)
    return render_template("cashdesk/daybook.html", book=book, rows=rows, counts=cash.cash_counts(coop_id(), 10))


DAYBOOK_PAGE = 50


@bp.route("/cash-count", methods=["GET", "POST"])
@roles_required(*CASH)
def cash_count():
    form = CashCountForm()
    if request.method == "GET":
        form.counted_on.data = today()
    if form.validate_on_submit():
        try:
            row = atomic(cash.record_cash_count, coop_id(), form.counted_on.data, form.counted.data,
                         actor=current_user, note=form.note.data or None)
        except CoopError as exc:
            target = form.counted_on if "counted_on" in exc.fields else form.counted
            target.errors = list(target.errors) + [exc.message]
        else:
            amount = rupiah(abs(row.difference))
            msg = (gettext("Kas cocok.") if row.difference == 0 else
                   gettext("Selisih kas lebih %(amount)s dicatat.", amount=amount) if row.difference > 0 else
                   gettext("Selisih kas kurang %(amount)s dicatat.", amount=amount))
            flash(msg, "success" if row.difference == 0 else "warning")
            return redirect(url_for("cashdesk.daybook", date=row.counted_on.isoformat()))
    expected = cash.cash_balance_as_of(coop_id(), form.counted_on.data or today())
    return render_template("cashdesk/cash_count.html", form=form, expected=expected,
                           counts=cash.cash_counts(coop_id(), 10))
