"""Migration service desk services: open a case, keep its checklist, record agency checks, move it
through the stages (writing the registry's migration record on departure and closing it on return),
issue the family permission letter, log consultations, the monthly summary and the reminder lists.

They take ``cooperative_id``, ``actor`` and ``as_of`` (the business date), flush, raise ``coop.errors``
and never commit.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from coop import audit
from coop.dates import add_months
from coop.db import db, is_sqlite
from coop.desk import rules
from coop.desk.models import (
    DeskAgencyCheck,
    DeskCase,
    DeskConsultation,
    DeskDocument,
    DeskLetter,
    DeskLetterCounter,
    DeskStageChange,
)
from coop.errors import Conflict, NotFound, ValidationError
from coop.paging import Page, fetch_page
from coop.registry import rules as registry_rules
from coop.registry import services as registry
from coop.registry.models import Resident

#: Desk document codes -> the registry migration-record checklist codes (same code where both track it).
REGISTRY_DOCUMENT = {"marital_status_letter": "marital_status_letter", "family_permission": "family_permission",
                     "competency_certificate": "competence", "health_certificate": "health", "passport": "passport",
                     "work_visa": "work_visa", "placement_agreement": "placement_agreement",
                     "work_agreement": "work_contract", "bpjs": "bpjs"}
CASE_FIELDS = ("destination_country", "job_title", "job_type", "scheme", "agency_name", "agency_licence_number",
               "job_order_ref", "contract_months", "contract_start_on", "placement_decision_number",
               "placement_decision_on")


# ---------------------------------------------------------------------------------------------
# Look-ups
# ---------------------------------------------------------------------------------------------

def _valid_id(obj_id) -> bool:
    return isinstance(obj_id, int) and not isinstance(obj_id, bool) and 0 < obj_id < 2**31


def get_case(cooperative_id: int, case_id: int) -> DeskCase:
    case = db.session.get(DeskCase, case_id) if _valid_id(case_id) else None
    if case is None or case.cooperative_id != cooperative_id:
        raise NotFound("Kasus calon PMI tidak ditemukan.")
    return case


def _resident(cooperative_id: int, resident_id) -> Resident:
    if not _valid_id(resident_id):
        raise NotFound("Penduduk tidak ditemukan.")
    return registry.get_resident(cooperative_id, resident_id)


def _not_future(as_of: date, **dates: date | None) -> None:
    late = {k: [f"tanggal {v.isoformat()} melewati tanggal hari ini ({as_of.isoformat()})"]
            for k, v in dates.items() if v is not None and v > as_of}
    if late:
        raise ValidationError("Tanggal tidak boleh melewati hari ini.", code="future_date", fields=late)


def _clean_case(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {}
    for k in CASE_FIELDS:
        if k not in data:
            continue
        v = data[k]
        if isinstance(v, str):
            if registry_rules.has_control_chars(v):
                errors.setdefault(k, []).append("berisi karakter kontrol yang tidak sah")
                continue
            v = v.strip() or None
        clean[k] = v
    country = clean.get("destination_country") or ""
    if "destination_country" in data:
        if not re.fullmatch(r"[A-Za-z]{2}", country) or country.upper() == "ID":
            errors.setdefault("destination_country", []).append("kode negara ISO 3166 dua huruf (mis. HK)")
        else:
            clean["destination_country"] = country.upper()
    if "job_title" in data and not clean.get("job_title"):
        errors.setdefault("job_title", []).append("jabatan/pekerjaan wajib diisi")
    if clean.get("job_type") is not None and clean["job_type"] not in registry_rules.JOB_TYPES:
        errors.setdefault("job_type", []).append("jenis pekerjaan: " + ", ".join(registry_rules.JOB_TYPES))
    if clean.get("scheme") is not None:
        scheme = registry_rules.normalise_choice(clean["scheme"], registry_rules.SCHEMES)
        if scheme is None:
            errors.setdefault("scheme", []).append("skema: " + ", ".join(registry_rules.SCHEMES))
        clean["scheme"] = scheme
    months = clean.get("contract_months")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or not 0 < months <= 240):
        errors.setdefault("contract_months", []).append("lama kontrak: 1 sampai 240 bulan")
    if errors:
        raise ValidationError("Data kasus tidak valid.", fields=errors)
    return clean


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

def open_case(cooperative_id: int, data: dict, *, opened_on: date, as_of: date, actor) -> DeskCase:
    """Open a case at ``consultation`` for a living resident with no other open case; the checklist starts
    with all twelve documents ``missing``.

    :raises ValidationError: ``future_date`` for ``opened_on`` after ``as_of``; field errors.
    :raises Conflict: ``case_open`` when the resident already has an open case.
    """
    resident = _resident(cooperative_id, data.get("resident_id"))
    _not_future(as_of, opened_on=opened_on)
    clean = _clean_case(dict({"destination_country": None, "job_title": None}, **data))
    if resident.status != "hidup":
        raise ValidationError("Penduduk tidak berstatus hidup.", fields={"resident_id": ["bukan penduduk hidup"]})
    open_id = db.session.scalar(sa.select(DeskCase.id).where(
        DeskCase.cooperative_id == cooperative_id, DeskCase.resident_id == resident.id,
        DeskCase.stage.not_in(rules.CLOSED_STAGES)))
    if open_id is not None:
        raise Conflict(f"Penduduk ini sudah punya kasus terbuka (#{open_id}).", code="case_open")
    case = DeskCase(cooperative_id=cooperative_id, resident_id=resident.id, opened_on=opened_on,
                    stage="consultation", stage_on=opened_on, **clean)
    db.session.add(case)
    db.session.flush()
    db.session.add_all([DeskDocument(cooperative_id=cooperative_id, case_id=case.id, code=c, status="missing")
                        for c in rules.DOCUMENT_CODES])
    db.session.add(DeskStageChange(cooperative_id=cooperative_id, case_id=case.id, stage="consultation",
                                   moved_on=opened_on, by_id=getattr(actor, "id", None)))
    audit.record(actor, "desk.case_open", "desk_case", case.id,
                 {"resident_id": resident.id, "country": case.destination_country}, cooperative_id=cooperative_id)
    db.session.flush()
    return case


def update_case(cooperative_id: int, case_id: int, data: dict, *, actor) -> DeskCase:
    """Change a case's job, agency or contract details (not its stage)."""
    case = get_case(cooperative_id, case_id)
    clean = _clean_case(data)
    if "destination_country" in clean and clean["destination_country"] is None:
        raise ValidationError("Negara tujuan wajib diisi.", fields={"destination_country": ["wajib diisi"]})
    changes = {k: (getattr(case, k), v) for k, v in clean.items() if getattr(case, k) != v}
    for k, (_, v) in changes.items():
        setattr(case, k, v)
    if changes:
        audit.record(actor, "desk.case_update", "desk_case", case.id, {"changes": changes},
                     cooperative_id=cooperative_id)
        db.session.flush()
    return case


