"""HTML pages of the ledger: chart of accounts, general ledger, journal, manual entries, periods,
maker-checker approvals, reports (printable, XLSX) and verify."""
from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coop.auth.roles import ADMIN, AUDITOR, BOOKS, MANAGER, TREASURER
from coop.blueprints.common import (
    Confirmation,
    carried_fields,
    confirming,
    coop_id,
    editing,
    page_number,
    roles_required,
)
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import CoopError, PayloadTooLarge
from coop.formatting import tanggal
from coop.ledger import periods, queries, reports, xlsx
from coop.ledger.forms import (
    AccountForm,
    ClosePeriodForm,
    DecideForm,
    JournalForm,
    OpeningImportForm,
    ReasonForm,
)
from coop.ledger.imports import import_opening_balances, read_opening_file
from coop.ledger.integrity import manual_entry_preview, post_manual_entry
from coop.ledger.queries import entry_id_for_key
from coop.ledger.rules import Line, line_problems, totals
from coop.ledger.services import add_account, close_account, get_account, get_entry
from coop.ledger.verify import problem_text, verify
from coop.text import N_
from coop.uploads import ImportLimits

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

POSTERS = (ADMIN, TREASURER)
CHECKERS = periods.CHECKER_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _coop_name() -> str:
    return current_user.cooperative.name


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/")
@roles_required(*BOOKS)
def index():
    view = queries.chart_overview(coop_id())
    form = AccountForm() if current_user.role == ADMIN else None
    return render_template("ledger/index.html", accounts=view.accounts, rolled=view.rolled,
                           sub_counts=view.sub_counts, form=form, pending=view.pending)


@bp.route("/accounts", methods=["POST"])
@roles_required(ADMIN)
def account_add():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            acc = atomic(add_account, coop_id(), actor=current_user, code=form.code.data, name=form.name.data,
                         name_en=form.name_en.data, type=form.type.data)
            flash(f"Akun {acc.code} {acc.name} ditambahkan.", "success")
        except CoopError as exc:
            flash(exc.message + " " + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items()), "danger")
    else:
        flash("Data akun tidak lengkap.", "danger")
    return redirect(url_for("ledger.index"))


@bp.route("/accounts/<int:ledger_account_id>/close", methods=["POST"])
@roles_required(ADMIN)
def account_close(ledger_account_id: int):
    try:
        acc = atomic(close_account, coop_id(), ledger_account_id, actor=current_user)
        flash(f"Akun {acc.code} ditutup.", "success")
    except CoopError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "danger")
    return redirect(url_for("ledger.account", ledger_account_id=ledger_account_id))


@bp.route("/accounts/<int:ledger_account_id>")
@roles_required(*BOOKS)
def account(ledger_account_id: int):
    try:
        acc = get_account(coop_id(), ledger_account_id)
    except CoopError:
        abort(404)
    end = _date_arg("to", _today())
    start = _date_arg("from", date(end.year, 1, 1))
    if start > end:
        start = end
    if request.args.get("format") == "xlsx":
        gl = reports.general_ledger(coop_id(), acc.id, start, end, limit=2000)
        return _xlsx(xlsx.general_ledger_xlsx(gl, _coop_name()), f"buku-besar-{acc.code}-{start}-{end}.xlsx")
    # newest first, GL_PAGE lines a page, a keyset cursor ("before") to the older ones: the Kas ledger of a
    # busy year was one 492 KB page
    gl = reports.general_ledger_page(coop_id(), acc.id, start, end, before=_gl_cursor(request.args.get("before")),
                                     per_page=GL_PAGE)
    if gl["next_cursor"]:
        vd, seq, line = gl["next_cursor"]
        gl["next_cursor_arg"] = f"{vd.isoformat()}.{seq}.{line}"
    subs = queries.sub_accounts(acc)
    return render_template("ledger/account.html", acc=acc, gl=gl, subs=subs, close_form=ReasonForm())


GL_PAGE = 100
APPROVALS_PAGE = 25


