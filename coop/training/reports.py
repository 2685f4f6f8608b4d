"""Training reports: participants by cohort, PMI status, sex and destination country, completion rates,
the funnel (trained -> businesses started -> loans taken -> repaying on time) and the XLSX export."""
from __future__ import annotations

import io
from collections import OrderedDict
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font

from coop.db import db
from coop.loans.services import loans_for_businesses, outstanding_principal
from coop.registry.models import MigrationRecord, Resident
from coop.spreadsheet import cell_value, safe_row  # noqa: F401
from coop.text import N_
from coop.training import rules
from coop.training.models import Attendance, Business, Cohort, CohortSession, Enrolment, Program

#: Enrolments that count as participants (they held a place).
PARTICIPANT_STATUSES = ("enrolled", "completed", "dropped")

DIMENSIONS = OrderedDict([
    ("cohort", N_("Angkatan")),
    ("pmi_status", N_("Status PMI")),
    ("sex", N_("Jenis kelamin")),
    ("country", N_("Negara tujuan (riwayat kerja)")),
])

PMI_LABELS = {"purna": N_("PMI purna"), "keluarga": N_("Keluarga PMI"), "calon": N_("Calon PMI"), "aktif": N_("PMI aktif"),
              "none": N_("Bukan PMI")}
SEX_LABELS = {"M": N_("Laki-laki"), "F": N_("Perempuan")}
LOAN_STATUS_LABELS = {"applied": N_("diajukan"), "approved": N_("disetujui"), "rejected": N_("ditolak"), "active": N_("berjalan"),
                      "closed": N_("lunas"), "written_off": N_("dihapusbukukan")}


def participants(cooperative_id: int, cohort_id: int | None = None) -> list[dict]:
    """One row per participant (enrolment that held a place), with the registry facts reports group by.

    ``country`` is the destination of the resident's latest migration record (None when they never
    worked abroad: family members).
    """

    latest = (sa.select(MigrationRecord.resident_id, sa.func.max(MigrationRecord.id).label("mid"))
              .where(MigrationRecord.cooperative_id == cooperative_id)
              .group_by(MigrationRecord.resident_id).subquery())
    attended = (sa.select(Attendance.enrolment_id, sa.func.count().label("n"))
                .where(Attendance.cooperative_id == cooperative_id, Attendance.is_present.is_(True))
                .group_by(Attendance.enrolment_id).subquery())
    sessions = (sa.select(CohortSession.cohort_id, sa.func.count().label("n"))
                .where(CohortSession.cooperative_id == cooperative_id)
                .group_by(CohortSession.cohort_id).subquery())
    stmt = (sa.select(Enrolment.id, Enrolment.status, Enrolment.completed_on, Cohort.id, Cohort.name,
                      Cohort.starts_on, Program.name, Resident.id, Resident.full_name, Resident.sex,
                      Resident.pmi_status, MigrationRecord.country, attended.c.n, sessions.c.n)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Program, Program.id == Cohort.program_id)
            .join(Resident, Resident.id == Enrolment.resident_id)
            .outerjoin(latest, latest.c.resident_id == Resident.id)
            .outerjoin(MigrationRecord, MigrationRecord.id == latest.c.mid)
            .outerjoin(attended, attended.c.enrolment_id == Enrolment.id)
            .outerjoin(sessions, sessions.c.cohort_id == Cohort.id)
            .where(Enrolment.cooperative_id == cooperative_id, Enrolment.status.in_(PARTICIPANT_STATUSES))
            .order_by(Cohort.starts_on, Cohort.id, Enrolment.seq))
    if cohort_id is not None:
        stmt = stmt.where(Enrolment.cohort_id == cohort_id)
    out = []
    for (eid, status, completed_on, cid, cname, cstart, pname, rid, name, sex, pmi, country, att,
         sess) in db.session.execute(stmt):
        out.append({"enrolment_id": eid, "status": status, "completed_on": completed_on, "cohort_id": cid,
                    "cohort": f"{pname} {cname}", "cohort_name": cname, "cohort_starts_on": cstart, "resident_id": rid, "name": name,
                    "sex": sex, "pmi_status": pmi, "country": country, "attended": att or 0, "sessions": sess or 0})
    return out


def _label(dimension: str, key) -> str:
    if dimension == "pmi_status":
        return PMI_LABELS.get(key, key)
    if dimension == "sex":
        return SEX_LABELS.get(key, key)
    if dimension == "country":
        return key or "Tanpa riwayat"
    return key


