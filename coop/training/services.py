"""Training services: programmes, cohorts, enrolment with a waitlist, attendance, completion and
certificates, allowance payments. They flush and raise ``coop.errors``; the boundary commits.

Concurrency: every change to a cohort's places (enrol, cancel, reject, select) first locks the cohort
row (``SELECT ... FOR UPDATE``; on SQLite the transaction already holds the write lock from
``BEGIN IMMEDIATE``) and keeps ``enrolled_count`` in that row, so 20 simultaneous applications to
5 places end as exactly 5 enrolled and 15 waitlisted, and the waitlist order (``seq``) has no gaps
or duplicates.
"""
from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload, selectinload

from coop import audit, datebounds, settings
from coop.auth.models import Cooperative, User
from coop.auth.roles import ADMIN, MANAGER
from coop.auth.services import create_user
from coop.db import db, is_sqlite, utcnow
from coop.errors import Conflict, Forbidden, NotFound, ValidationError
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, post_entry
from coop.membership.services import member_for_user
from coop.registry.services import get_resident
from coop.text import N_
from coop.training import rules
from coop.training.models import (
    ADMISSIONS,
    AllowancePayment,
    Attendance,
    Certificate,
    CertificateCounter,
    Cohort,
    CohortSession,
    Enrolment,
    Program,
)

#: Statuses that hold (or queue for) a place.
ACTIVE = ("enrolled", "waitlisted")


# ---------------------------------------------------------------------------------------------
# Look-ups (tenancy: another cooperative's id is simply not found)
# ---------------------------------------------------------------------------------------------

def _valid_id(obj_id) -> bool:
    """An id a 32-bit key column can hold (a larger one is simply not found, never a database error)."""
    return isinstance(obj_id, int) and not isinstance(obj_id, bool) and 0 < obj_id < 2**31


def _get(model, cooperative_id: int, obj_id: int, what: str):
    obj = db.session.get(model, obj_id) if _valid_id(obj_id) else None
    if obj is None or obj.cooperative_id != cooperative_id:
        raise NotFound(f"{what} tidak ditemukan.")
    return obj


def get_program(cooperative_id: int, program_id: int) -> Program:
    return _get(Program, cooperative_id, program_id, "Program pelatihan")


def get_cohort(cooperative_id: int, cohort_id: int) -> Cohort:
    return _get(Cohort, cooperative_id, cohort_id, "Angkatan pelatihan")


def get_enrolment(cooperative_id: int, enrolment_id: int) -> Enrolment:
    return _get(Enrolment, cooperative_id, enrolment_id, "Pendaftaran pelatihan")


def get_certificate(cooperative_id: int, certificate_id: int) -> Certificate:
    return _get(Certificate, cooperative_id, certificate_id, "Sertifikat pelatihan")


def get_certificate_by_token(token: str) -> Certificate | None:
    """The public verification page's look-up (no cooperative: the token is the key)."""
    return db.session.scalar(sa.select(Certificate).where(Certificate.token == token))


def _lock_cohort(cooperative_id: int, cohort_id: int) -> Cohort:
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.id == cohort_id).options(lazyload(Cohort.program))
        .with_for_update(of=Cohort).execution_options(populate_existing=True))
    if cohort is None or cohort.cooperative_id != cooperative_id:
        raise NotFound("Angkatan pelatihan tidak ditemukan.")
    return cohort


def resident_for_training(cooperative_id: int, resident_id: int):
    """The cooperative's resident ``resident_id`` as training sees it: an unknown id (or another
    cooperative's) is a 422 on ``resident_id`` (``unknown_resident``), as the enrolment form typed it."""

    try:
        return get_resident(cooperative_id, resident_id)
    except NotFound:
        raise ValidationError("Warga tidak ditemukan di registrasi desa.", code="unknown_resident",
                              fields={"resident_id": ["warga tidak ditemukan"]}) from None


def resident_for_user(user) -> int | None:
    """The resident a login stands for: a member's resident, else the user's own ``resident_id``
    (a non-member resident the officer gave a login)."""
    if user is None:
        return None
    member = member_for_user(user)
    if member is not None:
        return member.resident_id
    return getattr(user, "resident_id", None)