def _document(case: DeskCase, code: str) -> DeskDocument:
    for d in case.documents:
        if d.code == code:
            return d
    raise ValidationError("Kode dokumen tidak dikenal.", fields={"code": ["kode dokumen tidak dikenal"]})


def set_document(cooperative_id: int, case_id: int, *, code: str, status: str, number: str | None = None,
                 expires_on: date | None = None, note: str | None = None, visa_kind: str | None = None,
                 actor) -> DeskCase:
    """Set one checklist row (status, and number/expiry/note when given)."""
    case = get_case(cooperative_id, case_id)
    if code not in rules.DOCUMENT_CODES:
        raise ValidationError("Kode dokumen tidak dikenal.", fields={"code": ["kode dokumen tidak dikenal"]})
    if status not in rules.DOCUMENT_STATUSES:
        raise ValidationError("Status dokumen tidak dikenal.", fields={"status": ["missing, submitted atau verified"]})
    if visa_kind is not None and (code != "work_visa" or visa_kind not in rules.VISA_KINDS):
        raise ValidationError("Jenis visa hanya untuk work_visa.", fields={"visa_kind": ["work, visit, tourist, other"]})
    if case.stage in rules.CLOSED_STAGES:
        raise Conflict("Kasus sudah ditutup.", code="case_closed")
    doc = _document(case, code)
    before = doc.status
    doc.status = status
    for name, value in (("number", number), ("expires_on", expires_on), ("note", note), ("visa_kind", visa_kind)):
        if value is not None:
            setattr(doc, name, value.strip() or None if isinstance(value, str) else value)
    doc.updated_by_id = getattr(actor, "id", None)
    audit.record(actor, "desk.document", "desk_case", case.id, {"code": code, "status": [before, status]},
                 cooperative_id=cooperative_id)
    db.session.flush()
    return case


