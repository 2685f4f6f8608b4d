"""Desk exports: the monthly summary workbook (XLSX) and the reconciliation CSV for the ministry's
extract (NIK, name, destination, placement decision number and date, contract date). The NIK column is
filled only for roles that may see it (``coop.auth.roles.SEES_NIK``); every export is audited by the caller
through :func:`record_export`."""
from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from openpyxl import Workbook
from sqlalchemy.orm import selectinload

from coop import audit
from coop.db import db
from coop.desk import rules
from coop.desk.models import DeskCase
from coop.spreadsheet import cell_value

RECONCILIATION_COLUMNS = ("case_id", "nik", "full_name", "destination_country", "stage", "placement_decision_number",
                          "placement_decision_on", "contract_start_on", "departed_on", "returned_on")


def record_export(actor, cooperative_id: int, kind: str, **extra) -> None:
    audit.record(actor, f"export.desk_{kind}", "export", f"desk_{kind}", {"kind": kind, **extra},
                 cooperative_id=cooperative_id)


def reconciliation_rows(cooperative_id: int, *, sees_nik: bool) -> list[list]:
    """One row per case that reached ``registered`` or later (stopped cases included, for the record)."""
    cases = db.session.scalars(sa.select(DeskCase).where(DeskCase.cooperative_id == cooperative_id)
                               .options(selectinload(DeskCase.stage_changes), selectinload(DeskCase.resident))
                               .order_by(DeskCase.id))
    rows = []
    for c in cases:
        reached = {ch.stage: ch.moved_on for ch in c.stage_changes}
        if set(reached) == {"consultation"}:
            continue
        rows.append([c.id, c.resident.nik if sees_nik else "", cell_value(c.resident.full_name),
                     c.destination_country, c.stage, cell_value(c.placement_decision_number or ""),
                     c.placement_decision_on or "", c.contract_start_on or "", reached.get("departed", ""),
                     reached.get("returned", "")])
    return rows


def reconciliation_csv(cooperative_id: int, *, sees_nik: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(RECONCILIATION_COLUMNS)
    for row in reconciliation_rows(cooperative_id, sees_nik=sees_nik):
        w.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
    return buf.getvalue()


def summary_xlsx(data: dict, labels: dict[str, str]) -> bytes:
    """The summary dict of :func:`coop.desk.services.summary` as a one-sheet workbook; ``labels`` translate
    stage and red-flag codes (already in the request's language)."""

    wb = Workbook()
    ws = wb.active
    ws.title = data["month"]
    ws.append([labels.get("title", "Layanan migrasi"), data["month"]])
    for key in ("opened", "departed", "returned", "stopped", "consultations"):
        ws.append([labels.get(key, key), data[key]])
    ws.append([])
    ws.append([labels.get("by_stage", "Tahap")])
    for stage in rules.STAGES:
        ws.append([labels.get(stage, stage), data["cases_by_stage"][stage]])
    ws.append([])
    ws.append([labels.get("red_flags", "Tanda bahaya")])
    for flag in rules.RED_FLAGS:
        ws.append([labels.get(flag, flag), data["red_flags"][flag]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_labels() -> dict[str, str]:
    """Row labels of the summary workbook in the request's language."""

    labels = {"title": gettext("Layanan migrasi desa"), "opened": gettext("Kasus dibuka"),
              "departed": gettext("Berangkat"), "returned": gettext("Pulang"), "stopped": gettext("Dihentikan"),
              "consultations": gettext("Konsultasi"), "by_stage": gettext("Kasus per tahap"),
              "red_flags": gettext("Tanda bahaya")}
    labels.update({s: gettext(label) for s, label in rules.STAGE_LABELS.items()})
    labels.update({f: gettext(label) for f, label in rules.RED_FLAG_LABELS.items()})
    return labels
