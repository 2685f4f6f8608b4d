"""The /api/v1/exports/* endpoints: who may export, streaming, and the audit trail of every export."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import db

PATHS = ["/exports/journal.csv", "/exports/general-ledger.xlsx", "/exports/saft.xml", "/exports/ledger.beancount"]


@pytest.mark.parametrize("path", PATHS)
def test_auditor_exports_and_each_export_is_audited(app, api, coop, users, books, path):
    """The auditor (read-only role) may take every export; an audit row names who took which book."""
    auditor = users["auditor"]
    resp = api(auditor).get(path + "?from=2026-01-01&to=2026-12-31")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    body = resp.get_data()
    assert len(body) > 100
    kind = path.rsplit("/", 1)[1]
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == f"export.{kind}",
                                                      AuditLog.actor_id == auditor.id))
    assert row is not None and row.cooperative_id == coop.id and "2026-01-01" in row.summary


def test_journal_csv_over_api_is_the_cooperatives_own(app, api, coop, users, books, make_coop, make_user):
    """Another cooperative's auditor gets an empty journal (header only), never this one's lines."""
    rows = list(csv.DictReader(io.StringIO(api(users["auditor"]).get("/exports/journal.csv").get_data(as_text=True))))
    assert len(rows) == 11
    other = make_user(make_coop(name="Koperasi Lain"), "auditor")
    rows = list(csv.DictReader(io.StringIO(api(other).get("/exports/journal.csv").get_data(as_text=True))))
    assert rows == []


@pytest.mark.parametrize("role", ["member", "officer"])
def test_roles_without_the_books_are_refused(app, api, users, role):
    """Members and officers do not read the books: 403 envelope."""
    resp = api(users[role]).get("/exports/journal.csv")
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"


def test_bad_period_is_a_422(app, api, users):
    """Is a SAF-T export with from after to 422 naming from, and one with from=kemarin 422?"""
    resp = api(users["auditor"]).get("/exports/saft.xml?from=2026-12-01&to=2026-01-01")
    assert resp.status_code == 422
    assert "from" in resp.get_json()["error"]["fields"]
    assert api(users["auditor"]).get("/exports/saft.xml?from=kemarin").status_code == 422


def test_general_ledger_xlsx_has_opening_movements_closing(app, api, users, books):
    """Kas in Feb-Apr: opening 3.000.000, three movements, closing 1.750.000."""
    from openpyxl import load_workbook

    resp = api(users["auditor"]).get("/exports/general-ledger.xlsx?from=2026-02-01&to=2026-04-30")
    ws = load_workbook(io.BytesIO(resp.get_data()), read_only=True).active
    kas = [r for r in ws.iter_rows(values_only=True) if r[0] == "1101"]
    assert kas[0][4] == "Saldo awal" and kas[0][8] == 3_000_000
    assert [r[8] for r in kas[1:-1]] == [3_500_000, 1_500_000, 1_750_000]
    assert kas[-1][4] == "Saldo akhir" and kas[-1][8] == 1_750_000