def add_agency_check(cooperative_id: int, case_id: int, *, licence_number: str, source: str, checked_on: date,
                     result: str, note: str | None = None, as_of: date, actor) -> DeskAgencyCheck:
    """Record that the desk checked a SIP3MI licence against ``source`` on ``checked_on``."""
    case = get_case(cooperative_id, case_id)
    _not_future(as_of, checked_on=checked_on)
    errors = {}
    if result not in rules.AGENCY_RESULTS:
        errors["result"] = ["valid, invalid atau not_found"]
    if not (licence_number or "").strip():
        errors["licence_number"] = ["wajib diisi"]
    if not (source or "").strip():
        errors["source"] = ["wajib diisi"]
    if errors:
        raise ValidationError("Pemeriksaan P3MI tidak valid.", fields=errors)
    check = DeskAgencyCheck(cooperative_id=cooperative_id, case_id=case.id, licence_number=licence_number.strip(),
                            source=source.strip(), checked_on=checked_on, result=result, note=note,
                            officer_id=getattr(actor, "id", None))
    db.session.add(check)
    db.session.flush()
    audit.record(actor, "desk.agency_check", "desk_case", case.id,
                 {"licence_number": check.licence_number, "result": result}, cooperative_id=cooperative_id)
    return check


def document_statuses(case: DeskCase) -> dict[str, str]:
    return {d.code: d.status for d in case.documents}


def contract_end_of(case: DeskCase, as_of: date) -> date | None:
    """The contract's end: from its start, else the departure, else ``as_of`` (a case not yet departed is
    assumed to leave now), plus ``contract_months``."""
    start = case.contract_start_on or departure_on(case) or as_of
    return rules.contract_end(case.contract_months, start)


def departure_on(case: DeskCase) -> date | None:
    for ch in reversed(case.stage_changes):
        if ch.stage == "departed":
            return ch.moved_on
    return None


def red_flags(case: DeskCase, as_of: date) -> list[str]:
    docs = {d.code: d for d in case.documents}
    visa, passport = docs.get("work_visa"), docs.get("passport")
    return rules.red_flags(
        age=rules.age_on(case.resident.birth_date, as_of), job_order_ref=case.job_order_ref,
        licence_number=case.agency_licence_number,
        checks=[rules.AgencyCheck(c.licence_number, c.checked_on, c.result) for c in case.agency_checks],
        visa_kind=visa.visa_kind if visa else None, history=[ch.stage for ch in case.stage_changes],
        passport_expires_on=passport.expires_on if passport else None,
        contract_end_on=contract_end_of(case, as_of))