# ---------------------------------------------------------------------------------------------
# Programmes and cohorts
# ---------------------------------------------------------------------------------------------

def _required(**values) -> None:
    missing = {k: ["wajib diisi"] for k, v in values.items() if v is None or (isinstance(v, str) and not v.strip())}
    if missing:
        raise ValidationError("Lengkapi data yang wajib.", fields=missing)


def create_program(cooperative_id: int, *, name: str, topic: str, organiser: str, funder: str | None = None,
                   description: str | None = None, actor=None) -> Program:
    """Create a training programme (name, topic, organiser such as Disnaker or BP3MI, funder)."""
    _required(name=name, topic=topic, organiser=organiser)
    program = Program(cooperative_id=cooperative_id, name=name.strip(), topic=topic.strip(),
                      organiser=organiser.strip(), funder=(funder or "").strip() or None,
                      description=description or None)
    db.session.add(program)
    db.session.flush()
    audit.record(actor, "training.program_create", "training_program", program.id,
                 {"name": program.name}, cooperative_id=cooperative_id)
    return program


def create_cohort(cooperative_id: int, *, program_id: int, starts_on: date, ends_on: date, capacity: int,
                  venue: str, sessions: list[date], name: str | None = None, trainers: str | None = None,
                  allowance_amount: int = 0, admission: str = "pmi", actor=None) -> Cohort:
    """Create a cohort (angkatan) with its list of session dates (each within the cohort's dates).

    :param admission: ``pmi`` (PMI purna + keluarga, default), ``pmi_calon`` or ``all``.
    :param allowance_amount: uang saku per participant in rupiah (0 = none).
    """
    program = get_program(cooperative_id, program_id)
    _required(venue=venue)
    fields: dict[str, list[str]] = {}
    if ends_on < starts_on:
        fields["ends_on"] = ["tanggal selesai sebelum tanggal mulai"]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        fields["capacity"] = ["kapasitas minimal 1"]
    if isinstance(allowance_amount, bool) or not isinstance(allowance_amount, int) or allowance_amount < 0:
        fields["allowance_amount"] = ["uang saku harus bilangan bulat rupiah >= 0"]
    if admission not in ADMISSIONS:
        fields["admission"] = ["pilihan: " + ", ".join(ADMISSIONS)]
    days = sorted(set(sessions or []))
    if not days:
        fields["sessions"] = ["minimal satu sesi"]
    elif len(days) != len(sessions):
        fields["sessions"] = ["tanggal sesi ganda"]
    elif days[0] < starts_on or days[-1] > ends_on:
        fields["sessions"] = ["tanggal sesi harus di antara tanggal mulai dan selesai"]
    if fields:
        raise ValidationError("Data angkatan tidak valid.", fields=fields)
    if not name:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Cohort).where(
            Cohort.cooperative_id == cooperative_id, Cohort.program_id == program.id)) or 0
        name = f"Angkatan {count + 1}"
    cohort = Cohort(cooperative_id=cooperative_id, program_id=program.id, name=name.strip(), starts_on=starts_on,
                    ends_on=ends_on, capacity=capacity, enrolled_count=0, venue=venue.strip(),
                    trainers=trainers or None, allowance_amount=allowance_amount, admission=admission,
                    is_open=True)
    db.session.add(cohort)
    db.session.flush()
    for d in days:
        db.session.add(CohortSession(cooperative_id=cooperative_id, cohort_id=cohort.id, held_on=d))
    db.session.flush()
    audit.record(actor, "training.cohort_create", "training_cohort", cohort.id,
                 {"program_id": program.id, "capacity": capacity, "sessions": len(days)},
                 cooperative_id=cooperative_id)
    return cohort


def set_cohort_open(cooperative_id: int, cohort_id: int, is_open: bool, *, actor=None) -> Cohort:
    """Open or close a cohort for new applications."""
    cohort = _lock_cohort(cooperative_id, cohort_id)
    cohort.is_open = bool(is_open)
    audit.record(actor, "training.cohort_open" if is_open else "training.cohort_close", "training_cohort",
                 cohort.id, {"is_open": cohort.is_open}, cooperative_id=cooperative_id)
    return cohort


