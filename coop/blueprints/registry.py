"""HTML pages of the village registry (data desa): resident list and page, forms, village dashboard,
spreadsheet import. NIK and KK are masked for roles outside SEES_NIK; unmasked NIKs shown to anyone
but an officer are audited."""
from __future__ import annotations

import os

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from coop import uploads
from coop.auth.roles import ADMIN, AUDITOR, MANAGER, OFFICER, TREASURER
from coop.blueprints.common import business_today as _today
from coop.blueprints.common import coop_id, paginate, roles_required
from coop.db import atomic
from coop.errors import CoopError
from coop.formatting import mask_nik
from coop.i18n import N_
from coop.registry import forms, imports, regions, rules, services

bp = Blueprint("registry", __name__, url_prefix="/registry")

READ = (ADMIN, OFFICER, TREASURER, MANAGER, AUDITOR)
WRITE = (ADMIN, OFFICER)



def _show_nik(value: str | None) -> str:
    return (value or "") if services.sees_nik(current_user) else mask_nik(value)


@bp.app_context_processor
def _helpers():
    return {"show_nik": _show_nik, "rules": rules, "country_name": lambda c: rules.COUNTRY_NAMES.get(c, c)}


def _log_reads(ids, where: str) -> None:
    atomic(services.log_nik_reads, coop_id(), current_user, ids, where=where)


def _put_errors(form, exc: CoopError, mapping: dict | None = None) -> None:
    placed = False
    for name, msgs in (exc.fields or {}).items():
        f = getattr(form, (mapping or {}).get(name, name), None)
        if f is not None:
            f.errors = list(f.errors) + list(msgs)
            placed = True
    if not placed:
        flash(exc.message, "danger")


# --------------------------------------------------------------------------------------------
# Residents
# --------------------------------------------------------------------------------------------

FILTERS = ("q", "pmi_status", "country", "rt", "rw", "sex", "status")


@bp.route("/")
@roles_required(*READ)
def index():
    args = {k: (request.args.get(k) or "").strip() or None for k in FILTERS}
    if args["pmi_status"] not in (None, *rules.PMI_STATUSES):
        args["pmi_status"] = None
    page = paginate(services.resident_query(coop_id(), **args))
    countries = services.migration_countries(coop_id())
    html = render_template("registry/index.html", page=page, args=args, countries=countries,
                           can_write=current_user.role in WRITE)
    # audited after rendering: the audit's commit expires the loaded rows, which would then reload one by one
    _log_reads([r.id for r in page.items], "registry.index")
    return html


@bp.route("/residents/<int:resident_id>")
@roles_required(*READ)
def resident(resident_id: int):
    r = services.get_resident(coop_id(), resident_id)
    members = r.household.members
    _log_reads([m.id for m in members], "registry.resident")
    timeline = sorted(r.migration_records, key=lambda m: (m.departure_on or m.contract_start_on or m.created_at.date(), m.id))
    return render_template("registry/resident.html", r=r, members=members, timeline=timeline,
                           age=services.age_on(r, _today()), village=regions.village(r.village_code),
                           can_write=current_user.role in WRITE)


@bp.route("/residents/new", methods=["GET", "POST"])
@roles_required(*WRITE)
def new_resident():
    form = forms.ResidentForm()
    if request.method == "GET":
        form.village_code.data = current_user.cooperative.village_code
        if request.args.get("kk"):
            form.kk_number.data = request.args["kk"]
    if form.validate_on_submit():
        try:
            r = atomic(services.create_resident, coop_id(), form.to_data(), actor=current_user, as_of=_today())
        except CoopError as exc:
            _put_errors(form, exc)
        else:
            flash(gettext("Penduduk %(name)s tersimpan.", name=r.full_name), "success")
            return redirect(url_for("registry.resident", resident_id=r.id))
    return render_template("registry/resident_form.html", form=form, r=None)


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE)
def edit_resident(resident_id: int):
    r = services.get_resident(coop_id(), resident_id)
    form = forms.ResidentForm(obj=r)
    for f in ("relationship", "education", "marital_status"):
        if getattr(form, f).data is None:
            getattr(form, f).data = ""
    if request.method == "GET":
        form.kk_number.data = r.household.kk_number
    if form.validate_on_submit():
        try:
            atomic(services.update_resident, coop_id(), r.id, form.to_data(), actor=current_user, as_of=_today())
        except CoopError as exc:
            _put_errors(form, exc)
        else:
            flash(gettext("Perubahan tersimpan."), "success")
            return redirect(url_for("registry.resident", resident_id=r.id))
    return render_template("registry/resident_form.html", form=form, r=r)


