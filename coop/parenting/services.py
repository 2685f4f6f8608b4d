"""Community parenting services: children (with consent), groups, sessions, attendance, parent contacts,
the at-risk list and the quarterly report. Services flush and never commit (``coop.db.atomic`` at the
boundary); every read of a child's record and every list of children writes an audit row.

No child's NIK leaves this module: the dicts it returns carry names and ids only.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from coop import audit
from coop.db import db, utcnow
from coop.errors import NotFound, ValidationError
from coop.parenting import rules
from coop.parenting.models import (
    Child,
    ChildParent,
    ParentContact,
    ParentingGroup,
    ParentingSession,
    SessionAttendance,
)
from coop.registry.models import Resident

__all__ = ["create_group", "get_group", "create_session", "get_session", "create_child", "get_child",
           "read_child", "migrant_parents", "record_attendance", "add_contact", "withdraw_consent",
           "at_risk", "risk_by_child", "active_children"]


def _future(field: str, day: date, as_of: date) -> None:
    if day > as_of:
        raise ValidationError("Tanggal tidak boleh setelah hari ini.", code="future_date",
                              fields={field: ["Tanggal tidak boleh setelah hari ini."]})


def _resident(cooperative_id: int, resident_id, field: str) -> Resident:
    r = db.session.get(Resident, resident_id) if isinstance(resident_id, int) else None
    if r is None or r.cooperative_id != cooperative_id:
        raise ValidationError("Data tidak valid.", fields={field: ["Penduduk tidak ditemukan."]})
    return r


# --------------------------------------------------------------------------------------------
# Groups and sessions
# --------------------------------------------------------------------------------------------

def get_group(cooperative_id: int, group_id: int) -> ParentingGroup:
    g = db.session.get(ParentingGroup, group_id)
    if g is None or g.cooperative_id != cooperative_id:
        raise NotFound("Kelompok tidak ditemukan.")
    return g


def _group_field(cooperative_id: int, group_id: int | None) -> ParentingGroup | None:
    if group_id is None:
        return None
    g = db.session.get(ParentingGroup, group_id)
    if g is None or g.cooperative_id != cooperative_id:
        raise ValidationError("Data tidak valid.", fields={"group_id": ["Kelompok tidak ditemukan."]})
    return g


def create_group(cooperative_id: int, *, name: str, facilitator: str | None = None, actor=None) -> ParentingGroup:
    """A new group; names are unique within the cooperative (422 naming ``name`` otherwise)."""
    name = name.strip()
    if not name:
        raise ValidationError("Data tidak valid.", fields={"name": ["Wajib diisi."]})
    taken = db.session.scalar(sa.select(ParentingGroup.id).where(ParentingGroup.cooperative_id == cooperative_id,
                                                                 ParentingGroup.name == name))
    if taken:
        raise ValidationError("Data tidak valid.", fields={"name": ["Nama kelompok sudah dipakai."]})
    g = ParentingGroup(cooperative_id=cooperative_id, name=name, facilitator=(facilitator or "").strip() or None)
    db.session.add(g)
    db.session.flush()
    audit.record(actor, "parenting.group_create", "parenting_group", g.id, {"name": name},
                 cooperative_id=cooperative_id)
    return g


def get_session(cooperative_id: int, session_id: int) -> ParentingSession:
    s = db.session.get(ParentingSession, session_id)
    if s is None or s.cooperative_id != cooperative_id:
        raise NotFound("Sesi tidak ditemukan.")
    return s


def create_session(cooperative_id: int, *, kind: str, held_on: date, topic: str, facilitator: str,
                   group_id: int | None = None, actor=None) -> ParentingSession:
    if kind not in rules.SESSION_KINDS:
        raise ValidationError("Data tidak valid.", fields={"kind": ["Jenis kegiatan tidak dikenal."]})
    _group_field(cooperative_id, group_id)
    s = ParentingSession(cooperative_id=cooperative_id, kind=kind, held_on=held_on, topic=topic.strip(),
                         facilitator=facilitator.strip(), group_id=group_id)
    db.session.add(s)
    db.session.flush()
    audit.record(actor, "parenting.session_create", "parenting_session", s.id,
                 {"kind": kind, "held_on": held_on, "group_id": group_id}, cooperative_id=cooperative_id)
    return s


# --------------------------------------------------------------------------------------------
# Children
# --------------------------------------------------------------------------------------------

def _kk_parents(child: Resident) -> list[Resident]:
    """The parents on the child's KK as API.md reads them: kepala keluarga, suami, istri."""
    return list(db.session.scalars(sa.select(Resident).where(
        Resident.household_id == child.household_id, Resident.id != child.id,
        Resident.relationship.in_(rules.PARENT_RELATIONSHIPS)).order_by(Resident.id)))


