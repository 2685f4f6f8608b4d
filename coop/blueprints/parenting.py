"""HTML pages: community parenting (pillar 3), built for the facilitator's phone. The at-risk list is
the first page; add a child with consent; take attendance with one tap per child; the quarterly report.

Officer, admin and facilitator only: every other role gets 404 on every page of the area (a child's
existence is not revealed), like another cooperative's object.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from coop.auth.roles import PARENTING
from coop.blueprints.common import business_today, coop_id, submit
from coop.db import atomic
from coop.errors import NotFound
from coop.i18n import N_
from coop.parenting import queries, reports, rules, services
from coop.parenting.forms import ChildForm, ContactForm, CsrfForm, GroupForm, SessionForm, WithdrawForm
from coop.parenting.models import ParentingGroup

bp = Blueprint("parenting", __name__, url_prefix="/parenting")


def parenting_required(view):
    """Logged in, and officer, admin or facilitator; any other role: 404."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in PARENTING:
            abort(404)
        return view(*args, **kwargs)
    wrapped._coop_roles = PARENTING
    return wrapped


@bp.app_context_processor
def _labels():
    return {"parenting_kind_labels": rules.SESSION_KIND_LABELS, "parenting_risk_labels": rules.RISK_LABELS,
            "parenting_school_labels": rules.SCHOOL_STATUS_LABELS,
            "parenting_contact_labels": rules.CONTACT_METHOD_LABELS,
            "parenting_consent_labels": rules.CONSENT_METHOD_LABELS}


#: the services name the consent giver ``consent.*``; the form's field is ``consent_given_by``
_FIELDS = {"consent": "consent_given_by"}


def _groups() -> list[ParentingGroup]:
    return queries.groups(coop_id())


def _group_choices() -> list:
    return [("", _("Tanpa kelompok"))] + [(g.id, g.name) for g in _groups()]


@bp.route("/")
@parenting_required
def index():
    """The facilitator's first page: children with a risk sign."""
    as_of = business_today()
    rows = atomic(services.at_risk, coop_id(), as_of=as_of, actor=current_user, where="web")
    return render_template("parenting/index.html", rows=rows, as_of=as_of)


@bp.route("/children")
@parenting_required
def children():
    kids = queries.active_children(coop_id())
    rows = atomic(services.list_children, coop_id(), kids, as_of=business_today(), actor=current_user,
                  where="web.children")
    rows.sort(key=lambda r: (r["group_name"] or "", r["full_name"]))
    return render_template("parenting/children.html", rows=rows)


@bp.route("/children/new", methods=["GET", "POST"])
@parenting_required
def new_child():
    cid = coop_id()
    kids, adults = queries.candidates(cid)
    form = ChildForm()
    form.resident_id.choices = [(k.id, k.full_name) for k in kids]
    form.caregiver_resident_id.choices = [(a.id, a.full_name) for a in adults]
    form.consent_given_by.choices = [(a.id, a.full_name) for a in adults]
    form.group_id.choices = _group_choices()
    if request.method == "GET":
        form.consent_given_on.data = business_today()
    if form.validate_on_submit():
        consent = {"given_by_resident_id": form.consent_given_by.data, "given_on": form.consent_given_on.data,
                   "method": form.consent_method.data}
        done = submit(services.create_child, cid, resident_id=form.resident_id.data,
                      caregiver_resident_id=form.caregiver_resident_id.data, consent=consent,
                      group_id=form.group_id.data, school_status=form.school_status.data,
                      school_name=form.school_name.data, as_of=business_today(), actor=current_user,
                      form=form, field_names=_FIELDS)
        if done:
            flash(_("Data anak tersimpan dengan persetujuan."), "success")
            return redirect(url_for("parenting.child", child_id=done.value.id))
    return render_template("parenting/child_form.html", form=form, kids=kids)


@bp.route("/children/<int:child_id>")
@parenting_required
def child(child_id: int):
    try:
        data = atomic(services.read_child, coop_id(), child_id, as_of=business_today(), actor=current_user,
                      where="web.child")
    except NotFound:
        abort(404)
    contact = ContactForm()
    contact.contacted_on.data = business_today()
    withdraw = WithdrawForm()
    withdraw.withdrawn_on.data = business_today()
    return render_template("parenting/child.html", c=data, contact=contact, withdraw=withdraw)


@bp.route("/children/<int:child_id>/contacts", methods=["POST"])
@parenting_required
def add_contact(child_id: int):
    try:
        services.get_child(coop_id(), child_id)
    except NotFound:
        abort(404)
    form = ContactForm()
    if form.validate_on_submit():
        submit(services.add_contact, coop_id(), child_id, contacted_on=form.contacted_on.data,
               method=form.method.data, note=form.note.data, as_of=business_today(), actor=current_user,
               success=N_("Kontak dengan orang tua tercatat."))
    else:
        flash(_("Periksa isian kontak."), "error")
    return redirect(url_for("parenting.child", child_id=child_id))


