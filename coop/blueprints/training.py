"""HTML pages: training. Staff (officer, manager, admin) run programmes, cohorts, attendance, completion
and follow-up; a member (or a resident with their own login) sees open cohorts, applies from a phone,
and downloads their certificates."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop import settings
from coop.auth.roles import ADMIN, AUDITOR, MANAGER, MEMBER, OFFICER, TREASURER
from coop.blueprints.common import business_today, coop_id, page_number, roles_required, submit
from coop.db import atomic
from coop.errors import CoopError
from coop.i18n import N_
from coop.registry.services import get_resident
from coop.training import followup as fu
from coop.training import queries, reports, rules, services
from coop.training.certificates import CertificateFacts, local_time, render_pdf
from coop.training.forms import (
    CohortForm,
    CsrfForm,
    EnrolForm,
    FollowUpForm,
    ProgramForm,
    RejectForm,
    ResidentLoginForm,
    RevokeForm,
)

bp = Blueprint("training", __name__, url_prefix="/training")

STAFF = (ADMIN, OFFICER, MANAGER, TREASURER, AUDITOR)
MANAGE = (ADMIN, OFFICER, MANAGER)
CASH = (ADMIN, TREASURER)
STATUS_LABELS = {"enrolled": N_("Terdaftar"), "waitlisted": N_("Daftar tunggu"), "rejected": N_("Ditolak"),
                 "cancelled": N_("Dibatalkan"), "completed": N_("Lulus"), "dropped": N_("Tidak selesai")}
STATUS_BADGES = {"enrolled": "primary", "waitlisted": "warning", "rejected": "danger", "cancelled": "secondary",
                 "completed": "success", "dropped": "secondary"}



@bp.app_context_processor
def _labels():
    return {"training_status_labels": STATUS_LABELS, "training_status_badges": STATUS_BADGES,
            "admission_labels": rules.ADMISSION_LABELS, "pmi_labels": reports.PMI_LABELS}


def _residents(ids) -> dict:
    return queries.residents_by_id(coop_id(), ids)


# ---------------------------------------------------------------------------------------------
# Index: staff overview, or the applicant's own page
# ---------------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*STAFF, MEMBER)
def index():
    cid = coop_id()
    if current_user.role == MEMBER:
        return _member_index(cid)
    view = queries.staff_overview(cid)
    return render_template("training/index.html", cohorts=view.cohorts, programs=view.programs,
                           followups_open=view.followups_open, funnel=reports.funnel(cid, as_of=business_today()))


def _member_index(cid: int):
    view = queries.applicant_overview(cid, current_user, business_today())
    return render_template("training/member.html", open_cohorts=view.open_cohorts, mine=view.mine,
                           by_cohort=view.by_cohort, verdicts=view.verdicts, resident_id=view.resident_id,
                           form=EnrolForm())


@bp.route("/cohorts/<int:cohort_id>/apply", methods=["POST"])
@roles_required(MEMBER)
def apply(cohort_id: int):
    """A member (or resident login) applies to a cohort from a phone."""
    cid = coop_id()
    services.get_cohort(cid, cohort_id)
    form = EnrolForm(data={"resident_id": 1})  # CSRF only; the resident is the logged-in user's
    resident_id = services.resident_for_user(current_user)
    if not form.validate_on_submit() or not resident_id:
        flash("Akun Anda belum terhubung dengan data warga. Hubungi petugas.", "error")
        return redirect(url_for("training.index"))
    done = submit(services.enrol, cid, cohort_id, resident_id, applied_on=business_today(), actor=current_user,
                  channel="self")
    if done:
        flash("Pendaftaran diterima: " + ("Anda terdaftar sebagai peserta." if done.value.status == "enrolled"
                                           else "angkatan sudah penuh, Anda masuk daftar tunggu."), "success")
    return redirect(url_for("training.index"))


# ---------------------------------------------------------------------------------------------
# Programmes and cohorts
# ---------------------------------------------------------------------------------------------

@bp.route("/programs/new", methods=["GET", "POST"])
@roles_required(*MANAGE)
def new_program():
    form = ProgramForm()
    if form.validate_on_submit():
        try:
            p = atomic(services.create_program, coop_id(), actor=current_user, name=form.name.data,
                       topic=form.topic.data, organiser=form.organiser.data, funder=form.funder.data,
                       description=form.description.data)
        except CoopError as exc:
            form.name.errors = list(form.name.errors) + [exc.message]
        else:
            flash("Program dibuat.", "success")
            return redirect(url_for("training.program", program_id=p.id))
    return render_template("training/program_form.html", form=form)


@bp.route("/programs/<int:program_id>")
@roles_required(*STAFF)
def program(program_id: int):
    p = services.get_program(coop_id(), program_id)
    return render_template("training/program.html", program=p)


@bp.route("/programs/<int:program_id>/cohorts/new", methods=["GET", "POST"])
@roles_required(*MANAGE)
def new_cohort(program_id: int):
    p = services.get_program(coop_id(), program_id)
    form = CohortForm()
    if form.validate_on_submit():
        try:
            c = atomic(services.create_cohort, coop_id(), actor=current_user, program_id=p.id,
                       name=form.name.data or None, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                       capacity=form.capacity.data, venue=form.venue.data, sessions=form.session_dates,
                       trainers=form.trainers.data, allowance_amount=form.allowance_amount.data or 0,
                       admission=form.admission.data)
        except CoopError as exc:
            for name, msgs in exc.fields.items():
                if hasattr(form, name):
                    getattr(form, name).errors = list(getattr(form, name).errors) + list(msgs)
            if not exc.fields:
                form.name.errors = [exc.message]
        else:
            flash("Angkatan dibuat.", "success")
            return redirect(url_for("training.cohort", cohort_id=c.id))
    return render_template("training/cohort_form.html", form=form, program=p)


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def cohort(cohort_id: int):
    """Cohort page: participants and waitlist, enrol on someone's behalf, select/reject, complete."""
    cid = coop_id()
    c = services.get_cohort(cid, cohort_id)
    form = EnrolForm()
    if request.method == "POST":
        if current_user.role not in MANAGE:
            abort(403)
        if form.validate_on_submit():
            done = submit(services.enrol, cid, c.id, form.resident_id.data, applied_on=business_today(),
                          actor=current_user, channel="officer")
            if done:
                flash(f"Warga didaftarkan: {STATUS_LABELS[done.value.status]}.", "success")
                return redirect(url_for("training.cohort", cohort_id=c.id))
    enrolments = services.enrolments_of(c.id)
    residents = _residents(e.resident_id for e in enrolments)
    counts, n_sessions = services.attended_counts(c.id), len(c.sessions)
    attendance = {e.id: (counts.get(e.id, 0), n_sessions) for e in enrolments if e.status in ("enrolled", "completed")}
    q = request.args.get("q", "").strip()
    candidates = queries.resident_candidates(cid, q) if current_user.role in MANAGE else []
    payments = {p.enrolment_id: p for p in services.allowance_payments(cid, c.id)}
    required = settings.get_decimal(cid, "training_completion_percent", as_of=business_today())
    return render_template("training/cohort.html", cohort=c, enrolments=enrolments, residents=residents,
                           attendance=attendance, form=form, reject_form=RejectForm(), q=q, candidates=candidates,
                           payments=payments, required=required,
                           needed=rules.sessions_needed(len(c.sessions), required))