# --------------------------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------------------------

@bp.route("/households/<int:household_id>")
@roles_required(*READ)
def household(household_id: int):
    hh = services.get_household(coop_id(), household_id)
    _log_reads([m.id for m in hh.members], "registry.household")
    return render_template("registry/household.html", hh=hh, can_write=current_user.role in WRITE)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE)
def edit_household(household_id: int):
    hh = services.get_household(coop_id(), household_id)
    form = forms.HouseholdForm(obj=hh)
    if form.validate_on_submit():
        try:
            atomic(services.update_household, coop_id(), hh.id, form.to_data(), actor=current_user)
        except CoopError as exc:
            _put_errors(form, exc)
        else:
            flash(gettext("Alamat KK tersimpan untuk semua anggota keluarga."), "success")
            return redirect(url_for("registry.household", household_id=hh.id))
    return render_template("registry/household_form.html", form=form, hh=hh)


# --------------------------------------------------------------------------------------------
# Migration records
# --------------------------------------------------------------------------------------------

@bp.route("/residents/<int:resident_id>/migration-records/new", methods=["GET", "POST"])
@roles_required(*WRITE)
def new_migration_record(resident_id: int):
    r = services.get_resident(coop_id(), resident_id)
    form = forms.MigrationRecordForm()
    if form.validate_on_submit():
        try:
            atomic(services.add_migration_record, coop_id(), r.id, form.to_data(), actor=current_user)
        except CoopError as exc:
            _put_errors(form, exc, forms.MigrationRecordForm.ERROR_FIELDS)
        else:
            flash(gettext("Catatan migrasi tersimpan."), "success")
            return redirect(url_for("registry.resident", resident_id=r.id))
    return render_template("registry/migration_form.html", form=form, r=r, m=None)