@bp.route("/children/<int:child_id>/consent-withdrawal", methods=["POST"])
@parenting_required
def withdraw(child_id: int):
    try:
        services.get_child(coop_id(), child_id)
    except NotFound:
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        if submit(services.withdraw_consent, coop_id(), child_id, withdrawn_on=form.withdrawn_on.data,
                  reason=form.reason.data, as_of=business_today(), actor=current_user,
                  success=N_("Persetujuan ditarik: data anak disembunyikan.")):
            return redirect(url_for("parenting.children"))
    else:
        flash(_("Periksa isian penarikan persetujuan."), "error")
    return redirect(url_for("parenting.child", child_id=child_id))


@bp.route("/groups", methods=["GET", "POST"])
@parenting_required
def groups():
    form = GroupForm()
    if form.validate_on_submit():
        if submit(services.create_group, coop_id(), name=form.name.data, facilitator=form.facilitator.data,
                  actor=current_user, form=form, success=N_("Kelompok tersimpan.")):
            return redirect(url_for("parenting.groups"))
    counts = queries.children_per_group(coop_id())
    return render_template("parenting/groups.html", form=form, groups=_groups(), counts=counts)


@bp.route("/sessions", methods=["GET", "POST"])
@parenting_required
def sessions():
    form = SessionForm()
    form.group_id.choices = _group_choices()
    if request.method == "GET":
        form.held_on.data = business_today()
        form.facilitator.data = current_user.full_name
    if form.validate_on_submit():
        done = submit(services.create_session, coop_id(), kind=form.kind.data, held_on=form.held_on.data,
                      topic=form.topic.data, facilitator=form.facilitator.data, group_id=form.group_id.data,
                      actor=current_user, form=form, success=N_("Sesi tersimpan. Catat kehadirannya."))
        if done:
            return redirect(url_for("parenting.attendance", parenting_session_id=done.value.id))
    rows = queries.recent_sessions(coop_id())
    names = {g.id: g.name for g in _groups()}
    return render_template("parenting/sessions.html", form=form, rows=rows, group_names=names)


@bp.route("/sessions/<int:parenting_session_id>/attendance", methods=["GET", "POST"])
@parenting_required
def attendance(parenting_session_id: int):
    """One tap per child: the session's group first, then every other registered child."""
    cid = coop_id()
    try:
        s = services.get_session(cid, parenting_session_id)
    except NotFound:
        abort(404)
    form = CsrfForm()
    if form.validate_on_submit():
        child_ids = [int(v) for v in request.form.getlist("child") if v.isdigit()]
        carer_ids = [int(v) for v in request.form.getlist("caregiver") if v.isdigit()]
        done = submit(services.record_attendance, cid, s.id, children=child_ids, caregivers=carer_ids,
                      actor=current_user)
        if done:
            flash(_("Kehadiran tersimpan: %(children)s anak, %(caregivers)s pengasuh.",
                    children=done.value["children"], caregivers=done.value["caregivers"]), "success")
            return redirect(url_for("parenting.attendance", parenting_session_id=s.id))
    sheet = queries.attendance_sheet(cid, s)
    return render_template("parenting/attendance.html", s=s, kids=sheet.kids, people=sheet.people,
                           marked=sheet.marked, carers=sheet.carers, form=form)


def report_labels() -> dict:
    """Translated row headings of the quarterly report (page and XLSX)."""
    out = {"title": _("Laporan triwulan parenting"), "period": _("Periode"), "children": _("Anak terdaftar"),
           "children_attending": _("Anak yang hadir"), "caregivers": _("Pengasuh yang hadir"),
           "sessions": _("Sesi"), "attendance_children": _("Kehadiran anak"),
           "attendance_caregivers": _("Kehadiran pengasuh"),
           "average_score_gain": _("Rata-rata kenaikan skor (post - pre)"),
           "children_at_risk": _("Anak dengan tanda risiko")}
    out.update({f"kind.{k}": _("Sesi: %(kind)s", kind=_(v)) for k, v in rules.SESSION_KIND_LABELS.items()})
    out.update({f"risk.{k}": _("Risiko: %(sign)s", sign=_(v)) for k, v in rules.RISK_LABELS.items()})
    return out


def _quarter_arg() -> str:
    q = request.args.get("quarter") or rules.quarter_of(business_today())
    return q if rules.parse_quarter(q) else rules.quarter_of(business_today())


@bp.route("/reports")
@parenting_required
def report():
    q = _quarter_arg()
    data = reports.quarterly(coop_id(), q, as_of=business_today())
    return render_template("parenting/report.html", r=data, labels=report_labels())


@bp.route("/reports.xlsx")
@parenting_required
def report_xlsx():
    q = _quarter_arg()
    data = reports.quarterly_xlsx(reports.quarterly(coop_id(), q, as_of=business_today()), report_labels())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="parenting-{q}.xlsx"'})


def dashboard_panel(user):
    """Home-page panel: how many children, how many at risk."""
    if user.role not in PARENTING:
        return None
    kids = queries.active_children(user.cooperative_id)
    risks = services.risk_by_child(kids, business_today())
    return {"title": N_("Parenting"), "template": "parenting/_panel.html", "children": len(kids),
            "at_risk": sum(1 for s in risks.values() if s)}