def move_stage(cooperative_id: int, case_id: int, *, stage: str, on: date, reason: str | None = None, as_of: date,
               actor) -> DeskCase:
    """Move a case to ``stage`` on ``on``.

    Reaching ``departed`` writes a migration record (aktif, the case's country, job, agency, departure date,
    passport and contract dates, verified documents) on the resident in the same unit of work; ``returned``
    makes it purna with the return date and reason; ``stopped`` needs a reason.

    :raises ValidationError: ``future_date`` (``on`` after ``as_of``), ``on`` before the last stage change,
        unknown stage, missing reason.
    :raises Conflict: ``missing_documents`` (``fields.documents`` = the codes), ``not_eligible`` (under 18),
        ``invalid_stage``, ``case_closed``.
    """
    case = get_case(cooperative_id, case_id)
    if stage not in rules.STAGES:
        raise ValidationError("Tahap tidak dikenal.", fields={"stage": ["tahap tidak dikenal"]})
    _not_future(as_of, on=on)
    if on < case.stage_on:
        raise ValidationError("Tanggal sebelum tahap terakhir.",
                              fields={"on": [f"tidak boleh sebelum {case.stage_on.isoformat()}"]})
    reason = (reason or "").strip() or None
    refusal = rules.check_move(case.stage, stage, age=rules.age_on(case.resident.birth_date, on),
                               statuses=document_statuses(case), reason=reason)
    if refusal is not None:
        if refusal.code == "reason_required":
            raise ValidationError(refusal.message, code="reason_required", fields={"reason": ["wajib diisi"]})
        fields = {"documents": list(refusal.missing)} if refusal.missing else {"stage": [refusal.message]}
        raise Conflict(refusal.message, code=refusal.code, fields=fields)
    before = case.stage
    case.stage, case.stage_on = stage, on
    if stage == "stopped":
        case.stopped_reason = reason
    db.session.add(DeskStageChange(cooperative_id=cooperative_id, case_id=case.id, stage=stage, moved_on=on,
                                   reason=reason, by_id=getattr(actor, "id", None)))
    db.session.flush()
    db.session.refresh(case, ["stage_changes"])
    if stage == "departed":
        _record_departure(case, on, as_of, actor)
    elif stage == "returned" and case.migration_record_id:
        registry.update_migration_record(cooperative_id, case.migration_record_id,
                                         {"status": "purna", "return_on": on, "return_reason": reason}, actor=actor)
    audit.record(actor, "desk.stage", "desk_case", case.id, {"stage": [before, stage], "on": on.isoformat()},
                 cooperative_id=cooperative_id)
    db.session.flush()
    return case


def _record_departure(case: DeskCase, on: date, as_of: date, actor) -> None:
    docs = {d.code: d for d in case.documents}
    flags = red_flags(case, as_of)
    start = case.contract_start_on or on
    data = {"status": "aktif", "country": case.destination_country, "job_type": case.job_type,
            "sector": case.job_title[:100], "scheme": case.scheme, "agency": case.agency_name,
            "procedural": not {"agency_invalid", "agency_not_verified", "not_work_visa"} & set(flags),
            "departure_on": on, "contract_start_on": start,
            "contract_end_on": rules.contract_end(case.contract_months, start),
            "passport_number": (docs["passport"].number or None) if "passport" in docs else None,
            "passport_expires_on": docs["passport"].expires_on if "passport" in docs else None,
            "documents": [REGISTRY_DOCUMENT[c] for c, d in docs.items()
                          if d.status == "verified" and c in REGISTRY_DOCUMENT],
            "notes": f"Dari layanan migrasi desa, kasus #{case.id}"}
    if data["passport_number"]:
        data["passport_number"] = data["passport_number"][:20]
    record = registry.add_migration_record(case.cooperative_id, case.resident_id, data, actor=actor)
    case.migration_record_id = record.id


def list_cases(cooperative_id: int, stage: str | None = None):
    stmt = sa.select(DeskCase).where(DeskCase.cooperative_id == cooperative_id)
    if stage:
        stmt = stmt.where(DeskCase.stage == stage)
    return stmt


def cases_for_board(cooperative_id: int, as_of: date, stage: str | None = None) -> list[tuple[DeskCase, list[str]]]:
    """Cases with their red flags: flagged cases first, then by stage order and opening date."""
    stmt = list_cases(cooperative_id, stage).options(
        selectinload(DeskCase.documents), selectinload(DeskCase.stage_changes),
        selectinload(DeskCase.agency_checks), selectinload(DeskCase.resident))
    out = [(c, red_flags(c, as_of)) for c in db.session.scalars(stmt)]
    out.sort(key=lambda cf: (not cf[1], rules.STAGES.index(cf[0].stage), cf[0].opened_on, cf[0].id))
    return out


# ---------------------------------------------------------------------------------------------
# Family permission letter
# ---------------------------------------------------------------------------------------------