def breakdown(rows: list[dict], dimension: str) -> list[dict]:
    """Group participant rows: ``{"key", "label", "participants", "completed", "completion_rate"}``.

    Completion rate = completed / participants, percent with one decimal (ROUND_HALF_UP).
    """
    groups: OrderedDict = OrderedDict()
    for r in rows:
        key = r["cohort_id"] if dimension == "cohort" else r[dimension]
        label = (f"{r['cohort']} ({r['cohort_starts_on'].isoformat()})" if dimension == "cohort"
                 else _label(dimension, key))
        short = (f"{r['cohort_name']} · {r['cohort_starts_on']:%m/%Y}" if dimension == "cohort" else label)
        g = groups.setdefault(key, {"key": key, "label": label, "short": short[:24], "participants": 0,
                                    "completed": 0})
        g["participants"] += 1
        g["completed"] += r["status"] == "completed"
    out = list(groups.values())
    if dimension != "cohort":
        out.sort(key=lambda g: (-g["participants"], str(g["key"])))
    for g in out:
        g["completion_rate"] = rules.percent(g["completed"], g["participants"])
    return out


def funnel(cooperative_id: int, as_of: date) -> dict:
    """The follow-up funnel, in residents and loans:

    - ``trained``: residents with at least one completed enrolment;
    - ``businesses_started``: of those, residents with an active business;
    - ``loans_taken``: disbursed loans (active, closed or written off) pointing at those businesses;
    - ``repaying_on_time``: of those loans, the ones not past due (active with 0 days past due as the
      loans area last classified them, or fully repaid). ``as_of`` is kept for a point-in-time variant.
    """
    trained_ids = set(db.session.scalars(sa.select(Enrolment.resident_id).where(
        Enrolment.cooperative_id == cooperative_id, Enrolment.status == "completed").distinct()))
    biz = list(db.session.execute(sa.select(Business.id, Business.resident_id).where(
        Business.cooperative_id == cooperative_id, Business.is_active.is_(True))))
    started = {rid for _, rid in biz if rid in trained_ids}
    business_ids = [bid for bid, rid in biz if rid in trained_ids]
    loans = [ln for ln in loans_of_businesses(cooperative_id, business_ids)
             if _attr(ln, "status") in ("active", "closed", "written_off")]  # disbursed = taken
    on_time = [ln for ln in loans if _on_time(ln)]
    return {"trained": len(trained_ids), "businesses_started": len(started), "loans_taken": len(loans),
            "repaying_on_time": len(on_time)}


def loans_of_businesses(cooperative_id: int, business_ids: list[int]) -> list:
    """Loans pointing at these businesses (from the loans area; empty when it is not installed)."""
    if not business_ids:
        return []
    return list(loans_for_businesses(cooperative_id, business_ids))


def _attr(obj, name, default=None):
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def _on_time(loan) -> bool:
    status = _attr(loan, "status")
    if status in ("applied", "approved", "rejected", "cancelled", "written_off"):
        return False
    if status in ("closed", "paid", "lunas", "settled"):
        return True
    return (_attr(loan, "days_past_due", 0) or 0) == 0


def to_xlsx(cooperative_id: int) -> bytes:
    """The training report workbook: participants, then one sheet per breakdown with completion rates."""

    rows = participants(cooperative_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "Peserta"
    header = ["Angkatan", "Mulai", "Nama", "Jenis kelamin", "Status PMI", "Negara tujuan", "Hadir", "Sesi",
              "Status", "Lulus tanggal"]
    ws.append(safe_row(header))
    for r in rows:
        ws.append(safe_row([r["cohort"], r["cohort_starts_on"], r["name"], SEX_LABELS.get(r["sex"], r["sex"]),
                   PMI_LABELS.get(r["pmi_status"], r["pmi_status"]), r["country"] or "", r["attended"],
                   r["sessions"], r["status"], r["completed_on"]]))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for dim, title in DIMENSIONS.items():
        sheet = wb.create_sheet(title[:31])
        sheet.append(safe_row([title, "Peserta", "Lulus", "Tingkat kelulusan (%)"]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for g in breakdown(rows, dim):
            # Decimal is written as a number cell by openpyxl; no float conversion on our side.
            sheet.append(safe_row([g["label"], g["participants"], g["completed"], g["completion_rate"]]))
    for sheet in wb.worksheets:
        for col in sheet.columns:
            width = max(len(str(c.value or "")) for c in col)
            sheet.column_dimensions[col[0].column_letter].width = min(40, max(10, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def business_loans(cooperative_id: int) -> list[dict]:
    """Loans to businesses of trained residents, with how they repay (for the dashboard)."""
    biz = {b.id: b for b in db.session.scalars(sa.select(Business).where(Business.cooperative_id == cooperative_id))}
    loans = loans_of_businesses(cooperative_id, list(biz))
    return [{"business": biz[ln.business_id].name, "number": ln.number,
             "status": LOAN_STATUS_LABELS.get(ln.status, ln.status),
             "principal": ln.principal, "outstanding": outstanding_principal(ln),
             "days_past_due": ln.days_past_due, "on_time": _on_time(ln)} for ln in loans]