def enrolments_of(cohort_id: int) -> list[Enrolment]:
    """A cohort's enrolments in application order."""
    return list(db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort_id)
                                   .options(selectinload(Enrolment.certificate)).order_by(Enrolment.seq)))


# ---------------------------------------------------------------------------------------------
# Eligibility and enrolment
# ---------------------------------------------------------------------------------------------

def check_eligibility(cooperative_id: int, cohort: Cohort, resident) -> rules.Eligibility:
    return rules.eligibility(pmi_status=resident.pmi_status or "none", resident_status=resident.status or "hidup",
                             admission=cohort.admission)


def enrol(cooperative_id: int, cohort_id: int, resident_id: int, *, applied_on: date, actor=None,
          channel: str = "officer") -> Enrolment:
    """Apply a resident to a cohort: ``enrolled`` while places remain, else ``waitlisted``.

    :raises ValidationError: ``not_eligible`` (422) with the reason when the registry says no.
    :raises Conflict: the cohort is closed, or the resident already holds a place or queue position.
    """
    datebounds.check_day(cooperative_id, applied_on, "applied_on")
    cohort = _lock_cohort(cooperative_id, cohort_id)
    resident = resident_for_training(cooperative_id, resident_id)
    verdict = check_eligibility(cooperative_id, cohort, resident)
    if not verdict.ok:
        raise ValidationError(verdict.reason, code="not_eligible", fields={"resident_id": [verdict.reason]})
    if not cohort.is_open:
        raise Conflict("Pendaftaran angkatan ini sudah ditutup.", code="cohort_closed")
    existing = db.session.scalar(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                            Enrolment.resident_id == resident.id))
    if existing is not None and existing.status not in ("cancelled", "rejected"):
        raise Conflict("Warga ini sudah terdaftar di angkatan ini (status: " + existing.status + ").",
                       code="already_enrolled")
    seq = (db.session.scalar(sa.select(sa.func.max(Enrolment.seq)).where(Enrolment.cohort_id == cohort.id)) or 0) + 1
    status = "enrolled" if cohort.enrolled_count < cohort.capacity else "waitlisted"
    if status == "enrolled":
        cohort.enrolled_count += 1
    if existing is None:
        enrolment = Enrolment(cooperative_id=cooperative_id, cohort_id=cohort.id, resident_id=resident.id,
                              seq=seq, status=status, channel=channel, applied_on=applied_on,
                              created_by_id=getattr(actor, "id", None))
        db.session.add(enrolment)
    else:  # a cancelled or rejected applicant applies again: to the back of the queue
        enrolment = existing
        enrolment.seq, enrolment.status, enrolment.channel = seq, status, channel
        enrolment.applied_on, enrolment.reason, enrolment.decided_by_id = applied_on, None, None
    db.session.flush()
    audit.record(actor, "training.enrol", "training_enrolment", enrolment.id,
                 {"cohort_id": cohort.id, "resident_id": resident.id, "status": status, "channel": channel},
                 cooperative_id=cooperative_id)
    return enrolment


def _promote_waitlist(cohort: Cohort, actor) -> list[Enrolment]:
    """Fill free places from the waitlist in application order (cohort row already locked)."""
    promoted = []
    while cohort.enrolled_count < cohort.capacity:
        nxt = db.session.scalar(sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                           Enrolment.status == "waitlisted")
                                .order_by(Enrolment.seq).limit(1))
        if nxt is None:
            break
        nxt.status = "enrolled"
        cohort.enrolled_count += 1
        db.session.flush()
        promoted.append(nxt)
        audit.record(actor, "training.promote", "training_enrolment", nxt.id, {"cohort_id": cohort.id},
                     cooperative_id=cohort.cooperative_id)
    return promoted


