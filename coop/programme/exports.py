"""A snapshot's indicators as a table (one row per village, then the region's total), for XLSX and CSV.
Cells go through coop.spreadsheet.safe_row (no formula injection, no characters a worksheet refuses)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from coop.spreadsheet import safe_row

#: Keys of an indicator object that are not indicators.
_META = ("village_code", "village_name", "region", "region_name", "from", "to", "by_village")


def _flatten(obj: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in obj.items():
        if not prefix and key in _META:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def table(data: dict) -> tuple[list[str], list[list]]:
    """``(header, rows)``: columns ``village_code``, ``village_name``, then every indicator as a dotted
    path (``pmi.calon``, ``pmi.by_country.MY``); the last row is the region's total."""
    total = _flatten(data)
    columns = list(total)
    for village in data.get("by_village", []):
        columns += [k for k in _flatten(village) if k not in columns]
    header = ["village_code", "village_name", *columns]
    rows = [[v["village_code"], v["village_name"], *[_flatten(v).get(c, 0) for c in columns]]
            for v in data.get("by_village", [])]
    rows.append([data.get("region", ""), "TOTAL " + str(data.get("region_name", "")),
                 *[total.get(c, 0) for c in columns]])
    return header, rows


def to_csv(data: dict, title: list[str]) -> str:
    header, rows = table(data)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(safe_row(title))
    w.writerow(safe_row(header))
    for row in rows:
        w.writerow(safe_row(row))
    return buf.getvalue()


def to_xlsx(data: dict, title: list[str]) -> bytes:
    header, rows = table(data)
    wb = Workbook()
    ws = wb.active
    ws.title = "Indikator"
    ws.append(safe_row(title))
    ws.append(safe_row(header))
    for row in rows:
        ws.append(safe_row(row))
    ws["A1"].font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
