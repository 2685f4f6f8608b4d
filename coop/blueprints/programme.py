"""Programme pages: the coordinator's dashboard (villages with the Desa Migran EMAS checklist, trends per
semester from snapshots, snapshot downloads) and the service admin's onboarding of a village and of
coordinators. Users without a cooperative see only these pages (and their own account)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop.auth.roles import COORDINATOR, SERVICE_ADMIN
from coop.blueprints.common import business_today, roles_required, submit
from coop.errors import CoopError
from coop.i18n import N_
from coop.programme import exports, rules, services
from coop.programme.forms import CoordinatorForm, OnboardForm, RegionForm, SnapshotForm

bp = Blueprint("programme", __name__, url_prefix="/programme")

PROGRAMME = (COORDINATOR, SERVICE_ADMIN)
#: Where a user without a cooperative may go: their account, these pages, public pages, static files.
SERVICE_BLUEPRINTS = ("auth", "programme", "public", "bootstrap")
SERVICE_ENDPOINTS = ("static", "main.index", "main.dashboard", "main.healthz")


@bp.before_app_request
def _service_users_only_here():
    """A coordinator or service admin has no cooperative: every cooperative page is a 403 for them (never
    a 500 from a view that reads the user's cooperative). The API has the same guard (coop.blueprints.api)."""
    if request.path.startswith("/api/") or not current_user or not current_user.is_authenticated:
        return None
    if current_user.cooperative_id is None and request.blueprint not in SERVICE_BLUEPRINTS \
            and request.endpoint not in SERVICE_ENDPOINTS:
        abort(403)
    return None


def _semester_of(day: date) -> tuple[date, date]:
    return (date(day.year, 1, 1), date(day.year, 6, 30)) if day.month <= 6 else (date(day.year, 7, 1),
                                                                                  date(day.year, 12, 31))


def _trend_rows(trend: list[tuple[str, dict]], *path: str) -> list[tuple[str, int]]:
    rows = []
    for period, data in trend:
        value = data
        for key in path:
            value = value.get(key, 0) if isinstance(value, dict) else 0
        rows.append((period, int(value or 0)))
    return rows


@bp.route("/")
@roles_required(*PROGRAMME)
def index():
    today = business_today()
    form = RegionForm(request.args)
    start, end = _semester_of(today)
    region = current_user.region if current_user.role == COORDINATOR else None
    data, error, group_by = None, None, "village"
    if request.args and form.validate():
        region = form.region.data or region
        start, end = form.from_.data, form.to.data
        group_by = form.group_by.data or group_by
    if region:
        try:
            data = services.region_indicators(current_user, region, start, end, as_of=today, group_by=group_by)
        except CoopError as exc:
            if exc.status == 403:
                abort(403)
            error = exc.message
            form.region.errors = list(form.region.errors) + [exc.message]
    villages = []
    if data:
        villages = [{**v, "emas": rules.emas_checklist(v)} for v in data["by_village"]]
    trend = services.trend(data["region"]) if data else []
    charts = [(_("PMI aktif per semester"), _trend_rows(trend, "pmi", "aktif"), "#0d6efd"),
              (_("Anggota koperasi per semester"), _trend_rows(trend, "cooperative", "members"), "#198754"),
              (_("Pelatihan: peserta per semester"), _trend_rows(trend, "training", "enrolled"), "#fd7e14")]
    snapshot_form = SnapshotForm(region=data["region"] if data else region)
    return render_template("programme/index.html", form=form, data=data, villages=villages, error=error,
                           group_by=group_by, group_label={c.value: c.label for c in form.group_by.choices}.get(group_by, ""),
                           criteria=rules.CRITERIA, charts=charts if trend else [], start=start, end=end,
                           snapshots=services.snapshot_list(current_user), snapshot_form=snapshot_form)


@bp.route("/snapshots", methods=["POST"])
@roles_required(*PROGRAMME)
def take_snapshot():
    form = SnapshotForm()
    if form.validate_on_submit():
        submit(services.take_snapshot, current_user, form.region.data or None, form.period.data,
               today=business_today(), success=N_("Snapshot tersimpan."))
    else:
        flash("; ".join(e for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("programme.index", region=form.region.data or None))



@bp.route("/snapshots/<int:programme_snapshot_id>.<fmt>")
@roles_required(*PROGRAMME)
def snapshot_download(programme_snapshot_id: int, fmt: str):
    try:
        view = services.snapshot_view(services.get_snapshot(current_user, programme_snapshot_id))
    except CoopError:
        abort(404)
    title = [_("Indikator program %(region)s %(period)s", region=view.region, period=view.period),
             view.taken_at.isoformat(), view.taken_by]
    name = f"indikator-{view.region}-{view.period}"
    if fmt == "csv":
        return Response(exports.to_csv(view.indicators, title), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(exports.to_xlsx(view.indicators, title),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    abort(404)


@bp.route("/onboard", methods=["GET", "POST"])
@roles_required(SERVICE_ADMIN)
def onboard():
    """One step: a village's cooperative (chart, products, settings) and its first admin."""
    form = OnboardForm()
    if form.validate_on_submit():
        outcome = submit(services.onboard_village, name=form.name.data.strip(),
                         village_code=form.village_code.data.strip().replace(".", ""),
                         admin_username=form.admin_username.data, admin_full_name=form.admin_full_name.data,
                         admin_password=form.admin_password.data, legal_number=form.legal_number.data or None,
                         founded_on=form.founded_on.data, actor=current_user, form=form,
                         field_names={"username": "admin_username", "password": "admin_password"},
                         success=N_("Koperasi desa dibuat."))
        if outcome:
            return redirect(url_for("programme.checklist", cooperative_id=outcome.value[0].id))
    status = 422 if form.errors else 200
    return render_template("programme/onboard.html", form=form), status


@bp.route("/cooperatives/<int:cooperative_id>/checklist")
@roles_required(SERVICE_ADMIN)
def checklist(cooperative_id: int):
    """The printable start-up checklist of a new cooperative."""
    try:
        info = services.startup_checklist(cooperative_id)
    except CoopError:
        abort(404)
    return render_template("programme/checklist.html", info=info)


@bp.route("/coordinators", methods=["GET", "POST"])
@roles_required(SERVICE_ADMIN)
def coordinators():
    form = CoordinatorForm()
    if form.validate_on_submit():
        outcome = submit(services.create_coordinator, username=form.username.data, full_name=form.full_name.data,
                         region=form.region.data, password=form.password.data, actor=current_user, form=form,
                         success=N_("Koordinator dibuat."))
        if outcome:
            return redirect(url_for("programme.coordinators"))
    status = 422 if form.errors else 200
    return render_template("programme/coordinators.html", form=form), status
