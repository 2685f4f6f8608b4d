"""HTML pages: the migration service desk, made for the officer's phone. Officer and admin write;
manager and auditor read without NIK; other roles get 403; another cooperative's case is 404."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop.auth.roles import ADMIN, AUDITOR, MANAGER, OFFICER, SEES_NIK
from coop.blueprints.common import business_today, coop_id, page_number, roles_required
from coop.db import atomic
from coop.desk import reports, rules, services
from coop.desk.forms import AgencyCheckForm, CaseForm, ConsultationForm, DocumentForm, StageForm
from coop.desk.letter import letter_pdf
from coop.errors import CoopError
from coop.registry import rules as registry_rules
from coop.registry import services as registry

bp = Blueprint("desk", __name__, url_prefix="/desk")

WRITE = (ADMIN, OFFICER)
READ = (ADMIN, OFFICER, MANAGER, AUDITOR)
CONSULTATIONS_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def _labels():
    return {"desk_rules": rules, "country_names": registry_rules.COUNTRY_NAMES}


def _writer() -> bool:
    return current_user.role in WRITE


def _form_errors(form, exc: CoopError) -> None:
    placed = False
    for name, msgs in exc.fields.items():
        f = getattr(form, name, None)
        if f is not None and hasattr(f, "errors"):
            f.errors = list(f.errors) + [str(m) for m in msgs]
            placed = True
    flash(exc.message if not placed else _("Periksa isian yang ditandai."), "error")


@bp.route("/")
@roles_required(*READ)
def index():
    stage = request.args.get("stage") or None
    if stage not in rules.STAGES:
        stage = None
    board = services.cases_for_board(coop_id(), business_today(), stage)
    counts = dict.fromkeys(rules.STAGES, 0)
    for c, _flags in services.cases_for_board(coop_id(), business_today()):
        counts[c.stage] += 1
    return render_template("desk/index.html", board=board, stage=stage, counts=counts, writer=_writer())


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required(*WRITE)
def new_case():
    form = CaseForm()
    if request.method == "GET":
        form.opened_on.data = business_today()
    if form.validate_on_submit():
        resident = registry.resident_by_nik(coop_id(), form.nik.data)
        if resident is None:
            form.nik.errors = [_("NIK tidak ada di data desa. Daftarkan warga dulu.")]
        else:
            data = {"resident_id": resident.id, "destination_country": form.destination_country.data,
                    "job_title": form.job_title.data, "job_type": form.job_type.data or None,
                    "scheme": form.scheme.data or None, "agency_name": form.agency_name.data,
                    "agency_licence_number": form.agency_licence_number.data,
                    "job_order_ref": form.job_order_ref.data, "contract_months": form.contract_months.data}
            try:
                case = atomic(services.open_case, coop_id(), data, opened_on=form.opened_on.data,
                              as_of=business_today(), actor=current_user)
            except CoopError as exc:
                _form_errors(form, exc)
            else:
                flash(_("Kasus dibuka."), "success")
                return redirect(url_for("desk.case", case_id=case.id))
    return render_template("desk/case_form.html", form=form)


@bp.route("/cases/<int:case_id>")
@roles_required(*READ)
def case(case_id: int):
    cid = coop_id()
    c = services.get_case(cid, case_id)
    today = business_today()
    statuses = services.document_statuses(c)
    moves = []
    if c.stage not in rules.CLOSED_STAGES:
        targets = [s for s in rules.ORDERED_STAGES if rules.ORDERED_STAGES.index(s) > rules.ORDERED_STAGES.index(c.stage)] \
            if c.stage in rules.ORDERED_STAGES else []
        if c.stage == "departed":
            targets = ["returned"]
        for s in targets[:3] if c.stage != "departed" else targets:
            refusal = rules.check_move(c.stage, s, age=rules.age_on(c.resident.birth_date, today), statuses=statuses)
            moves.append((s, refusal))
    sees_nik = current_user.role in SEES_NIK
    form = StageForm()
    form.on.data = today
    check_form = AgencyCheckForm()
    check_form.checked_on.data = today
    check_form.licence_number.data = c.agency_licence_number
    return render_template("desk/case.html", case=c, flags=services.red_flags(c, today), moves=moves,
                           writer=_writer(), sees_nik=sees_nik, stage_form=form, check_form=check_form,
                           doc_form=DocumentForm(), today=today,
                           documents=sorted(c.documents, key=lambda d: rules.DOCUMENT_CODES.index(d.code)))


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@roles_required(*WRITE)
def set_document(case_id: int):
    services.get_case(coop_id(), case_id)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            atomic(services.set_document, coop_id(), case_id, code=form.code.data, status=form.status.data,
                   number=form.number.data or None, expires_on=form.expires_on.data,
                   visa_kind=form.visa_kind.data or None, actor=current_user)
        except CoopError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Dokumen disimpan."), "success")
    else:
        flash(_("Isian dokumen tidak valid."), "error")
    return redirect(url_for("desk.case", case_id=case_id) + "#documents")


@bp.route("/cases/<int:case_id>/stage", methods=["POST"])
@roles_required(*WRITE)
def move_stage(case_id: int):
    services.get_case(coop_id(), case_id)
    form = StageForm()
    if form.validate_on_submit():
        try:
            atomic(services.move_stage, coop_id(), case_id, stage=form.stage.data, on=form.on.data,
                   reason=form.reason.data, as_of=business_today(), actor=current_user)
        except CoopError as exc:
            missing = exc.fields.get("documents")
            if missing:
                flash(_("Belum bisa: dokumen belum terverifikasi: %(docs)s.",
                        docs=", ".join(_(rules.DOCUMENT_LABELS[m]) for m in missing)), "error")
            else:
                flash(exc.message, "error")
        else:
            flash(_("Tahap diperbarui."), "success")
    else:
        flash(_("Tanggal tahap tidak valid."), "error")
    return redirect(url_for("desk.case", case_id=case_id))


@bp.route("/cases/<int:case_id>/agency-checks", methods=["POST"])
@roles_required(*WRITE)
def add_agency_check(case_id: int):
    services.get_case(coop_id(), case_id)
    form = AgencyCheckForm()
    if form.validate_on_submit():
        try:
            atomic(services.add_agency_check, coop_id(), case_id, licence_number=form.licence_number.data,
                   source=form.source.data, checked_on=form.checked_on.data, result=form.result.data,
                   as_of=business_today(), actor=current_user)
        except CoopError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Pemeriksaan P3MI dicatat."), "success")
    else:
        flash(_("Isian pemeriksaan P3MI tidak valid."), "error")
    return redirect(url_for("desk.case", case_id=case_id))


@bp.route("/cases/<int:case_id>/family-permission-letter.pdf")
@roles_required(*WRITE)
def letter(case_id: int):
    services.get_case(coop_id(), case_id)
    try:
        letter_id = atomic(lambda: services.issue_letter(coop_id(), case_id, as_of=business_today(),
                                                         actor=current_user).id)
    except CoopError as exc:
        flash(exc.message, "error")
        return redirect(url_for("desk.case", case_id=case_id))
    pdf, filename = letter_pdf(coop_id(), letter_id)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.route("/consultations", methods=["GET", "POST"])
@roles_required(*READ)
def consultations():
    form = ConsultationForm()
    today = business_today()
    if request.method == "GET":
        form.held_on.data = today
    elif not _writer():
        return redirect(url_for("desk.consultations"))
    elif form.validate_on_submit():
        resident_id = None
        if form.nik.data:
            r = registry.resident_by_nik(coop_id(), form.nik.data)
            if r is None:
                form.nik.errors = [_("NIK tidak ada di data desa.")]
            else:
                resident_id = r.id
        if not form.nik.errors:
            try:
                atomic(services.log_consultation, coop_id(), held_on=form.held_on.data, topic=form.topic.data,
                       as_of=today, actor=current_user, resident_id=resident_id,
                       visitor_name=form.visitor_name.data, country=form.country.data or None, note=form.note.data)
            except CoopError as exc:
                _form_errors(form, exc)
            else:
                flash(_("Konsultasi dicatat."), "success")
                return redirect(url_for("desk.consultations"))
    month = _month_arg(today)
    first, last = services.month_bounds(month)
    page = services.consultations_page(coop_id(), first, last, page_number(), CONSULTATIONS_PAGE)
    return render_template("desk/consultations.html", form=form, page=page, month=month, writer=_writer())


def _month_arg(today) -> str:
    month = request.args.get("month") or f"{today:%Y-%m}"
    try:
        services.month_bounds(month)
    except CoopError:
        month = f"{today:%Y-%m}"
    return month


@bp.route("/summary")
@roles_required(*READ)
def summary():
    today = business_today()
    month = _month_arg(today)
    return render_template("desk/summary.html", data=services.summary(coop_id(), month, as_of=today), month=month)


@bp.route("/summary.xlsx")
@roles_required(*READ)
def summary_xlsx():
    today = business_today()
    month = _month_arg(today)
    data = services.summary(coop_id(), month, as_of=today)
    atomic(reports.record_export, current_user, coop_id(), "summary.xlsx", month=month, via="web")
    return Response(reports.summary_xlsx(data, reports.summary_labels()), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="layanan_migrasi_{month}.xlsx"'})


@bp.route("/reconciliation.csv")
@roles_required(*READ)
def reconciliation_csv():
    sees = current_user.role in SEES_NIK
    atomic(reports.record_export, current_user, coop_id(), "reconciliation.csv", with_nik=sees, via="web")
    return Response(reports.reconciliation_csv(coop_id(), sees_nik=sees), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="rekonsiliasi_pmi.csv"'})