@bp.route("/cohorts/<int:cohort_id>/attendance", methods=["GET", "POST"])
@roles_required(*MANAGE)
def attendance(cohort_id: int):
    """Mark attendance of one session on a phone: one big checkbox per participant."""
    cid = coop_id()
    c = services.get_cohort(cid, cohort_id)
    form = CsrfForm()
    raw = request.values.get("session_date") or ""
    try:
        chosen = date.fromisoformat(raw) if raw else None
    except ValueError:
        chosen = None
    days = [s.held_on for s in c.sessions]
    if chosen not in days:
        today = business_today()
        chosen = today if today in days else (days[0] if days else None)
    if request.method == "POST" and chosen is not None:
        if not form.validate_on_submit():
            abort(400)
        present = [int(x) for x in request.form.getlist("present") if x.isdigit()]
        if submit(services.mark_attendance, cid, c.id, chosen, present, as_of=business_today(),
                  actor=current_user, success=f"Kehadiran {chosen.isoformat()} disimpan."):
            return redirect(url_for("training.attendance", cohort_id=c.id, session_date=chosen.isoformat()))
    participants = [e for e in services.enrolments_of(c.id) if e.status in ("enrolled", "completed")]
    marks = services.present_marks(c.id)
    session = next((s for s in c.sessions if s.held_on == chosen), None)
    return render_template("training/attendance.html", cohort=c, participants=participants, chosen=chosen,
                           session=session, marks=marks, residents=_residents(e.resident_id for e in participants),
                           form=form)