def _parent_candidates(cooperative_id: int, child: Resident, named_ids: Iterable[int]) -> list[Resident]:
    seen: dict[int, Resident] = {p.id: p for p in _kk_parents(child)}
    named = sorted(set(named_ids) - set(seen))
    if named:
        for p in db.session.scalars(sa.select(Resident).where(Resident.id.in_(named),
                                                              Resident.cooperative_id == cooperative_id)):
            seen[p.id] = p
    return [seen[k] for k in sorted(seen)]


def migrant_parents(child: Child) -> list[Resident]:
    """The child's parents who are or were PMI (registry ``pmi_status`` aktif or purna)."""
    resident = db.session.get(Resident, child.resident_id)
    candidates = _parent_candidates(child.cooperative_id, resident, [p.resident_id for p in child.named_parents])
    return [p for p in candidates if p.pmi_status in rules.MIGRANT_STATUSES]


def create_child(cooperative_id: int, *, resident_id: int, caregiver_resident_id: int, consent: dict | None,
                 as_of: date, parent_resident_ids: Iterable[int] = (), group_id: int | None = None,
                 school_status: str = "enrolled", school_name: str | None = None, actor=None) -> Child:
    """Register a child: consent first (``422 consent_required``), then eligibility (``422 not_eligible``).

    A child whose consent was withdrawn is registered again on a new consent (the same row, its earlier
    attendance kept); an active record is a 422 naming ``resident_id``.
    """
    if not consent or not consent.get("given_by_resident_id") or not consent.get("given_on") \
            or not consent.get("method"):
        raise ValidationError("Persetujuan orang tua atau wali wajib dicatat sebelum data anak disimpan.",
                              code="consent_required",
                              fields={"consent": ["Persetujuan (pemberi, tanggal, cara) wajib diisi."]})
    if consent["method"] not in rules.CONSENT_METHODS:
        raise ValidationError("Data tidak valid.", fields={"consent.method": ["Cara persetujuan tidak dikenal."]})
    _future("consent.given_on", consent["given_on"], as_of)
    if school_status not in rules.SCHOOL_STATUSES:
        raise ValidationError("Data tidak valid.", fields={"school_status": ["Status sekolah tidak dikenal."]})
    child_r = _resident(cooperative_id, resident_id, "resident_id")
    caregiver = _resident(cooperative_id, caregiver_resident_id, "caregiver_resident_id")
    if caregiver.id == child_r.id:
        raise ValidationError("Data tidak valid.", fields={"caregiver_resident_id": ["Pengasuh bukan anak itu sendiri."]})
    named = sorted(set(parent_resident_ids))
    for i, pid in enumerate(named):
        _resident(cooperative_id, pid, f"parent_resident_ids.{i}")
    if child_r.id in named:
        raise ValidationError("Data tidak valid.", fields={"parent_resident_ids": ["Anak bukan orang tuanya sendiri."]})
    giver = _resident(cooperative_id, consent["given_by_resident_id"], "consent.given_by_resident_id")
    _group_field(cooperative_id, group_id)
    parents = _parent_candidates(cooperative_id, child_r, named)
    if not rules.is_eligible_child(child_r.relationship, [p.pmi_status for p in parents]):
        raise ValidationError("Anak ini tidak memiliki orang tua PMI (aktif atau purna) di data desa.",
                              code="not_eligible",
                              fields={"resident_id": ["Bukan anak PMI (aktif/purna) menurut data desa."]})
    parent_ids = {p.id for p in parents}
    if giver.id in parent_ids:
        relationship = "parent"
    elif giver.id == caregiver.id:
        relationship = "guardian"
    else:
        raise ValidationError("Data tidak valid.", fields={"consent.given_by_resident_id": [
            "Persetujuan diberikan oleh orang tua atau pengasuh anak."]})
    relationship = consent.get("relationship") or relationship
    if relationship not in rules.CONSENT_RELATIONSHIPS:
        raise ValidationError("Data tidak valid.", fields={"consent.relationship": ["Hubungan tidak dikenal."]})

    existing = db.session.scalar(sa.select(Child).where(Child.cooperative_id == cooperative_id,
                                                        Child.resident_id == child_r.id))
    if existing is not None and existing.consent_withdrawn_on is None:
        raise ValidationError("Data tidak valid.", fields={"resident_id": ["Anak ini sudah terdaftar."]})
    values = dict(household_id=child_r.household_id, caregiver_resident_id=caregiver.id, group_id=group_id,
                  school_status=school_status, school_name=(school_name or "").strip() or None,
                  consent_given_by_resident_id=giver.id, consent_relationship=relationship,
                  consent_given_on=consent["given_on"], consent_method=consent["method"],
                  consent_withdrawn_on=None, consent_withdrawal_reason=None)
    if existing is None:
        child = Child(cooperative_id=cooperative_id, resident_id=child_r.id,
                      created_by_id=getattr(actor, "id", None), **values)
        db.session.add(child)
    else:
        child = existing
        for k, v in values.items():
            setattr(child, k, v)
        child.named_parents.clear()
        db.session.flush()
    child.named_parents.extend(ChildParent(cooperative_id=cooperative_id, resident_id=pid) for pid in named)
    db.session.flush()
    audit.record(actor, "parenting.child_create", "parenting_child", child.id,
                 {"consent_given_on": consent["given_on"], "consent_method": consent["method"],
                  "consent_relationship": relationship, "reconsent": existing is not None},
                 cooperative_id=cooperative_id)
    return child


