"""HTML pages: members (register, list, detail, card with QR, statements, resignation, arrears,
opening-balance import) and the member's own pages (``/members/me``)."""
from __future__ import annotations

import uuid
from datetime import date

import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from coop.auth.roles import ADMIN, AUDITOR, MANAGER, MEMBER, OFFICER, SEES_NIK, TREASURER
from coop.blueprints.cashdesk import today
from coop.blueprints.common import (
    Confirmation,
    carried_fields,
    confirming,
    content_disposition,
    coop_id,
    editing,
    paginate,
    roles_required,
)
from coop.blueprints.receipt_frame import receipt_frame
from coop.blueprints.remittances import member_section
from coop.db import atomic
from coop.errors import CoopError, NotFound
from coop.formatting import mask_nik, tanggal
from coop.membership import services
from coop.membership.forms import ImportForm, MemberRegisterForm, ProductForm, ResignForm
from coop.membership.models import MEMBER_STATUSES, STATUS_LABELS, Member
from coop.membership.pdf import statement_pdf
from coop.registry.models import Resident
from coop.registry.services import log_nik_reads, resident_by_nik
from coop.remittances.services import goals_progress as remittance_goals
from coop.savings import cash, imports
from coop.savings import services as savings
from coop.savings.models import METHOD_LABELS
from coop.text import N_
from coop.uploads import ImportLimits

bp = Blueprint("members", __name__, url_prefix="/members")

STAFF = (ADMIN, TREASURER, MANAGER, OFFICER, AUDITOR)
REGISTER = (ADMIN, TREASURER, MANAGER, OFFICER)
SETTLE = (ADMIN, TREASURER, MANAGER)


def _nik(resident) -> str:
    """Lists and cards show the NIK masked; the member detail page shows it to SEES_NIK roles (logged)."""
    return mask_nik(resident.nik)


def _full_nik(resident) -> str:
    return resident.nik if current_user.role in SEES_NIK else mask_nik(resident.nik)


def _visible_member(member_id: int) -> Member:
    member = services.get_member(coop_id(), member_id)
    if current_user.role == MEMBER and member.user_id != current_user.id:
        raise NotFound("Anggota tidak ditemukan.")
    return member


@bp.route("/")
@roles_required(*STAFF)
def index():
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    stmt = sa.select(Member).join(Resident, Resident.id == Member.resident_id).where(
        Member.cooperative_id == coop_id())
    if status in MEMBER_STATUSES:
        stmt = stmt.where(Member.status == status)
    if q:
        conds = [Member.member_number.ilike(f"%{q}%"), sa.func.lower(Resident.full_name).contains(q.lower())]
        if q.isdigit():
            conds.append(Resident.nik.startswith(q))
        stmt = stmt.where(sa.or_(*conds))
    page = paginate(stmt.order_by(Member.member_seq), per_page=30)
    counts = services.status_counts(coop_id())
    return render_template("members/index.html", page=page, q=q, status=status, counts=counts,
                           labels=STATUS_LABELS, nik=_nik)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REGISTER)
def new():
    form = MemberRegisterForm()
    if request.method == "GET":
        form.joined_on.data = today()
        form.nik.data = request.args.get("nik", "")
        form.nonce.data = uuid.uuid4().hex
    if form.validate_on_submit() and not editing():
        resident = resident_by_nik(coop_id(), form.nik.data.strip())
        if resident is None:
            form.nik.errors = list(form.nik.errors) + [
                "NIK belum ada di data desa. Daftarkan penduduknya dulu di menu Data Desa."]
        else:
            try:
                if form.pay_pokok.data and not confirming():
                    # issue 15, item 1: the pokok paid now moves money: confirm first, nothing written yet
                    p = services.registration_preview(coop_id(), resident.id, form.joined_on.data,
                                                      member_type=form.member_type.data)
                    return _confirm_registration(form, p)
                if form.pay_pokok.data:
                    m, entry = atomic(services.register_paying_pokok, coop_id(), resident.id, form.joined_on.data,
                                      actor=current_user, member_type=form.member_type.data,
                                      idempotency_key=f"web:{current_user.id}:{form.nonce.data}" if form.nonce.data
                                      else None)
                else:
                    m, entry = atomic(services.register_member, coop_id(), resident.id, form.joined_on.data,
                                      actor=current_user, member_type=form.member_type.data), None
            except CoopError as exc:
                dated = exc.fields.get("joined_on") or exc.fields.get("value_date")
                if dated:  # the date typed (future, before the founding) is shown on its field
                    form.joined_on.errors = list(form.joined_on.errors) + list(dated)
                else:
                    for msg in exc.fields.get("resident_id", [exc.message]):
                        form.nik.errors = list(form.nik.errors) + [msg]
            else:
                flash(gettext("%(name)s terdaftar sebagai anggota %(number)s.", name=m.full_name, number=m.member_number),
                      "success")
                if entry is not None:
                    return redirect(url_for("cashdesk.receipt", entry_id=entry.id))
                return redirect(url_for("members.detail", member_id=m.id))
    if not form.nonce.data:
        form.nonce.data = uuid.uuid4().hex
    return render_template("members/new.html", form=form)