@bp.route("/enrolments/<int:enrolment_id>/<action>", methods=["POST"])
@roles_required(*MANAGE, *CASH, MEMBER)
def enrolment_action(enrolment_id: int, action: str):
    """cancel | reject | select | complete | allowance (the cohort page's buttons)."""
    cid = coop_id()
    e = queries.visible_enrolment(cid, enrolment_id, viewer=current_user)
    allowed = {"cancel": MANAGE + (MEMBER,), "reject": MANAGE, "select": MANAGE, "complete": MANAGE,
               "allowance": CASH}
    if action not in allowed:
        abort(404)
    if current_user.role not in allowed[action]:
        abort(403)
    if action == "reject":
        form = RejectForm()
        if not form.validate_on_submit():
            flash("Alasan penolakan wajib diisi.", "error")
        else:
            submit(services.reject_enrolment, cid, e.id, reason=form.reason.data, actor=current_user,
                 success="Pendaftar ditolak.")
    else:
        if not CsrfForm().validate_on_submit():
            abort(400)
        if action == "cancel":
            submit(services.cancel_enrolment, cid, e.id, actor=current_user, success="Pendaftaran dibatalkan.")
        elif action == "select":
            submit(services.select_enrolment, cid, e.id, actor=current_user, success="Pendaftar dipilih menjadi peserta.")
        elif action == "complete":
            submit(services.complete_enrolment, cid, e.id, completed_on=business_today(), actor=current_user,
                 success="Peserta dinyatakan lulus; sertifikat diterbitkan.")
        elif action == "allowance":
            submit(services.pay_allowance, cid, e.id, paid_on=business_today(), actor=current_user,
                 success="Uang saku dibayar dan dicatat di buku besar.")
    if current_user.role == MEMBER:
        return redirect(url_for("training.index"))
    return redirect(url_for("training.cohort", cohort_id=e.cohort_id))


@bp.route("/enrolments/<int:enrolment_id>/certificate.pdf")
@roles_required(*STAFF, MEMBER)
def certificate_pdf(enrolment_id: int):
    cid = coop_id()
    e = queries.visible_enrolment(cid, enrolment_id, viewer=current_user)
    if e.certificate is None:
        abort(404)
    pdf = render_pdf(certificate_facts(e))
    filename = "sertifikat-" + e.certificate.number.replace("/", "-") + ("-DICABUT" if e.certificate.is_revoked
                                                                         else "") + ".pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def certificate_facts(e):

    c = e.cohort
    resident, cooperative = queries.resident_and_cooperative(e)
    revoked = local_time(e.certificate.revoked_at, cooperative.timezone)
    return CertificateFacts(number=e.certificate.number, name=resident.full_name, program=c.program.name,
                            topic=c.program.topic, organiser=c.program.organiser, cohort=c.name,
                            starts_on=c.starts_on, ends_on=c.ends_on, venue=c.venue,
                            issued_on=e.certificate.issued_on,
                            cooperative=cooperative.name,
                            verify_url=url_for("public.certificate", token=e.certificate.token, _external=True),
                            revoked_on=revoked.date() if revoked else None)