def permitter_for(resident: Resident, as_of: date) -> Resident | None:
    """Who gives permission (Pasal 13 b), from the same KK: the spouse, else a parent, else an adult guardian."""
    others = [r for r in resident.household.members
              if r.id != resident.id and r.status == "hidup" and rules.age_on(r.birth_date, as_of) >= 18]
    rel = resident.relationship

    def first(*relationships):
        for want in relationships:
            for r in others:
                if r.relationship == want:
                    return r
        return None

    if rel in ("kepala_keluarga",):
        found = first("istri", "suami", "orang_tua")
    elif rel in ("istri", "suami"):
        found = first("kepala_keluarga", "suami" if rel == "istri" else "istri")
    elif rel in ("anak", "cucu"):
        found = first("kepala_keluarga", "istri", "suami")
    elif rel == "menantu":
        found = first("mertua", "kepala_keluarga")
    else:
        found = first("orang_tua", "kepala_keluarga")
    return found or (sorted(others, key=lambda r: r.birth_date)[0] if others else None)


def issue_letter(cooperative_id: int, case_id: int, *, as_of: date, actor) -> DeskLetter:
    """The case's family permission letter; the first call numbers it gaplessly per village and year
    (``001/SIK-PMI/<village>/<year>``), reprints keep the number."""
    case = get_case(cooperative_id, case_id)
    existing = db.session.scalar(sa.select(DeskLetter).where(DeskLetter.cooperative_id == cooperative_id,
                                                            DeskLetter.case_id == case.id))
    if existing is not None:
        return existing
    if case.stage in rules.CLOSED_STAGES:
        raise Conflict("Kasus sudah ditutup.", code="case_closed")
    village, year = case.resident.village_code, as_of.year
    insert = sqlite.insert if is_sqlite() else postgresql.insert
    db.session.execute(insert(DeskLetterCounter).values(cooperative_id=cooperative_id, village_code=village,
                                                        year=year, last_number=0).on_conflict_do_nothing())
    counter = db.session.scalar(sa.select(DeskLetterCounter).where(
        DeskLetterCounter.cooperative_id == cooperative_id, DeskLetterCounter.village_code == village,
        DeskLetterCounter.year == year).with_for_update().execution_options(populate_existing=True))
    counter.last_number += 1
    permitter = permitter_for(case.resident, as_of)
    letter = DeskLetter(cooperative_id=cooperative_id, case_id=case.id, village_code=village, year=year,
                        seq=counter.last_number, number=f"{counter.last_number:03d}/SIK-PMI/{village}/{year}",
                        issued_on=as_of, permitter_resident_id=permitter.id if permitter else None)
    db.session.add(letter)
    db.session.flush()
    audit.record(actor, "desk.letter_issue", "desk_case", case.id, {"number": letter.number},
                 cooperative_id=cooperative_id)
    return letter


# ---------------------------------------------------------------------------------------------
# Consultations
# ---------------------------------------------------------------------------------------------

def log_consultation(cooperative_id: int, *, held_on: date, topic: str, as_of: date, actor,
                     resident_id: int | None = None, visitor_name: str | None = None, country: str | None = None,
                     note: str | None = None) -> DeskConsultation:
    """Log an information session with a resident (or a visitor by name): who, when, what about."""
    _not_future(as_of, held_on=held_on)
    errors: dict[str, list[str]] = {}
    visitor_name = (visitor_name or "").strip() or None
    if resident_id is not None:
        _resident(cooperative_id, resident_id)
    elif visitor_name is None:
        errors["resident_id"] = ["isi penduduk atau nama pengunjung"]
    if topic not in rules.CONSULTATION_TOPICS:
        errors["topic"] = [", ".join(rules.CONSULTATION_TOPICS)]
    if country:
        if not re.fullmatch(r"[A-Za-z]{2}", country):
            errors["country"] = ["kode negara ISO 3166 dua huruf"]
        country = country.upper()
    if errors:
        raise ValidationError("Konsultasi tidak valid.", fields=errors)
    c = DeskConsultation(cooperative_id=cooperative_id, resident_id=resident_id, visitor_name=visitor_name,
                         held_on=held_on, topic=topic, country=country or None, note=note,
                         officer_id=getattr(actor, "id", None))
    db.session.add(c)
    db.session.flush()
    audit.record(actor, "desk.consultation", "desk_consultation", c.id, {"topic": topic},
                 cooperative_id=cooperative_id)
    return c