@bp.route("/migration-records/<int:migration_record_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITE)
def edit_migration_record(migration_record_id: int):
    m = services.get_migration_record(coop_id(), migration_record_id)
    form = forms.MigrationRecordForm()
    if request.method == "GET":
        form.fill(m)
    if form.validate_on_submit():
        try:
            atomic(services.update_migration_record, coop_id(), m.id, form.to_data(), actor=current_user)
        except CoopError as exc:
            _put_errors(form, exc, forms.MigrationRecordForm.ERROR_FIELDS)
        else:
            flash(gettext("Catatan migrasi tersimpan."), "success")
            return redirect(url_for("registry.resident", resident_id=m.resident_id))
    return render_template("registry/migration_form.html", form=form, r=m.resident, m=m)


# --------------------------------------------------------------------------------------------
# Village dashboard
# --------------------------------------------------------------------------------------------

PMI_LABELS = {"calon": N_("Calon PMI"), "aktif": N_("PMI aktif"), "purna": N_("PMI purna"),
              "keluarga": N_("Keluarga PMI"), "none": N_("Bukan PMI")}


@bp.route("/dashboard")
@roles_required(*READ)
def dashboard():
    s = services.village_stats(coop_id())
    charts = {
        "pmi": [(gettext(PMI_LABELS[k]), s["by_pmi_status"].get(k, 0)) for k in rules.PMI_STATUSES],
        "country": sorted(((gettext(rules.COUNTRY_NAMES[c]) if c in rules.COUNTRY_NAMES else c, n) for c, n in s["by_country"].items()),
                          key=lambda kv: -kv[1]),
        "sex": [(gettext("Perempuan"), s["by_sex"].get("F", 0)), (gettext("Laki-laki"), s["by_sex"].get("M", 0))],
        "pmi_sex": [(gettext("Perempuan"), s["pmi_by_sex"].get("F", 0)),
                    (gettext("Laki-laki"), s["pmi_by_sex"].get("M", 0))],
        "returns": [(str(y), n) for y, n in s["returns_by_year"].items()],
    }
    return render_template("registry/dashboard.html", s=s, charts=charts,
                           village=regions.village(current_user.cooperative.village_code))


def dashboard_panel(user):
    """Home-page panel: residents by PMI status, for the roles that use the registry."""
    if user.role not in (ADMIN, OFFICER, MANAGER):
        return None
    s = services.village_stats(user.cooperative_id)
    return {"title": N_("Data Desa"), "template": "registry/_panel.html", "stats": s,
            "rows": [(PMI_LABELS[k], s["by_pmi_status"].get(k, 0)) for k in ("calon", "aktif", "purna", "keluarga")]}



# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------

def _staging() -> str:
    return current_app.config.get("IMPORT_STAGING_DIR") or os.path.join(current_app.instance_path, "import-staging")


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*WRITE)
def import_page():
    """Upload, dry run, import. The file of a dry run is kept server-side under a token (``staged``): the
    result offers "Impor file ini" without choosing it again; the page polls :func:`import_status` while
    the import runs (static/js/busy.js)."""
    form = forms.ImportForm()
    report, staged_name = None, None
    if form.validate_on_submit():
        upload = form.file.data
        kept = uploads.staged(_staging(), coop_id(), form.staged.data) if form.staged.data and not upload else None
        if upload:
            data, name = upload.read(), upload.filename or ""
        elif kept:
            data, name = kept
        else:
            form.file.errors = [*form.file.errors, gettext("Pilih berkas.")]
            return render_template("registry/import.html", form=form, report=None, columns=imports.COLUMN_HELP,
                                   staged_name=None)
        try:  # not inside atomic: validation reads only, then the import commits in short batches
            report = imports.import_file(coop_id(), data, name, actor=current_user,
                                         dry_run=bool(form.dry_run.data), as_of=_today(),
                                         limits=imports.ImportLimits.from_config(current_app.config))
        except CoopError as exc:  # a file too large, too compressed or too wide: nothing was written
            form.file.errors = [*form.file.errors, exc.message]
        if report is not None and report.dry_run and not report.error_total:
            form.staged.data = form.staged.data if kept else uploads.stage(_staging(), coop_id(), data, name)
            staged_name = name
        elif report is not None and report.committed and form.staged.data:
            uploads.unstage(_staging(), coop_id(), form.staged.data)
        if report is not None and report.committed:
            flash(gettext("Impor selesai: %(created)s dibuat, %(updated)s diubah, %(unchanged)s tetap.",
                          created=report.created, updated=report.updated, unchanged=report.unchanged), "success")
    return render_template("registry/import.html", form=form, report=report, columns=imports.COLUMN_HELP,
                           staged_name=staged_name)


@bp.route("/import/status")
@roles_required(*WRITE)
def import_status():
    """JSON the import page polls: the newest import job's status and rows written so far."""
    job = imports.latest_job_status(coop_id(), imports.ImportLimits.from_config(current_app.config).batch_rows)
    if job is None or job["status"] != "applying":
        text = gettext("Memeriksa berkas...")
        if job is not None and job["status"] == "done":
            text = gettext("Memeriksa berkas... (impor terakhir selesai: %(total)s baris)", total=job["total"])
        return jsonify({"status": "checking", "processed": 0, "total": 0, "text": text, "job": job})
    return jsonify({"status": "applying", "processed": job["processed"], "total": job["total"], "job": job,
                    "text": gettext("Menyimpan: %(done)s dari %(total)s baris", done=job["processed"],
                                    total=job["total"])})


@bp.route("/import/template.<fmt>")
@roles_required(*WRITE)
def import_template(fmt: str):
    if fmt == "csv":
        return Response(imports.template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=templat-penduduk.csv"})
    if fmt == "xlsx":
        return Response(imports.template_xlsx(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": "attachment; filename=templat-penduduk.xlsx"})
    abort(404)
