"""HTML pages of the reports area: exports (auditor books), SHU, the RAT pack, and the manager/auditor
dashboard with charts. Every download is recorded in the audit log before its first byte."""
from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from coop.auth.roles import ADMIN, AUDITOR, BOOKS, MANAGER, SEES_NIK, TREASURER
from coop.blueprints.common import business_today as _today
from coop.blueprints.common import coop_id, page_number, roles_required
from coop.db import atomic, utcnow
from coop.errors import CoopError
from coop.ledger import queries as ledger_queries
from coop.paging import page_of_list
from coop.reports import beancount, books, exports, saft, withholding
from coop.reports.dashboard import dashboard as figures
from coop.reports.forms import AllocateForm, CloseYearForm, PayForm
from coop.text import N_
from coop.yearend import closing as yearend
from coop.yearend import rat, shu, shu_rules

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: kind -> (label, mimetype)
EXPORTS = {
    "journal.csv": ("Jurnal (CSV, satu baris per baris jurnal, dengan hash)", "text/csv"),
    "general-ledger.xlsx": ("Buku besar (XLSX: saldo awal, mutasi, saldo akhir)", XLSX),
    "saft.xml": ("SAF-T (XML audit file)", "application/xml"),
    "ledger.beancount": ("beancount (teks, dicek dengan bean-check)", "text/plain"),
    "trial-balance.csv": ("Neraca saldo (CSV)", "text/csv"),
    "member-ledgers.csv": ("Buku pembantu anggota: simpanan dan pinjaman (CSV)", "text/csv"),
    "loan-portfolio.csv": ("Portofolio pinjaman (CSV)", "text/csv"),
    "training-participants.csv": ("Peserta pelatihan (CSV)", "text/csv"),
}
SHU_DECIDERS = (ADMIN, MANAGER)
SHU_PAYERS = (ADMIN, TREASURER)
SHU_PAGE = 50
SLIPS_PAGE = 50



def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _year_arg() -> int:
    raw = request.args.get("year", "")
    if not raw:
        return _today().year - 1
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        abort(400)
    return int(raw)


@bp.route("/")
@roles_required(*BOOKS)
def index():
    period = exports.Period(_date_arg("from"), _date_arg("to"))
    if period.start and period.end and period.start > period.end:
        flash("Tanggal awal harus sebelum tanggal akhir.", "warning")
        period = exports.Period()
    head = ledger_queries.ledger_head(coop_id())
    period_args = {k: v.isoformat() for k, v in (("from", period.start), ("to", period.end)) if v}
    return render_template("reports/index.html", exports=EXPORTS, period=period, period_args=period_args, head=head,
                           sees_nik=current_user.role in SEES_NIK)


@bp.route("/export/<kind>")
@roles_required(*BOOKS)
def download(kind: str):
    if kind not in EXPORTS:
        abort(404)
    period = exports.Period(_date_arg("from"), _date_arg("to"))
    if period.start and period.end and period.start > period.end:
        abort(400)
    cid = coop_id()
    sees_nik = current_user.role in SEES_NIK
    atomic(exports.record_export, current_user._get_current_object(), cid, kind, period, via="web",
           nik="full" if sees_nik else "masked")
    mimetype = EXPORTS[kind][1]
    if kind == "general-ledger.xlsx":
        body = exports.iter_file(exports.general_ledger_xlsx(cid, period))
    else:
        body = stream_with_context(_generator(kind, cid, period, sees_nik))
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{kind.rsplit(".", 1)[0]}_{period.label()}.{kind.rsplit(".", 1)[1]}"'})


def _generator(kind: str, cid: int, period: exports.Period, sees_nik: bool):
    if kind == "journal.csv":
        return exports.journal_csv(cid, period)
    if kind == "saft.xml":
        return saft.saft_xml(cid, period, created_at=utcnow())
    if kind == "ledger.beancount":
        return beancount.beancount_text(cid, period)
    if kind == "trial-balance.csv":
        return books.trial_balance_csv(cid, period.end or books.last_value_date(cid) or _today())
    if kind == "member-ledgers.csv":
        return books.member_ledgers_csv(cid, period, sees_nik=sees_nik)
    if kind == "loan-portfolio.csv":
        return books.loan_portfolio_csv(cid, sees_nik=sees_nik)
    return books.training_participants_csv(cid, period, sees_nik=sees_nik)


# ---------------------------------------------------------------------------------------------------
# SHU and year-end
# ---------------------------------------------------------------------------------------------------

@bp.route("/shu", methods=["GET", "POST"])
@roles_required(*BOOKS)
def shu_page():
    year = _year_arg()
    cid = coop_id()
    role = current_user.role
    actor = current_user._get_current_object()
    close_form, alloc_form, pay_form = CloseYearForm(prefix="close"), AllocateForm(prefix="alloc"), PayForm(prefix="pay")
    action = request.form.get("action")
    if request.method == "POST":
        try:
            if action == "close" and role in SHU_DECIDERS and close_form.validate_on_submit():
                atomic(yearend.close_year, cid, year, actor=actor)
                flash(f"Tahun buku {year} ditutup.", "success")
            elif action == "allocate" and role in SHU_DECIDERS and alloc_form.validate_on_submit():
                atomic(shu.allocate, cid, year, actor=actor, decided_on=alloc_form.decided_on.data)
                flash(f"Pembagian SHU {year} dibukukan.", "success")
            elif action == "pay" and role in SHU_PAYERS and pay_form.validate_on_submit():
                n = atomic(shu.pay, cid, year, actor=actor, value_date=pay_form.value_date.data, via=pay_form.via.data)
                flash(f"SHU {n} anggota dibayar.", "success")
            elif action not in ("close", "allocate", "pay") or role not in (SHU_DECIDERS + SHU_PAYERS):
                abort(403)
            else:
                flash("Periksa isian formulir.", "warning")
                return _render_shu(cid, year, close_form, alloc_form, pay_form), 422
            return redirect(url_for("reports.shu_page", year=year))
        except CoopError as exc:
            flash(exc.message, "danger")
            return _render_shu(cid, year, close_form, alloc_form, pay_form), exc.status
    return _render_shu(cid, year, close_form, alloc_form, pay_form)