def _release(cooperative_id: int, enrolment_id: int, new_status: str, reason: str | None, actor) -> Enrolment:
    enrolment = get_enrolment(cooperative_id, enrolment_id)
    cohort = _lock_cohort(cooperative_id, enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status not in ACTIVE:
        raise Conflict(f"Pendaftaran berstatus '{enrolment.status}' tidak bisa diubah lagi.",
                       code="enrolment_not_active")
    held_place = enrolment.status == "enrolled"
    before = enrolment.status
    enrolment.status = new_status
    enrolment.reason = reason
    enrolment.decided_by_id = getattr(actor, "id", None)
    if held_place:
        cohort.enrolled_count -= 1
    db.session.flush()
    audit.record(actor, f"training.{'cancel' if new_status == 'cancelled' else 'reject'}", "training_enrolment",
                 enrolment.id, {"before": before, "after": new_status, "reason": reason},
                 cooperative_id=cooperative_id)
    if held_place:
        _promote_waitlist(cohort, actor)
    return enrolment


def cancel_enrolment(cooperative_id: int, enrolment_id: int, *, actor=None, reason: str | None = None) -> Enrolment:
    """Cancel an application; a freed place goes to the first on the waitlist."""
    return _release(cooperative_id, enrolment_id, "cancelled", reason or None, actor)


def reject_enrolment(cooperative_id: int, enrolment_id: int, *, reason: str, actor=None) -> Enrolment:
    """The officer rejects an applicant; the reason is required and shown to the applicant."""
    if not reason or not reason.strip():
        raise ValidationError("Alasan penolakan wajib diisi.", fields={"reason": ["wajib diisi"]})
    return _release(cooperative_id, enrolment_id, "rejected", reason.strip(), actor)


def select_enrolment(cooperative_id: int, enrolment_id: int, *, actor=None) -> Enrolment:
    """The officer moves a waitlisted applicant into a free place (out of queue order, by choice)."""
    enrolment = get_enrolment(cooperative_id, enrolment_id)
    cohort = _lock_cohort(cooperative_id, enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status != "waitlisted":
        raise Conflict("Hanya pendaftar dalam daftar tunggu yang bisa dipilih.", code="not_waitlisted")
    if cohort.enrolled_count >= cohort.capacity:
        raise Conflict("Angkatan sudah penuh; tolak atau batalkan peserta lain dulu.", code="cohort_full")
    enrolment.status = "enrolled"
    enrolment.decided_by_id = getattr(actor, "id", None)
    cohort.enrolled_count += 1
    db.session.flush()
    audit.record(actor, "training.select", "training_enrolment", enrolment.id, {"cohort_id": cohort.id},
                 cooperative_id=cooperative_id)
    return enrolment


# ---------------------------------------------------------------------------------------------
# Attendance, completion, certificates
# ---------------------------------------------------------------------------------------------

def session_on(cohort: Cohort, held_on: date) -> CohortSession:
    s = db.session.scalar(sa.select(CohortSession).where(CohortSession.cohort_id == cohort.id,
                                                         CohortSession.held_on == held_on))
    if s is None:
        raise ValidationError("Tidak ada sesi angkatan ini pada tanggal itu.",
                              fields={"session_date": ["bukan tanggal sesi angkatan ini"]})
    return s


def mark_attendance(cooperative_id: int, cohort_id: int, session_date: date, present: list[int], *,
                    as_of: date | None = None, actor=None) -> dict:
    """Record who was present at one session; every other enrolled participant is marked absent.

    Re-marking a session replaces its marks. Returns ``{"session_date", "present", "absent"}``.

    :param as_of: today's business date: a session after it has not happened and cannot be marked.
    """
    cohort = _lock_cohort(cooperative_id, cohort_id)  # two officers marking one session: one waits
    session = session_on(cohort, session_date)
    if as_of is not None and session_date > as_of:
        raise ValidationError("Sesi ini belum berlangsung; kehadiran dicatat pada hari sesi atau sesudahnya.",
                              code="session_in_future", fields={"session_date": ["sesi belum berlangsung"]})
    participants = {e.id: e for e in db.session.scalars(sa.select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status.in_(("enrolled", "completed"))))}
    unknown = sorted(set(present) - set(participants))
    if unknown:
        raise ValidationError("Sebagian peserta bukan peserta terdaftar angkatan ini.",
                              fields={"present": [f"pendaftaran {i} bukan peserta angkatan ini" for i in unknown]})
    marks = {a.enrolment_id: a for a in db.session.scalars(sa.select(Attendance).where(
        Attendance.session_id == session.id))}
    now = utcnow()
    present_set = set(present)
    for eid in participants:
        row = marks.get(eid)
        if row is None:
            row = Attendance(cooperative_id=cooperative_id, session_id=session.id, enrolment_id=eid,
                             is_present=eid in present_set, marked_by_id=getattr(actor, "id", None), marked_at=now)
            db.session.add(row)
        else:
            row.is_present = eid in present_set
            row.marked_by_id, row.marked_at = getattr(actor, "id", None), now
    db.session.flush()
    audit.record(actor, "training.attendance", "training_cohort", cohort.id,
                 {"session_date": session_date, "present": len(present_set),
                  "absent": len(participants) - len(present_set)}, cooperative_id=cooperative_id)
    return {"session_date": session_date, "present": len(present_set), "absent": len(participants) - len(present_set)}


def attendance_of(enrolment: Enrolment) -> tuple[int, int]:
    """(sessions attended, sessions of the cohort)."""
    sessions = db.session.scalar(sa.select(sa.func.count()).select_from(CohortSession).where(
        CohortSession.cohort_id == enrolment.cohort_id)) or 0
    attended = db.session.scalar(sa.select(sa.func.count()).select_from(Attendance).where(
        Attendance.enrolment_id == enrolment.id, Attendance.is_present.is_(True))) or 0
    return attended, sessions


def attended_counts(cohort_id: int) -> dict[int, int]:
    """{enrolment_id: sessions attended} for a whole cohort in one query."""
    rows = db.session.execute(sa.select(Attendance.enrolment_id, sa.func.count())
                              .join(CohortSession, CohortSession.id == Attendance.session_id)
                              .where(CohortSession.cohort_id == cohort_id, Attendance.is_present.is_(True))
                              .group_by(Attendance.enrolment_id))
    return {eid: n for eid, n in rows}


def present_marks(cohort_id: int) -> dict[tuple[int, int], bool]:
    """{(session_id, enrolment_id): is_present} for a cohort's attendance grid."""
    rows = db.session.execute(sa.select(Attendance.session_id, Attendance.enrolment_id, Attendance.is_present)
                              .join(CohortSession, CohortSession.id == Attendance.session_id)
                              .where(CohortSession.cohort_id == cohort_id))
    return {(s, e): p for s, e, p in rows}


def _allocate_certificate_seq(cooperative_id: int, year: int) -> int:
    dialect_insert = sqlite.insert if is_sqlite() else postgresql.insert
    db.session.execute(dialect_insert(CertificateCounter).values(cooperative_id=cooperative_id, year=year, last_seq=0)
                       .on_conflict_do_nothing())
    counter = db.session.scalar(sa.select(CertificateCounter).where(
        CertificateCounter.cooperative_id == cooperative_id, CertificateCounter.year == year)
        .with_for_update().execution_options(populate_existing=True))
    counter.last_seq += 1
    return counter.last_seq


def complete_enrolment(cooperative_id: int, enrolment_id: int, *, completed_on: date, actor=None) -> Enrolment:
    """Complete an enrolled participant whose attendance meets the rule and issue the certificate.

    The rule is the setting ``training_completion_percent`` (default 80 %) of the cohort's sessions.

    :raises Conflict: ``attendance_short`` (409) naming attended/required sessions; ``enrolment_not_active``.
    """
    enrolment = get_enrolment(cooperative_id, enrolment_id)
    _lock_cohort(cooperative_id, enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.status == "completed":
        raise Conflict("Peserta ini sudah dinyatakan lulus.", code="already_completed")
    if enrolment.status != "enrolled":
        raise Conflict(f"Hanya peserta terdaftar yang bisa diluluskan (status: {enrolment.status}).",
                       code="enrolment_not_active")
    datebounds.check_day(cooperative_id, completed_on, "completed_on",
                         earlier=[(enrolment.applied_on, "tanggal pendaftaran")])
    required = settings.get_decimal(cooperative_id, "training_completion_percent", as_of=completed_on)
    attended, sessions = attendance_of(enrolment)
    if not rules.meets_completion(attended, sessions, required):
        need = rules.sessions_needed(sessions, required)
        raise Conflict(f"Kehadiran kurang: hadir {attended} dari {sessions} sesi, minimal {need} sesi "
                       f"({required} %).", code="attendance_short",
                       fields={"attendance": [f"hadir {attended} dari {sessions}, minimal {need}"]})
    enrolment.status = "completed"
    enrolment.completed_on = completed_on
    enrolment.decided_by_id = getattr(actor, "id", None)
    year = completed_on.year
    seq = _allocate_certificate_seq(cooperative_id, year)
    coop = db.session.get(Cooperative, cooperative_id)
    cert = Certificate(cooperative_id=cooperative_id, enrolment_id=enrolment.id, year=year, seq=seq,
                       number=rules.certificate_number(year, seq, coop.village_code),
                       token=secrets.token_urlsafe(18), issued_on=completed_on)
    db.session.add(cert)
    db.session.flush()
    audit.record(actor, "training.complete", "training_enrolment", enrolment.id,
                 {"certificate_number": cert.number, "attended": attended, "sessions": sessions},
                 cooperative_id=cooperative_id)
    return enrolment


#: Roles that may revoke a certificate (the officer who issues certificates may not take one back).
REVOKE_ROLES = (MANAGER, ADMIN)


def revoke_certificate(cooperative_id: int, certificate_id: int, *, actor, reason: str) -> Certificate:
    """Revoke an issued certificate (e.g. attendance found falsified): it stays on record with its number,
    and the public verification page then says DICABUT with the date instead of SAH.

    Who, when (``revoked_at``, the clock of the write) and why are stored on the certificate and audited.

    :raises Forbidden: the actor is not a manager or admin (403).
    :raises ValidationError: no reason (422, field ``reason``).
    :raises Conflict: ``already_revoked`` (409) when it was revoked before.
    """
    if getattr(actor, "role", None) not in REVOKE_ROLES:
        raise Forbidden(N_("Hanya manajer atau admin yang boleh mencabut sertifikat."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(N_("Alasan pencabutan wajib diisi."), fields={"reason": ["wajib diisi"]})
    if len(reason) > 300:
        raise ValidationError(N_("Alasan pencabutan paling panjang 300 karakter."),
                              fields={"reason": ["maks. 300 karakter"]})
    get_certificate(cooperative_id, certificate_id)
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.id == certificate_id).with_for_update()
                             .execution_options(populate_existing=True))
    if cert.is_revoked:
        raise Conflict(N_("Sertifikat ini sudah dicabut."), code="already_revoked")
    cert.is_revoked = True
    cert.revoked_at = utcnow()
    cert.revoked_by_id = actor.id
    cert.revocation_reason = reason
    db.session.flush()
    audit.record(actor, "training.certificate_revoke", "training_certificate", cert.id,
                 {"number": cert.number, "enrolment_id": cert.enrolment_id, "reason": reason},
                 cooperative_id=cooperative_id)
    return cert


# ---------------------------------------------------------------------------------------------
# Allowance (uang saku)
# ---------------------------------------------------------------------------------------------

def pay_allowance(cooperative_id: int, enrolment_id: int, *, paid_on: date, actor=None,
                  idempotency_key: str | None = None) -> AllowancePayment:
    """Pay a participant the cohort's allowance in cash: Dr 5202 Beban Pelatihan, Cr 1101 Kas.

    One payment per participant; the journal voucher number is the receipt number.
    """

    get_enrolment(cooperative_id, enrolment_id)
    # Lock the enrolment so two cashiers paying the same participant cannot both pass the check below.
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.id == enrolment_id)
                                  .options(lazyload(Enrolment.cohort)).with_for_update(of=Enrolment)
                                  .execution_options(populate_existing=True))
    cohort = get_cohort(cooperative_id, enrolment.cohort_id)
    if cohort.allowance_amount <= 0:
        raise Conflict("Angkatan ini tidak memberi uang saku.", code="no_allowance")
    if enrolment.status not in ("enrolled", "completed"):
        raise Conflict("Uang saku hanya untuk peserta terdaftar.", code="enrolment_not_active")
    if db.session.scalar(sa.select(AllowancePayment.id).where(AllowancePayment.enrolment_id == enrolment.id)):
        raise Conflict("Uang saku peserta ini sudah dibayar.", code="already_paid")
    datebounds.check_day(cooperative_id, paid_on, "paid_on", earlier=[(enrolment.applied_on, "tanggal pendaftaran")])
    resident = resident_for_training(cooperative_id, enrolment.resident_id)
    amount = cohort.allowance_amount
    entry = post_entry(
        cooperative_id,
        [Line.dr(account_by_code(cooperative_id, chart.BEBAN_PELATIHAN).id, amount),
         Line.cr(account_by_code(cooperative_id, chart.KAS).id, amount)],
        actor=actor, memo=f"Uang saku pelatihan {cohort.program.name} {cohort.name}: {resident.full_name}",
        value_date=paid_on, idempotency_key=idempotency_key, source="training.allowance",
        source_ref=str(enrolment.id))
    payment = AllowancePayment(cooperative_id=cooperative_id, enrolment_id=enrolment.id, amount=amount,
                               paid_on=paid_on, entry_id=entry.id, voucher_number=entry.voucher_number,
                               paid_by_id=getattr(actor, "id", None))
    db.session.add(payment)
    db.session.flush()
    audit.record(actor, "training.allowance", "training_enrolment", enrolment.id,
                 {"amount": amount, "voucher": entry.voucher_number}, cooperative_id=cooperative_id)
    return payment