def get_child(cooperative_id: int, child_id: int) -> Child:
    """An active child of the cooperative; another cooperative's, or a withdrawn one, is 404."""
    c = db.session.get(Child, child_id)
    if c is None or c.cooperative_id != cooperative_id or c.consent_withdrawn_on is not None:
        raise NotFound("Data anak tidak ditemukan.")
    return c


def active_children(cooperative_id: int):
    return sa.select(Child).where(Child.cooperative_id == cooperative_id, Child.consent_withdrawn_on.is_(None))


def _names(ids: Iterable[int]) -> dict[int, Resident]:
    ids = set(ids) - {None}
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(sa.select(Resident).where(Resident.id.in_(ids)))}


def child_summaries(children: list[Child], as_of: date) -> list[dict]:
    """List rows (no NIK): id, name, sex, birth date, group, school status, caregiver's name, risk signs."""
    people = _names([c.resident_id for c in children] + [c.caregiver_resident_id for c in children])
    risks = risk_by_child(children, as_of)
    groups = {g.id: g for g in db.session.scalars(sa.select(ParentingGroup).where(
        ParentingGroup.id.in_({c.group_id for c in children if c.group_id})))} if children else {}
    out = []
    for c in children:
        r, cg = people[c.resident_id], people[c.caregiver_resident_id]
        out.append({"id": c.id, "resident_id": c.resident_id, "full_name": r.full_name, "sex": r.sex,
                    "birth_date": r.birth_date, "group_id": c.group_id,
                    "group_name": groups[c.group_id].name if c.group_id else None,
                    "school_status": c.school_status, "caregiver_resident_id": c.caregiver_resident_id,
                    "caregiver_name": cg.full_name, "risk_signs": risks[c.id]})
    return out


def list_children(cooperative_id: int, children: list[Child], *, as_of: date, actor, where: str) -> list[dict]:
    """Rows for a list of children, audited as one read (``parenting.children_read``)."""
    rows = child_summaries(children, as_of)
    if rows:
        audit.record(actor, "parenting.children_read", "parenting_child", None,
                     {"child_ids": [r["id"] for r in rows], "where": where}, cooperative_id=cooperative_id)
        db.session.flush()
    return rows


def read_child(cooperative_id: int, child_id: int, *, as_of: date, actor, where: str = "api") -> dict:
    """The child's record with caregiver, migrant parents, consent, attendance, contacts and risk signs;
    the read is audited (``parenting.child_read``)."""
    c = get_child(cooperative_id, child_id)
    base = child_summaries([c], as_of)[0]
    parents = migrant_parents(c)
    people = _names([c.caregiver_resident_id, c.consent_given_by_resident_id])
    att = db.session.execute(sa.select(ParentingSession, SessionAttendance).join(
        SessionAttendance, SessionAttendance.session_id == ParentingSession.id).where(
        SessionAttendance.cooperative_id == cooperative_id, SessionAttendance.child_id == c.id).order_by(
        ParentingSession.held_on, ParentingSession.id)).all()
    contacts = db.session.scalars(sa.select(ParentContact).where(
        ParentContact.cooperative_id == cooperative_id, ParentContact.child_id == c.id).order_by(
        ParentContact.contacted_on.desc(), ParentContact.id.desc())).all()
    base.update({
        "household_id": c.household_id, "school_name": c.school_name,
        "caregiver": {"resident_id": c.caregiver_resident_id, "full_name": people[c.caregiver_resident_id].full_name,
                      "phone": people[c.caregiver_resident_id].phone},
        "migrant_parents": [{"resident_id": p.id, "full_name": p.full_name, "relationship": p.relationship,
                             "pmi_status": p.pmi_status} for p in parents],
        "consent": {"given_by_resident_id": c.consent_given_by_resident_id,
                    "given_by_name": people[c.consent_given_by_resident_id].full_name,
                    "relationship": c.consent_relationship, "given_on": c.consent_given_on,
                    "method": c.consent_method},
        "attendance": [{"session_id": s.id, "held_on": s.held_on, "kind": s.kind, "topic": s.topic,
                        "pre_score": a.pre_score, "post_score": a.post_score} for s, a in att],
        "contacts": [{"id": k.id, "contacted_on": k.contacted_on, "method": k.method,
                      "parent_resident_id": k.parent_resident_id, "note": k.note} for k in contacts],
    })
    audit.record(actor, "parenting.child_read", "parenting_child", c.id, {"where": where},
                 cooperative_id=cooperative_id)
    db.session.flush()
    return base