@bp.route("/certificates/<int:certificate_id>")
@roles_required(*STAFF, MEMBER)
def certificate(certificate_id: int):
    """A certificate's page: its facts, validity (who revoked it, when, why), the PDF, and for a manager
    or admin the form that revokes it."""
    cid = coop_id()
    cert = queries.visible_certificate(cid, certificate_id, viewer=current_user)
    e = cert.enrolment
    revoked_by = queries.user(cert.revoked_by_id)
    return render_template("training/certificate.html", cert=cert, e=e, cohort=e.cohort,
                           resident=_residents([e.resident_id]).get(e.resident_id), revoked_by=revoked_by,
                           revoked_at=local_time(cert.revoked_at, current_user.cooperative.timezone),
                           can_revoke=current_user.role in services.REVOKE_ROLES and not cert.is_revoked,
                           form=RevokeForm())


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles_required(*services.REVOKE_ROLES)
def revoke_certificate(certificate_id: int):
    cid = coop_id()
    cert = services.get_certificate(cid, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        for msg in form.reason.errors or [_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi.")]:
            flash(msg, "error")
    else:
        submit(services.revoke_certificate, cid, cert.id, actor=current_user, reason=form.reason.data,
             success=_("Sertifikat %(number)s dicabut.", number=cert.number))
    return redirect(url_for("training.certificate", certificate_id=cert.id))


@bp.route("/cohorts/<int:cohort_id>/receipts")
@roles_required(*STAFF)
def receipts(cohort_id: int):
    """Printable receipt list (daftar tanda terima) of a cohort's allowance payments."""
    cid = coop_id()
    c = services.get_cohort(cid, cohort_id)
    payments = services.allowance_payments(cid, c.id)
    residents = _residents(p.enrolment.resident_id for p in payments)
    return render_template("training/receipts.html", cohort=c, payments=payments, residents=residents,
                           total=sum(p.amount for p in payments))


# ---------------------------------------------------------------------------------------------
# Resident logins (non-members applying to training)
# ---------------------------------------------------------------------------------------------

@bp.route("/residents/<int:resident_id>/login", methods=["GET", "POST"])
@roles_required(ADMIN, OFFICER)
def resident_login(resident_id: int):
    cid = coop_id()
    resident = get_resident(cid, resident_id)
    form = ResidentLoginForm()
    if form.validate_on_submit():
        try:
            atomic(services.create_resident_login, cid, resident.id, username=form.username.data,
                   password=form.password.data, actor=current_user)
        except CoopError as exc:
            form.username.errors = list(form.username.errors) + [exc.message]
        else:
            flash(f"Login untuk {resident.full_name} dibuat.", "success")
            return redirect(url_for("training.index"))
    return render_template("training/resident_login.html", form=form, resident=resident)


# ---------------------------------------------------------------------------------------------
# Follow-up, funnel, reports
# ---------------------------------------------------------------------------------------------

@bp.route("/followups")
@roles_required(*STAFF)
def followups():
    cid = coop_id()
    status = request.args.get("status", "open")
    page = queries.followups(cid, status, page=page_number())
    residents = _residents(f.enrolment.resident_id for f in page.items)
    return render_template("training/followups.html", page=page, residents=residents, status=status)


@bp.route("/followups/<int:followup_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def followup(followup_id: int):
    cid = coop_id()
    f = fu.get_followup(cid, followup_id)
    form = FollowUpForm()
    if request.method == "GET":
        form.done_on.data = business_today()
    if request.method == "POST":
        if current_user.role not in MANAGE:
            abort(403)
        if form.validate_on_submit():
            business = None
            if form.business_started.data:
                business = {k: getattr(form, k).data for k in ("name", "kind", "sector", "nib", "pirt", "halal",
                                                               "monthly_revenue", "workers", "business_group",
                                                               "started_on")}
            if submit(fu.record_outcome, cid, f.id, done_on=form.done_on.data,
                      is_business_started=form.business_started.data, business=business, notes=form.notes.data,
                      actor=current_user, form=form, success="Hasil pendampingan disimpan."):
                return redirect(url_for("training.followups"))
    resident = _residents([f.enrolment.resident_id]).get(f.enrolment.resident_id)
    return render_template("training/followup.html", f=f, form=form, resident=resident,
                           sector_labels=fu.SECTOR_LABELS)


@bp.route("/dashboard")
@roles_required(*STAFF)
def dashboard():
    """The funnel (trained -> businesses -> loans -> repaying on time) and participant breakdowns."""
    cid = coop_id()
    rows = reports.participants(cid)
    funnel = reports.funnel(cid, as_of=business_today())
    breakdowns = {dim: reports.breakdown(rows, dim) for dim in reports.DIMENSIONS}
    return render_template("training/dashboard.html", funnel=funnel, breakdowns=breakdowns,
                           dimensions=reports.DIMENSIONS, total=len(rows), loans=reports.business_loans(cid),
                           completed=sum(1 for r in rows if r["status"] == "completed"))


@bp.route("/reports")
@roles_required(*STAFF)
def report():
    cid = coop_id()
    rows = reports.participants(cid)
    dim = request.args.get("by", "cohort")
    if dim not in reports.DIMENSIONS:
        dim = "cohort"
    return render_template("training/reports.html", rows=rows, dim=dim, dimensions=reports.DIMENSIONS,
                           groups=reports.breakdown(rows, dim))


@bp.route("/reports.xlsx")
@roles_required(*STAFF)
def report_xlsx():
    data = reports.to_xlsx(coop_id())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="laporan-pelatihan.xlsx"'})


def dashboard_panel(user):
    if user.role not in STAFF and user.role != MEMBER:
        return None
    if user.role == MEMBER:
        return {"title": "Pelatihan", "template": "training/_panel_member.html"}
    return {"title": "Pelatihan kewirausahaan", "template": "training/_panel.html",
            "training_funnel": reports.funnel(user.cooperative_id, as_of=business_today())}

