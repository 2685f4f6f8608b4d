"""Follow-up (pendampingan) after training and the businesses trainees start.

A daily job creates the 3- and 6-month tasks of every completion that has reached them; the officer
records the outcome (business started, kind, NIB, PIRT, halal, revenue, workers, business group).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop import audit
from coop.db import db
from coop.errors import Conflict, NotFound, ValidationError
from coop.text import N_
from coop.training import rules
from coop.training.models import Business, Enrolment, FollowUp
from coop.training.services import _valid_id, get_enrolment, resident_for_training

SECTORS = ("pangan", "kerajinan", "peternakan", "pertanian", "jasa", "perdagangan", "lainnya")
SECTOR_LABELS = {"pangan": N_("Pangan"), "kerajinan": N_("Kerajinan"), "peternakan": N_("Peternakan"),
                 "pertanian": N_("Pertanian"), "jasa": N_("Usaha jasa"), "perdagangan": N_("Perdagangan"),
                 "lainnya": N_("Lainnya")}


def get_followup(cooperative_id: int, followup_id: int) -> FollowUp:
    f = db.session.get(FollowUp, followup_id) if _valid_id(followup_id) else None
    if f is None or f.cooperative_id != cooperative_id:
        raise NotFound("Tugas pendampingan tidak ditemukan.")
    return f


def get_business(cooperative_id: int, business_id: int) -> Business:
    b = db.session.get(Business, business_id) if _valid_id(business_id) else None
    if b is None or b.cooperative_id != cooperative_id:
        raise NotFound("Usaha tidak ditemukan.")
    return b


def create_due_followups(cooperative_id: int, as_of: date) -> int:
    """Create every follow-up task due on or before ``as_of`` that does not exist yet (idempotent).

    Selects only completions old enough for their 3-month task (``completed_on <= as_of - 3 months``)
    that still miss a task, so the daily run costs what is due.
    """
    created = 0
    for months in rules.FOLLOW_UP_MONTHS:
        # completed_on + months <= as_of. Month-end clamping (30 Nov + 3 = 28 Feb) can make a task due a
        # few days "early", so prefilter with 3 days of slack and decide exactly per row.
        cutoff = rules.add_months(as_of, -months) + timedelta(days=3)
        missing = sa.select(Enrolment).where(
            Enrolment.cooperative_id == cooperative_id, Enrolment.status == "completed",
            Enrolment.completed_on <= cutoff,
            ~sa.exists().where(FollowUp.enrolment_id == Enrolment.id, FollowUp.months == months))
        for enrolment in db.session.scalars(missing.order_by(Enrolment.id)):
            due_on = rules.add_months(enrolment.completed_on, months)
            if due_on > as_of:
                continue
            db.session.add(FollowUp(cooperative_id=cooperative_id, enrolment_id=enrolment.id, months=months,
                                    due_on=due_on, status="open"))
            created += 1
    db.session.flush()
    if created:
        audit.record(None, "training.followups_create", "cooperative", cooperative_id, {"created": created},
                     cooperative_id=cooperative_id)
    return created


def record_outcome(cooperative_id: int, followup_id: int, *, done_on: date, is_business_started: bool,
                   business: dict | None = None, notes: str | None = None, actor=None) -> FollowUp:
    """Record a follow-up's outcome. When a business was started, create or update the trainee's
    business (``business``: name, kind, sector, nib, pirt, halal, monthly_revenue, workers,
    business_group, started_on)."""
    followup = get_followup(cooperative_id, followup_id)
    if followup.status == "done":
        raise Conflict("Hasil pendampingan ini sudah dicatat.", code="already_recorded")
    enrolment = followup.enrolment
    biz = None
    if is_business_started:
        data = dict(business or {})
        fields = {}
        if not (data.get("name") or "").strip():
            fields["name"] = ["wajib diisi"]
        if not (data.get("kind") or "").strip():
            fields["kind"] = ["wajib diisi"]
        if data.get("sector") and data["sector"] not in SECTORS:
            fields["sector"] = ["pilihan: " + ", ".join(SECTORS)]
        for key in ("monthly_revenue", "workers"):
            v = data.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                fields[key] = ["harus bilangan bulat >= 0"]
        if fields:
            raise ValidationError("Data usaha tidak lengkap.", fields=fields)
        biz = db.session.scalar(sa.select(Business).where(Business.cooperative_id == cooperative_id,
                                                          Business.enrolment_id == enrolment.id))
        if biz is None:
            biz = Business(cooperative_id=cooperative_id, resident_id=enrolment.resident_id,
                           enrolment_id=enrolment.id)
            db.session.add(biz)
        biz.name = data["name"].strip()
        biz.kind = data["kind"].strip()
        biz.sector = data.get("sector") or "lainnya"
        for key in ("nib", "pirt", "halal", "business_group"):
            biz_val = (data.get(key) or "").strip() or None
            setattr(biz, key, biz_val)
        biz.monthly_revenue = data.get("monthly_revenue") or 0
        biz.workers = data.get("workers") if data.get("workers") is not None else 1
        biz.started_on = data.get("started_on") or biz.started_on
        biz.is_active = True
        db.session.flush()
    followup.status = "done"
    followup.done_on = done_on
    followup.is_business_started = bool(is_business_started)
    followup.business_id = biz.id if biz else None
    followup.notes = notes or None
    followup.recorded_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "training.followup", "training_followup", followup.id,
                 {"business_started": bool(is_business_started), "business_id": followup.business_id},
                 cooperative_id=cooperative_id)
    return followup


def create_business(cooperative_id: int, *, resident_id: int, name: str, kind: str, sector: str = "lainnya",
                    enrolment_id: int | None = None, nib: str | None = None, pirt: str | None = None,
                    halal: str | None = None, monthly_revenue: int = 0, workers: int = 1,
                    business_group: str | None = None, started_on: date | None = None, actor=None) -> Business:
    """Register a business directly (e.g. one that existed before training)."""

    resident = resident_for_training(cooperative_id, resident_id)
    if enrolment_id is not None and get_enrolment(cooperative_id, enrolment_id).resident_id != resident.id:
        raise ValidationError("Pendaftaran bukan milik warga ini.", fields={"enrolment_id": ["tidak cocok"]})
    if sector not in SECTORS:
        raise ValidationError("Sektor tidak dikenal.", fields={"sector": ["pilihan: " + ", ".join(SECTORS)]})
    biz = Business(cooperative_id=cooperative_id, resident_id=resident.id, enrolment_id=enrolment_id, name=name,
                   kind=kind, sector=sector, nib=nib, pirt=pirt, halal=halal, monthly_revenue=monthly_revenue,
                   workers=workers, business_group=business_group, started_on=started_on, is_active=True)
    db.session.add(biz)
    db.session.flush()
    audit.record(actor, "training.business_create", "training_business", biz.id, {"name": name},
                 cooperative_id=cooperative_id)
    return biz
