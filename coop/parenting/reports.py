"""The quarterly report of community parenting (API.md: children, caregivers, sessions by kind, average
score gain; plus attendance and risk signs), as a dict and as an XLSX workbook. Totals only: no names,
no NIK."""
from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font

from coop.db import db
from coop.errors import ValidationError
from coop.parenting import rules
from coop.parenting.models import Child, ParentingSession, SessionAttendance
from coop.parenting.services import risk_by_child
from coop.spreadsheet import safe_row


def quarterly(cooperative_id: int, quarter: str, *, as_of: date) -> dict:
    """Figures of ``quarter`` (``2027Q1``).

    - ``children``: children with an active consent registered by the quarter's end;
    - ``children_attending`` / ``caregivers``: distinct children / caregivers present at a session held in it;
    - ``sessions_by_kind``: sessions held in it, every kind listed (0 when none);
    - ``attendance``: ``{"children", "caregivers"}`` attendances (one per person per session);
    - ``average_score_gain``: mean of post - pre over attendances with both scores, a decimal string with
      two decimals (``"35.00"``), null when no scores;
    - ``risk_signs``: children with each sign on the quarter's last day (or on ``as_of`` if earlier).
    """
    bounds = rules.parse_quarter(quarter)
    if bounds is None:
        raise ValidationError("Data tidak valid.", fields={"quarter": ["Triwulan seperti 2027Q1."]})
    start, end = bounds
    cid = cooperative_id
    children = list(db.session.scalars(sa.select(Child).where(
        Child.cooperative_id == cid, Child.consent_withdrawn_on.is_(None), Child.consent_given_on <= end)))
    active_ids = {c.id for c in children}
    by_kind = dict.fromkeys(rules.SESSION_KINDS, 0)
    for kind, n in db.session.execute(sa.select(ParentingSession.kind, sa.func.count()).where(
            ParentingSession.cooperative_id == cid, ParentingSession.held_on.between(start, end)).group_by(
            ParentingSession.kind)):
        by_kind[kind] = n
    rows = db.session.execute(sa.select(SessionAttendance.role, SessionAttendance.resident_id,
                                        SessionAttendance.child_id, SessionAttendance.pre_score,
                                        SessionAttendance.post_score).join(
        ParentingSession, ParentingSession.id == SessionAttendance.session_id).where(
        SessionAttendance.cooperative_id == cid, ParentingSession.held_on.between(start, end))).all()
    # a withdrawn child's attendance is no longer processed
    rows = [r for r in rows if r.role == "caregiver" or r.child_id in active_ids]
    kids = [r for r in rows if r.role == "child"]
    carers = [r for r in rows if r.role == "caregiver"]
    gain = rules.average_gain((r.pre_score, r.post_score) for r in rows)
    risk_day = min(end, as_of)
    risks = risk_by_child(children, risk_day)
    signs = {code: sum(1 for s in risks.values() if code in s) for code in rules.RISK_SIGNS}
    return {"quarter": quarter, "from_": start, "to": end, "children": len(children),
            "children_attending": len({r.child_id for r in kids}),
            "caregivers": len({r.resident_id for r in carers}),
            "sessions": sum(by_kind.values()), "sessions_by_kind": by_kind,
            "attendance": {"children": len(kids), "caregivers": len(carers)},
            "scored": sum(1 for r in rows if r.pre_score is not None and r.post_score is not None),
            "average_score_gain": None if gain is None else str(gain),
            "risk_signs": signs, "risk_as_of": risk_day,
            "children_at_risk": sum(1 for s in risks.values() if s)}


def quarterly_xlsx(report: dict, labels: dict) -> bytes:
    """The report as a workbook (one sheet); ``labels`` are the translated texts of the row headings."""

    wb = Workbook()
    ws = wb.active
    ws.title = report["quarter"]
    t = labels.get
    rows = [
        [t("title"), report["quarter"]],
        [t("period"), report["from_"], report["to"]],
        [],
        [t("children"), report["children"]],
        [t("children_attending"), report["children_attending"]],
        [t("caregivers"), report["caregivers"]],
        [t("sessions"), report["sessions"]],
        *[[t(f"kind.{k}"), n] for k, n in report["sessions_by_kind"].items()],
        [t("attendance_children"), report["attendance"]["children"]],
        [t("attendance_caregivers"), report["attendance"]["caregivers"]],
        [t("average_score_gain"), report["average_score_gain"] or "-"],
        [t("children_at_risk"), report["children_at_risk"], report["risk_as_of"]],
        *[[t(f"risk.{k}"), n] for k, n in report["risk_signs"].items()],
    ]
    for row in rows:
        ws.append(safe_row(row))
    ws["A1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