def allowance_payments(cooperative_id: int, cohort_id: int) -> list[AllowancePayment]:
    """The receipt list of a cohort's allowance payments."""
    return list(db.session.scalars(sa.select(AllowancePayment).join(Enrolment).where(
        AllowancePayment.cooperative_id == cooperative_id, Enrolment.cohort_id == cohort_id)
        .order_by(AllowancePayment.id)))


# ---------------------------------------------------------------------------------------------
# Resident logins
# ---------------------------------------------------------------------------------------------

def create_resident_login(cooperative_id: int, resident_id: int, *, username: str, password: str, actor=None):
    """Give a resident who is not a member their own login (role ``member``, linked by
    ``User.resident_id``) so they can apply to training from a phone."""

    resident = resident_for_training(cooperative_id, resident_id)
    if db.session.scalar(sa.select(User.id).where(User.cooperative_id == cooperative_id,
                                                  User.resident_id == resident.id)):
        raise Conflict("Warga ini sudah punya login.", code="login_exists")
    user = create_user(cooperative_id=cooperative_id, username=username, full_name=resident.full_name,
                       role="member", password=password, actor=actor)
    user.resident_id = resident.id
    db.session.flush()
    audit.record(actor, "training.resident_login", "user", user.id, {"resident_id": resident.id},
                 cooperative_id=cooperative_id)
    return user


def close_cohort(cooperative_id: int, cohort_id: int, *, actor=None) -> Cohort:
    """Close a finished cohort: no more applications; participants who did not complete become
    ``dropped`` and the waitlist is ``cancelled`` (reason recorded)."""
    cohort = _lock_cohort(cooperative_id, cohort_id)
    dropped = cancelled = 0
    for e in enrolments_of(cohort.id):
        if e.status == "enrolled":
            e.status, e.reason = "dropped", "Kehadiran tidak memenuhi syarat kelulusan."
            dropped += 1
        elif e.status == "waitlisted":
            e.status, e.reason = "cancelled", "Angkatan sudah selesai."
            cancelled += 1
    cohort.enrolled_count -= dropped
    cohort.is_open = False
    db.session.flush()
    audit.record(actor, "training.cohort_close", "training_cohort", cohort.id,
                 {"dropped": dropped, "cancelled": cancelled}, cooperative_id=cooperative_id)
    return cohort
