"""HTML pages: community parenting (pillar 3), built for the facilitator's phone. The at-risk list is
the first page; add a child with consent; take attendance with one tap per child; the quarterly report.

Officer, admin and facilitator only: every other role gets 404 on every page of the area (a child's
existence is not revealed), like another cooperative's object.
"""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from coop.auth.roles import PARENTING
from coop.blueprints.common import business_today, coop_id
from coop.db import atomic, db
from coop.errors import CoopError, NotFound
from coop.i18n import N_
from coop.parenting import reports, rules, services
from coop.parenting.forms import ChildForm, ContactForm, CsrfForm, GroupForm, SessionForm, WithdrawForm
from coop.parenting.models import Child, ParentingGroup, ParentingSession
from coop.registry.models import Resident

bp = Blueprint("parenting", __name__, url_prefix="/parenting")


def parenting_required(view):
    """Logged in, and officer, admin or facilitator; any other role: 404."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in PARENTING:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


@bp.app_context_processor
def _labels():
    return {"parenting_kind_labels": rules.SESSION_KIND_LABELS, "parenting_risk_labels": rules.RISK_LABELS,
            "parenting_school_labels": rules.SCHOOL_STATUS_LABELS,
            "parenting_contact_labels": rules.CONTACT_METHOD_LABELS,
            "parenting_consent_labels": rules.CONSENT_METHOD_LABELS}


def _try(fn, *args, form=None, **kwargs):
    try:
        return atomic(fn, *args, **kwargs), None
    except CoopError as exc:
        if form is not None:
            for name, msgs in exc.fields.items():
                f = getattr(form, name.split(".")[0].replace("consent", "consent_given_by"), None)
                if f is not None:
                    f.errors = list(f.errors) + list(msgs)
        flash(exc.message, "error")
        return None, exc


def _groups() -> list[ParentingGroup]:
    return list(db.session.scalars(sa.select(ParentingGroup).where(
        ParentingGroup.cooperative_id == coop_id()).order_by(ParentingGroup.name)))


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
    kids = list(db.session.scalars(services.active_children(coop_id()).order_by(Child.id)))
    rows = atomic(services.list_children, coop_id(), kids, as_of=business_today(), actor=current_user,
                  where="web.children")
    rows.sort(key=lambda r: (r["group_name"] or "", r["full_name"]))
    return render_template("parenting/children.html", rows=rows)


def _candidates(cid: int) -> tuple[list[Resident], list[Resident]]:
    """Children (anak/cucu) on a KK whose kepala keluarga, suami or istri is a PMI aktif/purna, not yet
    registered; and the other members of those households (caregivers and consent givers)."""
    parent = sa.orm.aliased(Resident)
    pmi_households = sa.select(parent.household_id).where(
        parent.cooperative_id == cid, parent.relationship.in_(rules.PARENT_RELATIONSHIPS),
        parent.pmi_status.in_(rules.MIGRANT_STATUSES))
    registered = sa.select(Child.resident_id).where(Child.cooperative_id == cid,
                                                    Child.consent_withdrawn_on.is_(None))
    kids = list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cid, Resident.status == "hidup",
        Resident.relationship.in_(rules.CHILD_RELATIONSHIPS), Resident.household_id.in_(pmi_households),
        Resident.id.not_in(registered)).order_by(Resident.full_name)))
    adults = list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cid, Resident.status == "hidup",
        Resident.household_id.in_({k.household_id for k in kids}),
        Resident.relationship.not_in(rules.CHILD_RELATIONSHIPS)).order_by(Resident.full_name))) if kids else []
    return kids, adults


@bp.route("/children/new", methods=["GET", "POST"])
@parenting_required
def new_child():
    cid = coop_id()
    kids, adults = _candidates(cid)
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
        child, _err = _try(services.create_child, cid, resident_id=form.resident_id.data,
                           caregiver_resident_id=form.caregiver_resident_id.data, consent=consent,
                           group_id=form.group_id.data, school_status=form.school_status.data,
                           school_name=form.school_name.data, as_of=business_today(), actor=current_user,
                           form=form)
        if child is not None:
            flash(_("Data anak tersimpan dengan persetujuan."), "success")
            return redirect(url_for("parenting.child", child_id=child.id))
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
        ok, _err = _try(services.add_contact, coop_id(), child_id, contacted_on=form.contacted_on.data,
                        method=form.method.data, note=form.note.data, as_of=business_today(), actor=current_user)
        if ok is not None:
            flash(_("Kontak dengan orang tua tercatat."), "success")
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
        ok, _err = _try(services.withdraw_consent, coop_id(), child_id, withdrawn_on=form.withdrawn_on.data,
                        reason=form.reason.data, as_of=business_today(), actor=current_user)
        if ok is not None:
            flash(_("Persetujuan ditarik: data anak disembunyikan."), "success")
            return redirect(url_for("parenting.children"))
    else:
        flash(_("Periksa isian penarikan persetujuan."), "error")
    return redirect(url_for("parenting.child", child_id=child_id))


@bp.route("/groups", methods=["GET", "POST"])
@parenting_required
def groups():
    form = GroupForm()
    if form.validate_on_submit():
        g, _err = _try(services.create_group, coop_id(), name=form.name.data, facilitator=form.facilitator.data,
                       actor=current_user, form=form)
        if g is not None:
            flash(_("Kelompok tersimpan."), "success")
            return redirect(url_for("parenting.groups"))
    counts = dict(db.session.execute(sa.select(Child.group_id, sa.func.count()).where(
        Child.cooperative_id == coop_id(), Child.consent_withdrawn_on.is_(None)).group_by(Child.group_id)).all())
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
        s, _err = _try(services.create_session, coop_id(), kind=form.kind.data, held_on=form.held_on.data,
                       topic=form.topic.data, facilitator=form.facilitator.data, group_id=form.group_id.data,
                       actor=current_user, form=form)
        if s is not None:
            flash(_("Sesi tersimpan. Catat kehadirannya."), "success")
            return redirect(url_for("parenting.attendance", parenting_session_id=s.id))
    rows = list(db.session.scalars(sa.select(ParentingSession).where(
        ParentingSession.cooperative_id == coop_id()).order_by(ParentingSession.held_on.desc(),
                                                               ParentingSession.id.desc()).limit(100)))
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
        out, _err = _try(services.record_attendance, cid, s.id, children=child_ids, caregivers=carer_ids,
                         actor=current_user)
        if out is not None:
            flash(_("Kehadiran tersimpan: %(children)s anak, %(caregivers)s pengasuh.", children=out["children"],
                    caregivers=out["caregivers"]), "success")
            return redirect(url_for("parenting.attendance", parenting_session_id=s.id))
    kids = list(db.session.scalars(services.active_children(cid)))
    kids.sort(key=lambda c: (c.group_id != s.group_id, c.id))
    people = {r.id: r for r in db.session.scalars(sa.select(Resident).where(
        Resident.id.in_({c.resident_id for c in kids} | {c.caregiver_resident_id for c in kids})))} if kids else {}
    marked = {a.resident_id for a in services.attendance_of(cid, s.id)}
    carers = sorted({c.caregiver_resident_id for c in kids if c.group_id == s.group_id or s.group_id is None},
                    key=lambda rid: people[rid].full_name)
    return render_template("parenting/attendance.html", s=s, kids=kids, people=people, marked=marked,
                           carers=carers, form=form)


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
    kids = list(db.session.scalars(services.active_children(user.cooperative_id)))
    risks = services.risk_by_child(kids, business_today())
    return {"title": N_("Parenting"), "template": "parenting/_panel.html", "children": len(kids),
            "at_risk": sum(1 for s in risks.values() if s)}