def _gl_cursor(raw: str | None):
    """``2026-11-27.4512.2`` -> ``(date, chain_seq, line_no)``; anything else (typed, cut, too large) is
    the first page, never an error."""
    parts = (raw or "").split(".")
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()) or len(parts[1]) > 18 or len(parts[2]) > 9:
        return None
    try:
        return date.fromisoformat(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None


@bp.route("/entries")
@roles_required(*BOOKS)
def entries():
    q = (request.args.get("q") or "").strip()
    page = queries.journal(coop_id(), q, page=page_number())
    return render_template("ledger/entries.html", page=page, q=q)


@bp.route("/entries/<int:entry_id>")
@roles_required(*BOOKS)
def entry(entry_id: int):
    try:
        e = get_entry(coop_id(), entry_id)
    except CoopError:
        abort(404)
    reversal, pending = queries.reversal_state(coop_id(), e)
    return render_template("ledger/entry.html", e=e, reversal=reversal, pending=pending, form=ReasonForm(),
                           total=sum(p.debit for p in e.postings))


@bp.route("/entries/<int:entry_id>/reversal", methods=["POST"])
@roles_required(ADMIN, TREASURER, MANAGER)
def entry_reversal(entry_id: int):
    form = ReasonForm()
    try:
        get_entry(coop_id(), entry_id)
    except CoopError:
        abort(404)
    if form.validate_on_submit():
        try:
            atomic(periods.request_reversal, coop_id(), entry_id, actor=current_user, reason=form.reason.data,
                   value_date=form.value_date.data)
            flash(gettext("Permintaan pembalikan diajukan; menunggu persetujuan orang kedua."), "success")
        except CoopError as exc:
            flash(exc.message, "danger")
    else:
        flash(gettext("Alasan pembalikan wajib diisi."), "danger")
    return redirect(url_for("ledger.entry", entry_id=entry_id))


def _line_choices() -> list:
    return [SelectChoice(0, gettext("-- pilih akun --"))] + [SelectChoice(i, label)
                                                     for i, label in queries.manual_entry_accounts(coop_id())]


@bp.route("/entries/new", methods=["GET", "POST"])
@roles_required(*POSTERS)
def entry_new():
    """Manual journal entry for non-member transactions (operating costs, bank transfers ...)."""
    form = JournalForm()
    if request.method == "GET":
        form.value_date.data = _today()
    choices = _line_choices()
    for sub in form.lines:
        sub.form.account_id.choices = choices
    problems: list[str] = []
    if form.validate_on_submit():
        lines = []
        for i, sub in enumerate(form.lines, 1):
            f = sub.form
            if not f.account_id.data and not f.debit.data and not f.credit.data:
                continue  # empty row
            if not f.account_id.data:
                problems.append(gettext("Baris %(n)d: pilih akunnya.", n=i))
                continue
            lines.append(Line(f.account_id.data, debit=f.debit.data or 0, credit=f.credit.data or 0,
                              memo=f.memo.data or None))
        problems += line_problems(lines) if not problems else []
        if not problems and not editing():
            idem = f"web:{current_user.id}:{form.nonce.data}" if form.nonce.data else None
            try:
                if not confirming():
                    # issue 15, item 1: the lines with each account's balance before -> after; nothing posted
                    preview = manual_entry_preview(coop_id(), lines, value_date=form.value_date.data)
                    return _confirm_entry(form, preview)
                done = entry_id_for_key(coop_id(), idem)
                if done is None:
                    e = atomic(post_manual_entry, coop_id(), lines, actor=current_user, memo=form.memo.data,
                               value_date=form.value_date.data, idempotency_key=idem)
                    flash(gettext("Jurnal %(voucher)s diposting.", voucher=e.voucher_number), "success")
                    done = e.id
                return redirect(url_for("ledger.entry", entry_id=done))
            except CoopError as exc:
                problems.append(exc.message)
                if "value_date" in exc.fields:  # a future date, one before the founding: on the field
                    form.value_date.errors = list(form.value_date.errors) + list(exc.fields["value_date"])
    elif request.method == "POST":
        problems.append(gettext("Periksa kembali isian yang ditandai."))
    if not form.nonce.data:
        form.nonce.data = uuid.uuid4().hex
    d = c = 0
    if request.method == "POST":
        d, c = totals(Line(0, debit=s.form.debit.data or 0, credit=s.form.credit.data or 0) for s in form.lines)
    return render_template("ledger/entry_new.html", form=form, problems=problems, total_debit=d, total_credit=c)


def _confirm_entry(form, preview):
    """The manual entry's confirmation page: the lines with each account's balance before -> after and the
    totals; "Konfirmasi" posts under the form's nonce (pressed twice: one entry)."""
    total = sum(ln.debit for ln in preview)
    c = Confirmation(title=gettext("Jurnal umum"), amount=total,
                     account="; ".join(dict.fromkeys(f"{ln.code} {ln.name}" for ln in preview)),
                     action=url_for("ledger.entry_new"),
                     fields=carried_fields(**{form.nonce.name: form.nonce.data or uuid.uuid4().hex}),
                     rows=[(gettext("Tanggal transaksi"), tanggal(form.value_date.data)),
                           (gettext("Uraian"), form.memo.data)], lines=preview)
    return render_template("confirm.html", c=c)


@bp.route("/periods", methods=["GET", "POST"])
@roles_required(*BOOKS)
def period_list():
    form = ClosePeriodForm()
    if request.method == "GET":
        form.year.data = _today().year
    if request.method == "POST":
        if current_user.role not in (ADMIN, MANAGER, TREASURER):
            abort(403)
        if form.validate_on_submit():
            try:
                p = atomic(periods.close_period, coop_id(), actor=current_user, year=form.year.data,
                           month=form.month.data or None)
                flash(f"Periode {p.start_on:%d-%m-%Y} s.d. {p.end_on:%d-%m-%Y} ditutup.", "success")
                return redirect(url_for("ledger.period_list"))
            except CoopError as exc:
                flash(exc.message, "danger")
    return render_template("ledger/periods.html", periods=periods.list_periods(coop_id()), form=form,
                           reopen_form=ReasonForm())


@bp.route("/periods/<int:period_id>/reopen", methods=["POST"])
@roles_required(ADMIN, MANAGER, TREASURER)
def period_reopen(period_id: int):
    form = ReasonForm()
    try:
        periods.get_period(coop_id(), period_id)
    except CoopError:
        abort(404)
    if form.validate_on_submit():
        try:
            atomic(periods.request_reopen, coop_id(), period_id, actor=current_user, reason=form.reason.data)
            flash("Permintaan membuka periode diajukan; menunggu persetujuan orang kedua.", "success")
        except CoopError as exc:
            flash(exc.message, "danger")
    else:
        flash("Alasan wajib diisi.", "danger")
    return redirect(url_for("ledger.period_list"))


@bp.route("/approvals")
@roles_required(*BOOKS)
def approvals():
    page = periods.list_approvals(coop_id(), status=None, page=page_number(), per_page=APPROVALS_PAGE)
    return render_template("ledger/approvals.html", page=page, form=DecideForm(), checkers=CHECKERS)


@bp.route("/approvals/<int:approval_id>/decide", methods=["POST"])
@roles_required(*CHECKERS)
def approval_decide(approval_id: int):
    form = DecideForm()
    try:
        periods.get_approval(coop_id(), approval_id)
    except CoopError:
        abort(404)
    if form.validate_on_submit():
        try:
            a = atomic(periods.decide, coop_id(), approval_id, actor=current_user,
                       approve=form.decision.data == "approve", note=form.note.data or "")
            flash("Permintaan disetujui dan dijalankan." if a.status == "approved" else "Permintaan ditolak.",
                  "success")
        except CoopError as exc:
            flash(exc.message, "danger")
    return redirect(url_for("ledger.approvals"))


@bp.route("/trial-balance")
@roles_required(*BOOKS)
def trial_balance():
    as_of = _date_arg("as_of", _today())
    tb = reports.trial_balance(coop_id(), as_of)
    if request.args.get("format") == "xlsx":
        return _xlsx(xlsx.trial_balance_xlsx(tb, _coop_name()), f"neraca-saldo-{as_of}.xlsx")
    return render_template("ledger/trial_balance.html", tb=tb)


@bp.route("/neraca")
@roles_required(*BOOKS)
def neraca():
    as_of = _date_arg("as_of", _today())
    n = reports.neraca(coop_id(), as_of)
    if request.args.get("format") == "xlsx":
        return _xlsx(xlsx.neraca_xlsx(n, _coop_name()), f"neraca-{as_of}.xlsx")
    return render_template("ledger/neraca.html", n=n)


@bp.route("/phu")
@roles_required(*BOOKS)
def phu():
    end = _date_arg("to", _today())
    start = _date_arg("from", date(end.year, 1, 1))
    if start > end:
        start = end
    p = reports.phu(coop_id(), start, end)
    if request.args.get("format") == "xlsx":
        return _xlsx(xlsx.phu_xlsx(p, _coop_name()), f"phu-{start}-{end}.xlsx")
    return render_template("ledger/phu.html", p=p)


@bp.route("/verify")
@roles_required(ADMIN, AUDITOR, MANAGER)
def verify_page():
    return render_template("ledger/verify.html", result=verify(coop_id()), problem_text=problem_text)


@bp.route("/opening-balances", methods=["GET", "POST"])
@roles_required(ADMIN)
def opening_import():
    """Opening balances from a CSV or XLSX (code,amount[,memo]) against Saldo Awal (3901), all-or-nothing.
    The file is read and checked with no write lock held; the entries then post in one unit of work."""
    form = OpeningImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems.append("Pilih file CSV.")
        else:
            limits = ImportLimits.from_config(current_app.config)
            try:  # not inside atomic: import_opening_balances opens its own short unit of work
                rows = read_opening_file(upload.read(), upload.filename, limits)
                ids = import_opening_balances(coop_id(), rows, actor=current_user, value_date=form.value_date.data,
                                              limits=limits)
                flash(f"{len(ids)} jurnal saldo awal diposting.", "success")
                return redirect(url_for("ledger.trial_balance", as_of=form.value_date.data.isoformat()))
            except CoopError as exc:  # too large, too compressed, unreadable, bad rows: nothing written
                problems.append(exc.message)
                if not isinstance(exc, PayloadTooLarge):  # its fields are codes; the message says it all
                    for msgs in exc.fields.values():
                        problems.extend(msgs)
    return render_template("ledger/opening.html", form=form, problems=problems)


def cash_panel(user):
    """Dashboard panel: cash position for treasurer, manager, auditor and admin."""
    if user.role not in BOOKS:
        return None
    return {"title": N_("Posisi Kas"), "template": "ledger/_cash_panel.html",
            "cash": reports.cash_position(user.cooperative_id)}