def _confirm_registration(form, p: dict):
    """The confirmation page of a registration with the simpanan pokok paid now: the pokok, in words, and
    the member's pokok balance after; the member and the posting are written only on "Konfirmasi"."""
    resident = p["resident"]
    kind = next((str(ch.label) for ch in form.member_type.choices if ch.value == form.member_type.data),
                form.member_type.data)
    rows = [(gettext("Calon anggota"), resident.full_name), (gettext("Tanggal bergabung"), tanggal(form.joined_on.data)),
            (gettext("Jenis anggota"), kind)]
    c = Confirmation(title=gettext("Pendaftaran anggota dengan simpanan pokok"), amount=p["pokok"],
                     account=gettext("Simpanan pokok (rekening baru)"), action=url_for("members.new"),
                     fields=carried_fields(**{form.nonce.name: form.nonce.data or uuid.uuid4().hex}),
                     balance_label=gettext("Saldo simpanan pokok"), balance_before=p["balance_before"],
                     balance_after=p["balance_after"], rows=rows)
    return render_template("confirm.html", c=c)


@bp.route("/<int:member_id>")
@roles_required(*STAFF)
def detail(member_id: int):
    member = services.get_member(coop_id(), member_id)
    accounts = savings.accounts_of(coop_id(), member.id)
    wajib = savings.wajib_status(coop_id(), member, today())
    atomic(log_nik_reads, coop_id(), current_user, [member.resident_id], where="members.detail")
    return render_template("members/detail.html", member=member, accounts=accounts, wajib=wajib, nik=_full_nik,
                           **member_section(coop_id(), member.id))