def _render_shu(cid, year, close_form, alloc_form, pay_form):
    ye = yearend.get_year_end(cid, year)
    dist = shu.get_distribution(cid, year)
    plan = error = None
    if dist is None:
        try:
            plan = shu.compute_plan(cid, year)
        except CoopError as exc:
            error = exc.message
    if dist is not None:
        members, members_total, unpaid = shu.member_rows_page(cid, year, page_number(), SHU_PAGE)
    else:  # a proposal is computed, not stored: its rows page in memory
        rows = rat.shu_section(cid, year)["members"] if plan is not None else []
        members, members_total, unpaid = page_of_list(rows, page_number(), SHU_PAGE), sum(r["total"] for r in rows), 0
    role = current_user.role
    return render_template("reports/shu.html", year=year, ye=ye, dist=dist, plan=plan, error=error, members=members,
                           parts=shu_rules.PARTS, labels=shu_rules.PART_LABELS, close_form=close_form,
                           alloc_form=alloc_form, pay_form=pay_form, can_decide=role in SHU_DECIDERS,
                           can_pay=role in SHU_PAYERS, members_total=members_total, unpaid=unpaid)


# ---------------------------------------------------------------------------------------------------
# RAT pack
# ---------------------------------------------------------------------------------------------------

@bp.route("/rat")
@roles_required(*BOOKS)
def rat_page():
    year = _year_arg()
    data = rat.rat_data(coop_id(), year)
    return render_template("reports/rat.html", year=year, data=data, tables=rat.tables(data))


@bp.route("/rat.<fmt>")
@roles_required(*BOOKS)
def rat_download(fmt: str):
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    year = _year_arg()
    cid = coop_id()
    atomic(exports.record_export, current_user._get_current_object(), cid, f"rat.{fmt}", None, year=year, via="web")
    data = rat.rat_data(cid, year)
    name = f"laporan_rat_{year}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "pdf":
        return Response(rat.rat_pdf(data), mimetype="application/pdf", headers=headers)
    return Response(rat.rat_xlsx(data).getvalue(), mimetype=XLSX, headers=headers)


# ---------------------------------------------------------------------------------------------------
# PPh on savings interest: bukti potong per member per month and the monthly totals
# ---------------------------------------------------------------------------------------------------

def _pph_year() -> int:
    raw = request.args.get("year", "")
    if not raw:
        return _today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        abort(400)
    return int(raw)


def _pph_month() -> tuple[int, int]:
    parsed = withholding.parse_month(request.args.get("month", ""))
    if parsed is None:
        abort(400)
    return parsed


@bp.route("/pph")
@roles_required(*BOOKS)
def pph_page():
    year = _pph_year()
    rows = withholding.monthly_totals(coop_id(), year, _today())
    return render_template("reports/pph.html", year=year, rows=rows)


@bp.route("/pph.csv")
@roles_required(*BOOKS)
def pph_csv():
    year = _pph_year()
    cid = coop_id()
    atomic(exports.record_export, current_user._get_current_object(), cid, "pph-totals.csv", None, year=year,
           via="web")
    return Response(stream_with_context(withholding.totals_csv(cid, year, _today())), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="pph_jasa_simpanan_{year}.csv"'})


@bp.route("/pph/slips")
@roles_required(*BOOKS)
def pph_slips():
    year, month = _pph_month()
    cid = coop_id()
    user = current_user._get_current_object()
    sees_nik = user.role in SEES_NIK
    if sees_nik:  # reading NIKs is logged (UU 27/2022)
        atomic(exports.record_export, user, cid, "pph-slips", None, month=f"{year}-{month:02d}", via="web")
    slips = withholding.slips_page(cid, year, month, sees_nik=sees_nik, page=page_number(), per_page=SLIPS_PAGE)
    return render_template("reports/pph_slips.html", year=year, month=month, slips=slips,
                           end=withholding.month_bounds(year, month)[1])


@bp.route("/pph/slips.csv")
@roles_required(*BOOKS)
def pph_slips_csv():
    year, month = _pph_month()
    cid = coop_id()
    user = current_user._get_current_object()
    atomic(exports.record_export, user, cid, "pph-slips.csv", None, month=f"{year}-{month:02d}", via="web")
    return Response(stream_with_context(withholding.slips_csv(cid, year, month, sees_nik=user.role in SEES_NIK)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="bukti_potong_{year}-{month:02d}.csv"'})


# ---------------------------------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------------------------------

@bp.route("/dashboard")
@roles_required(ADMIN, MANAGER, AUDITOR)
def dashboard():
    return render_template("reports/dashboard.html", d=figures(coop_id(), _today()))


def dashboard_panel(user):
    if user.role not in (ADMIN, MANAGER, AUDITOR):
        return None
    head = ledger_queries.ledger_head(user.cooperative_id)
    return {"title": N_("Laporan dan audit"), "template": "reports/_panel.html", "head": head}