def consultations_in(cooperative_id: int, first: date, last: date) -> list[DeskConsultation]:
    return list(db.session.scalars(sa.select(DeskConsultation).where(
        DeskConsultation.cooperative_id == cooperative_id, DeskConsultation.held_on.between(first, last))
        .order_by(DeskConsultation.held_on, DeskConsultation.id)))


def consultations_page(cooperative_id: int, first: date, last: date, page: int = 1, per_page: int = 50) -> Page:
    """One page of the consultations held from ``first`` to ``last``, newest first (the desk's list)."""
    return fetch_page(sa.select(DeskConsultation).options(selectinload(DeskConsultation.resident)).where(
        DeskConsultation.cooperative_id == cooperative_id, DeskConsultation.held_on.between(first, last))
        .order_by(DeskConsultation.held_on.desc(), DeskConsultation.id.desc()), page, per_page)


# ---------------------------------------------------------------------------------------------
# Summary, reminders
# ---------------------------------------------------------------------------------------------

def month_bounds(month: str) -> tuple[date, date]:
    """``"2026-11"`` -> (2026-11-01, 2026-11-30); 422 on anything else."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise ValidationError("Bulan harus YYYY-MM.", fields={"month": ["format YYYY-MM"]})
    first = date(int(m.group(1)), int(m.group(2)), 1)
    return first, add_months(first, 1) - timedelta(days=1)


def summary(cooperative_id: int, month: str, *, as_of: date) -> dict:
    """The desk's month: cases by stage at the month's end (or today, whichever is earlier), cases opened,
    departures, returns and stops dated in the month, consultations held, and red flags of the cases open
    at the end (counted per code)."""
    first, last = month_bounds(month)
    end = min(last, as_of)
    cases = [c for c, _ in cases_for_board(cooperative_id, end)]
    by_stage = dict.fromkeys(rules.STAGES, 0)
    moved = Counter()
    flags = Counter()
    opened = 0
    for c in cases:
        if first <= c.opened_on <= last:
            opened += 1
        for ch in c.stage_changes:
            if first <= ch.moved_on <= last and ch.stage in ("departed", "returned", "stopped"):
                moved[ch.stage] += 1
        if c.opened_on > end:
            continue
        reached = [ch for ch in c.stage_changes if ch.moved_on <= end]
        stage = reached[-1].stage if reached else "consultation"
        by_stage[stage] += 1
        if stage not in rules.CLOSED_STAGES:
            flags.update(red_flags(c, end))
    consultations = db.session.scalar(sa.select(sa.func.count()).select_from(DeskConsultation).where(
        DeskConsultation.cooperative_id == cooperative_id, DeskConsultation.held_on.between(first, last)))
    return {"month": f"{first:%Y-%m}", "cases_by_stage": by_stage, "opened": opened,
            "departed": moved["departed"], "returned": moved["returned"], "stopped": moved["stopped"],
            "consultations": consultations, "red_flags": {f: flags[f] for f in rules.RED_FLAGS}}


def reminders(cooperative_id: int, as_of: date, *, passport_days: int = 180) -> dict:
    """What the outreach reminders should say: open cases whose passport expires within ``passport_days``
    (or has expired), and open cases before departure with no stage change for 30 days."""
    passports, stalled = [], []
    for c, _ in cases_for_board(cooperative_id, as_of):
        if c.stage in rules.CLOSED_STAGES:
            continue
        p = next((d for d in c.documents if d.code == "passport"), None)
        if p and p.expires_on and p.expires_on <= as_of + timedelta(days=passport_days):
            passports.append({"case_id": c.id, "resident_id": c.resident_id, "expires_on": p.expires_on})
        if c.stage != "departed" and (as_of - c.stage_on).days >= rules.STALLED_DAYS:
            stalled.append({"case_id": c.id, "resident_id": c.resident_id, "stage": c.stage,
                            "since": c.stage_on, "days": (as_of - c.stage_on).days})
    return {"passport_expiring": passports, "stalled": stalled}
