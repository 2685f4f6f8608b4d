"""Read models of the training pages (issue 16, item 4): what the HTML views show, so the blueprint runs no
query of its own; and who may see an enrolment (a member only their own: ``viewer``). Reads only."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from coop.auth.models import Cooperative, User
from coop.auth.roles import MEMBER
from coop.db import db
from coop.errors import NotFound
from coop.paging import Page, fetch_page
from coop.registry.models import Resident
from coop.training import services
from coop.training.models import Certificate, Cohort, Enrolment, FollowUp, Program


def residents_by_id(cooperative_id: int, ids: Iterable[int]) -> dict[int, Resident]:
    """The cooperative's residents among ``ids``, by id (another cooperative's are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {r.id: r for r in db.session.scalars(sa.select(Resident).where(
        Resident.id.in_(wanted), Resident.cooperative_id == cooperative_id))}


@dataclass
class StaffOverview:
    cohorts: list[Cohort]
    programs: list[Program]
    followups_open: int


def staff_overview(cooperative_id: int) -> StaffOverview:
    """The staff's first page: the 50 latest cohorts (open first), every programme, open follow-ups."""
    cohorts = list(db.session.scalars(sa.select(Cohort).where(Cohort.cooperative_id == cooperative_id)
                                      .order_by(Cohort.is_open.desc(), Cohort.starts_on.desc()).limit(50)))
    programs = list(db.session.scalars(sa.select(Program).where(Program.cooperative_id == cooperative_id)
                                       .order_by(Program.name)))
    due = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp).where(
        FollowUp.cooperative_id == cooperative_id, FollowUp.status == "open")) or 0
    return StaffOverview(cohorts, programs, due)


@dataclass
class ApplicantOverview:
    """A member's (or resident login's) page: open cohorts with the eligibility verdict for them, and their
    own enrolments."""
    resident_id: int | None
    open_cohorts: list[Cohort]
    mine: list[Enrolment] = field(default_factory=list)
    verdicts: dict = field(default_factory=dict)

    @property
    def by_cohort(self) -> dict[int, Enrolment]:
        return {e.cohort_id: e for e in self.mine}


def applicant_overview(cooperative_id: int, viewer: User, as_of: date) -> ApplicantOverview:
    """What ``viewer`` may apply to on ``as_of`` (cohorts open and not ended) and what they applied to."""
    resident_id = services.resident_for_user(viewer)
    out = ApplicantOverview(resident_id, list(db.session.scalars(sa.select(Cohort).where(
        Cohort.cooperative_id == cooperative_id, Cohort.is_open.is_(True), Cohort.ends_on >= as_of)
        .order_by(Cohort.starts_on))))
    if resident_id:
        out.mine = list(db.session.scalars(sa.select(Enrolment).where(
            Enrolment.cooperative_id == cooperative_id, Enrolment.resident_id == resident_id)
            .order_by(Enrolment.id.desc())))
        resident = services.resident_for_training(cooperative_id, resident_id)
        out.verdicts = {c.id: services.check_eligibility(cooperative_id, c, resident) for c in out.open_cohorts}
    return out


def resident_candidates(cooperative_id: int, text: str, limit: int = 20) -> list[Resident]:
    """Residents whose name contains ``text`` (the cohort page's "enrol someone" search)."""
    if not text:
        return []
    return list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cooperative_id, Resident.full_name.ilike(f"%{text}%"))
        .order_by(Resident.full_name).limit(limit)))


def visible_enrolment(cooperative_id: int, enrolment_id: int, *, viewer: User) -> Enrolment:
    """The enrolment, when ``viewer`` may see it: staff see the cooperative's, a member (or resident login)
    only their own; any other is a 404, like another cooperative's."""
    e = services.get_enrolment(cooperative_id, enrolment_id)
    if viewer.role == MEMBER and e.resident_id != services.resident_for_user(viewer):
        raise NotFound("Pendaftaran pelatihan tidak ditemukan.")
    return e


def visible_certificate(cooperative_id: int, certificate_id: int, *, viewer: User) -> Certificate:
    """The certificate, when ``viewer`` may see its enrolment (:func:`visible_enrolment`); else 404."""
    cert = services.get_certificate(cooperative_id, certificate_id)
    visible_enrolment(cooperative_id, cert.enrolment_id, viewer=viewer)
    return cert


def resident_and_cooperative(e: Enrolment) -> tuple[Resident, Cooperative]:
    """The participant and the cooperative of enrolment ``e`` (for a certificate)."""
    return db.session.get(Resident, e.resident_id), db.session.get(Cooperative, e.cooperative_id)


def user(user_id: int | None) -> User | None:
    """The user ``user_id`` (who revoked a certificate), or None."""
    return db.session.get(User, user_id) if user_id else None


def followups(cooperative_id: int, status: str, *, page: int = 1, per_page: int = 25) -> Page:
    """Follow-ups by due date, ``open`` or ``done`` (any other ``status``: all of them)."""
    stmt = sa.select(FollowUp).where(FollowUp.cooperative_id == cooperative_id)
    if status in ("open", "done"):
        stmt = stmt.where(FollowUp.status == status)
    return fetch_page(stmt.order_by(FollowUp.due_on, FollowUp.id), page, per_page)


@dataclass
class PublicCertificate:
    """What the public verification page shows of a certificate: its holder's name and its cooperative."""
    certificate: Certificate
    name: str
    cooperative: Cooperative


def public_certificate(token: str) -> PublicCertificate | None:
    """The certificate with this QR token, its holder's name and cooperative (no login: the token is the
    key), or None."""
    cert = services.get_certificate_by_token(token)
    if cert is None:
        return None
    resident = db.session.get(Resident, cert.enrolment.resident_id)
    return PublicCertificate(cert, resident.full_name, db.session.get(Cooperative, cert.cooperative_id))