def withdraw_consent(cooperative_id: int, child_id: int, *, withdrawn_on: date, as_of: date,
                     reason: str | None = None, actor=None) -> Child:
    """Consent withdrawn: the record is hidden from every list and read and no longer processed (no
    attendance, no contacts); it is kept, not deleted, as the law requires."""
    c = get_child(cooperative_id, child_id)
    _future("withdrawn_on", withdrawn_on, as_of)
    if withdrawn_on < c.consent_given_on:
        raise ValidationError("Data tidak valid.", fields={"withdrawn_on": ["Sebelum tanggal persetujuan."]})
    c.consent_withdrawn_on = withdrawn_on
    c.consent_withdrawal_reason = (reason or "").strip() or None
    db.session.flush()
    audit.record(actor, "parenting.consent_withdraw", "parenting_child", c.id, {"withdrawn_on": withdrawn_on},
                 cooperative_id=cooperative_id)
    return c


# --------------------------------------------------------------------------------------------
# Attendance and contacts
# --------------------------------------------------------------------------------------------

def record_attendance(cooperative_id: int, session_id: int, *, children: Iterable[int],
                      caregivers: Iterable[int] = (), scores: dict | None = None, actor=None) -> dict:
    """Set who came to a session (replacing what was recorded before: taking attendance again corrects it).

    :param children: parenting child ids (active records only).
    :param caregivers: resident ids of caregivers.
    :param scores: ``{resident_id: {"pre", "post"}}`` for attendees (0..100), typically at a workshop.
    """
    s = get_session(cooperative_id, session_id)
    child_ids = sorted(set(children))
    kids = {c.id: c for c in db.session.scalars(active_children(cooperative_id).where(Child.id.in_(child_ids)))} \
        if child_ids else {}
    missing = [i for i in child_ids if i not in kids]
    if missing:
        raise ValidationError("Data tidak valid.", fields={"children": [f"Anak tidak ditemukan: {missing}"]})
    care_ids = sorted(set(caregivers))
    for i, rid in enumerate(care_ids):
        _resident(cooperative_id, rid, f"caregivers.{i}")
    attendees: dict[int, tuple[str, int | None]] = {c.resident_id: ("child", c.id) for c in kids.values()}
    for rid in care_ids:
        if rid in attendees:
            raise ValidationError("Data tidak valid.", fields={"caregivers": ["Anak yang sama dicatat dua kali."]})
        attendees[rid] = ("caregiver", None)
    parsed: dict[int, tuple[int | None, int | None]] = {}
    for key, value in (scores or {}).items():
        rid = int(key) if str(key).isdigit() else None
        if rid is None or rid not in attendees:
            raise ValidationError("Data tidak valid.", fields={f"scores.{key}": ["Bukan peserta sesi ini."]})
        parsed[rid] = (value.get("pre"), value.get("post"))
    db.session.execute(sa.delete(SessionAttendance).where(SessionAttendance.cooperative_id == cooperative_id,
                                                          SessionAttendance.session_id == s.id))
    for rid, (role, child_id) in sorted(attendees.items()):
        pre, post = parsed.get(rid, (None, None))
        db.session.add(SessionAttendance(cooperative_id=cooperative_id, session_id=s.id, resident_id=rid,
                                         child_id=child_id, role=role, pre_score=pre, post_score=post))
    db.session.flush()
    summary = {"children": len(kids), "caregivers": len(care_ids), "scores": len(parsed)}
    audit.record(actor, "parenting.attendance", "parenting_session", s.id, summary, cooperative_id=cooperative_id)
    return {"session_id": s.id, **summary}