@bp.route("/<int:member_id>/card")
@roles_required(*STAFF, MEMBER)
def card(member_id: int):
    member = _visible_member(member_id)
    img = qrcode.make(member.member_number, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = img.to_string(encoding="unicode")
    return render_template("members/card.html", member=member, qr=Markup(svg), nik=_nik)


def _period():
    def parse(name):
        try:
            return date.fromisoformat(request.args[name]) if request.args.get(name) else None
        except ValueError:
            return None
    return parse("from"), parse("to")


def _render_statement(member, accounts, date_from, date_to, goals=()):
    if request.args.get("format") == "pdf":
        sections = [savings.statement(coop_id(), a.id, date_from, date_to) for a in accounts]
        data = statement_pdf(current_user.cooperative, member, sections, date_from, date_to)
        return Response(data, mimetype="application/pdf", headers={
            "Content-Disposition": content_disposition(f"rekening-{member.member_number}.pdf", inline=True)})
    # newest first, STATEMENT_PAGE rows a page read in SQL, one page number per account (?p<account id>=N)
    paged = [savings.statement_page(coop_id(), a.id, date_from, date_to, request.args.get(f"p{a.id}", 1, type=int),
                                    STATEMENT_PAGE) for a in accounts]
    return render_template("members/statement.html", member=member, sections=paged, date_from=date_from,
                           date_to=date_to, goals=goals)


STATEMENT_PAGE = 50


@bp.route("/<int:member_id>/statement")
@roles_required(*STAFF, MEMBER)
def statement(member_id: int):
    member = _visible_member(member_id)
    date_from, date_to = _period()
    return _render_statement(member, savings.accounts_of(coop_id(), member.id), date_from, date_to,
                             remittance_goals(coop_id(), member.id))


@bp.route("/accounts/<int:account_id>/statement")
@roles_required(*STAFF, MEMBER)
def account_statement(account_id: int):
    acc = savings.get_account(coop_id(), account_id)
    member = _visible_member(acc.member_id)
    date_from, date_to = _period()
    return _render_statement(member, [acc], date_from, date_to)


@bp.route("/me")
@roles_required(MEMBER)
def me():
    member = services.member_for_user(current_user)
    if member is None:  # a family member's login (training only): no savings to show
        return redirect(url_for("main.dashboard"))
    accounts = savings.accounts_of(coop_id(), member.id)
    wajib = savings.wajib_status(coop_id(), member, today())
    return render_template("members/me.html", member=member, accounts=accounts, wajib=wajib)


@bp.route("/<int:member_id>/resign", methods=["GET", "POST"])
@roles_required(*SETTLE)
def resign(member_id: int):
    member = services.get_member(coop_id(), member_id)
    if not member.is_current:
        return redirect(url_for("members.settlement", member_id=member.id))
    form = ResignForm()
    if request.method == "GET":
        form.effective_on.data = today()
    preview = services.settlement_preview(coop_id(), member.id, form.effective_on.data or today())
    if form.validate_on_submit() and request.form.get("confirm") == "1":
        try:
            atomic(services.resign, coop_id(), member.id, form.effective_on.data, actor=current_user,
                   status=form.reason.data)
        except CoopError as exc:
            form.effective_on.errors = list(form.effective_on.errors) + [exc.message]
        else:
            return redirect(url_for("members.settlement", member_id=member.id))
    return render_template("members/resign.html", member=member, form=form, s=preview)


@bp.route("/<int:member_id>/settlement")
@roles_required(*STAFF)
def settlement(member_id: int):
    s = services.settlement_of(coop_id(), member_id)
    return render_template("members/settlement.html", s=s)


@bp.route("/arrears")
@roles_required(*STAFF)
def arrears():
    page, total = savings.arrears_page(coop_id(), today(), request.args.get("page", 1, type=int), STATEMENT_PAGE)
    return render_template("members/arrears.html", page=page, as_of=today(), total=total)


@bp.route("/products")
@roles_required(*STAFF)
def products():
    return render_template("members/products.html", products=savings.products(coop_id()), methods=METHOD_LABELS)


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def product_new():
    form = ProductForm()
    if form.validate_on_submit():
        try:
            p = atomic(savings.create_product, coop_id(), actor=current_user, code=(form.code.data or "").upper()
                       or form.kind.data[:2].upper(), name=form.name.data, kind=form.kind.data,
                       balance_class=form.balance_class.data, amount=form.amount.data,
                       min_balance=form.min_balance.data, interest_method=form.interest_method.data,
                       interest_rate=form.interest_rate.data, term_months=form.term_months.data,
                       maturity_action=form.maturity_action.data,
                       allows_early_withdrawal=form.allows_early_withdrawal.data,
                       early_withdrawal_penalty=form.early_withdrawal_penalty.data)
        except CoopError as exc:
            _form_errors(form, exc)
        else:
            flash(gettext("Produk %(name)s dibuat.", name=p.name), "success")
            return redirect(url_for("members.products"))
    return render_template("members/product_form.html", form=form, product=None)


def _form_errors(form, exc: CoopError) -> None:
    if not exc.fields:
        form.name.errors = list(form.name.errors) + [exc.message]
    for name, msgs in exc.fields.items():
        field = getattr(form, name, form.name)
        field.errors = list(field.errors) + list(msgs)


@bp.route("/products/<int:savings_product_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def product_edit(savings_product_id: int):
    product = savings.get_product(coop_id(), savings_product_id)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in (
            "name", "min_balance", "interest_method", "interest_rate", "term_months", "maturity_action",
            "allows_early_withdrawal", "early_withdrawal_penalty", "is_active")}
        if product.kind in ("pokok", "wajib"):
            changes["amount"] = form.amount.data
        try:
            atomic(savings.update_product, coop_id(), product.id, actor=current_user, **changes)
        except CoopError as exc:
            _form_errors(form, exc)
        else:
            flash(gettext("Produk diperbarui."), "success")
            return redirect(url_for("members.products"))
    return render_template("members/product_form.html", form=form, product=product)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(ADMIN, TREASURER)
def import_balances():
    form = ImportForm()
    result = None
    if request.method == "GET":
        form.value_date.data = today()
    if form.validate_on_submit():
        f = form.file.data
        limits = ImportLimits.from_config(current_app.config)
        try:  # not inside atomic: the rows are read and checked with no write lock, then posted in one unit of work
            rows = imports.read_table(f.filename or "", f.read(), limits)
            result = imports.import_opening_balances(coop_id(), rows, form.value_date.data, actor=current_user,
                                                     dry_run=form.dry_run.data, limits=limits)
        except CoopError as exc:  # too large, too compressed, unreadable, changed meanwhile: nothing written
            if "value_date" in exc.fields:  # the date typed on the form (future, before the founding)
                form.value_date.errors = list(form.value_date.errors) + list(exc.fields["value_date"])
            else:
                form.file.errors = list(form.file.errors) + [exc.message]
        else:
            if not result.dry_run and not result.error_total:
                flash(gettext("%(count)s saldo awal dibukukan.", count=result.created), "success")
    return render_template("members/import.html", form=form, result=result)


@bp.route("/receipts/<int:entry_id>")
@roles_required(MEMBER)
def my_receipt(entry_id: int):
    """A member may reprint the kuitansi of their own transactions."""
    view = cash.receipt(coop_id(), entry_id)
    member = services.member_for_user(current_user)
    if member is None or view.member is None or view.member.id != member.id:
        abort(404)
    return render_template("cashdesk/receipt.html", r=view,
                           k=receipt_frame(entry_id, view.entry.voucher_number, member_id=member.id, pdf=False))


def dashboard_panel(user):
    """Members and savings at a glance (staff), or the member's own balances (role member)."""
    if user.role == MEMBER:
        member = services.member_for_user(user)
        if member is None:
            return None
        return {"title": "Simpanan Saya", "template": "members/_panel_member.html", "member": member,
                "accounts": savings.accounts_of(user.cooperative_id, member.id, include_closed=False)}
    if user.role not in STAFF:
        return None
    cid = user.cooperative_id
    figures = services.dashboard_totals(cid)
    arrears, arrears_amount = savings.arrears_summary(cid, today())
    return {"title": N_("Anggota dan Simpanan"), "template": "members/_panel.html",
            "counts": figures["members_by_status"], "totals": figures["savings_by_kind"],
            "arrears": arrears, "arrears_amount": arrears_amount,
            "labels": STATUS_LABELS}