def attendance_of(cooperative_id: int, session_id: int) -> list[SessionAttendance]:
    return list(db.session.scalars(sa.select(SessionAttendance).where(
        SessionAttendance.cooperative_id == cooperative_id, SessionAttendance.session_id == session_id).order_by(
        SessionAttendance.id)))


def add_contact(cooperative_id: int, child_id: int, *, contacted_on: date, method: str, as_of: date,
                parent_resident_id: int | None = None, note: str | None = None, actor=None) -> ParentContact:
    """Log a contact between the child and a migrant parent (call, video call, visit)."""
    c = get_child(cooperative_id, child_id)
    if method not in rules.CONTACT_METHODS:
        raise ValidationError("Data tidak valid.", fields={"method": ["Cara kontak tidak dikenal."]})
    _future("contacted_on", contacted_on, as_of)
    if parent_resident_id is not None and parent_resident_id not in {p.id for p in migrant_parents(c)}:
        raise ValidationError("Data tidak valid.", fields={"parent_resident_id": ["Bukan orang tua PMI anak ini."]})
    k = ParentContact(cooperative_id=cooperative_id, child_id=c.id, parent_resident_id=parent_resident_id,
                      contacted_on=contacted_on, method=method, note=(note or "").strip() or None,
                      created_by_id=getattr(actor, "id", None), created_at=utcnow())
    db.session.add(k)
    db.session.flush()
    audit.record(actor, "parenting.contact", "parenting_child", c.id, {"method": method, "on": contacted_on},
                 cooperative_id=cooperative_id)
    return k


# --------------------------------------------------------------------------------------------
# Risk signs
# --------------------------------------------------------------------------------------------

def risk_by_child(children: list[Child], as_of: date) -> dict[int, list[str]]:
    """Risk signs of each child on ``as_of`` (see :func:`coop.parenting.rules.risk_signs`), in 3 queries."""
    if not children:
        return {}
    cid = children[0].cooperative_id
    start = rules.window_start(as_of)
    ids = [c.id for c in children]
    group_days: dict[int, list[date]] = defaultdict(list)
    group_ids = {c.group_id for c in children if c.group_id}
    if group_ids:
        for gid, day in db.session.execute(sa.select(ParentingSession.group_id, ParentingSession.held_on).where(
                ParentingSession.cooperative_id == cid, ParentingSession.group_id.in_(group_ids),
                ParentingSession.held_on.between(start, as_of))):
            group_days[gid].append(day)
    attended: dict[int, list[date]] = defaultdict(list)
    contacts: dict[int, list[date]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for child_id, gid, day in db.session.execute(
                sa.select(SessionAttendance.child_id, ParentingSession.group_id, ParentingSession.held_on).join(
                    ParentingSession, ParentingSession.id == SessionAttendance.session_id).where(
                    SessionAttendance.cooperative_id == cid, SessionAttendance.child_id.in_(chunk),
                    ParentingSession.held_on.between(start, as_of))):
            attended[child_id].append((gid, day))
        for child_id, day in db.session.execute(sa.select(ParentContact.child_id, ParentContact.contacted_on).where(
                ParentContact.cooperative_id == cid, ParentContact.child_id.in_(chunk),
                ParentContact.contacted_on.between(start, as_of))):
            contacts[child_id].append(day)
    return {c.id: rules.risk_signs(
        school_status=c.school_status, group_session_days=group_days.get(c.group_id, []),
        # only the child's own group's sessions count towards its attendance
        attended_days=[d for g, d in attended.get(c.id, []) if g == c.group_id],
        contact_days=contacts.get(c.id, []), as_of=as_of) for c in children}


def at_risk(cooperative_id: int, *, as_of: date, actor, where: str = "api") -> list[dict]:
    """Active children with at least one risk sign (most signs first, then by name); the read is audited."""
    children = list(db.session.scalars(active_children(cooperative_id).order_by(Child.id)))
    rows = [r for r in child_summaries(children, as_of) if r["risk_signs"]]
    rows.sort(key=lambda r: (-len(r["risk_signs"]), r["full_name"], r["id"]))
    if rows:
        audit.record(actor, "parenting.children_read", "parenting_child", None,
                     {"child_ids": [r["id"] for r in rows], "where": f"{where}.at_risk"},
                     cooperative_id=cooperative_id)
        db.session.flush()
    return rows
