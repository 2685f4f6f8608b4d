"""HTML pages of the reports area: who sees them, downloads are audited, SHU actions by role."""
from __future__ import annotations

import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import db


def test_auditor_reads_every_page_and_download_is_audited(app, client, login, users, books):
    """Does an auditor get every reports page, download the journal CSV (audited export.journal.csv via web
    with the NIK masked) and every other export, a 404 for an unknown export, and the RAT as PDF and XLSX?"""
    login(users["auditor"])
    for url in ["/reports/", "/reports/shu?year=2026", "/reports/rat?year=2026", "/reports/dashboard", "/dashboard"]:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[-1500:])
    resp = client.get("/reports/export/journal.csv?from=2026-01-01&to=2026-12-31")
    assert resp.status_code == 200 and resp.get_data(as_text=True).startswith("journal,chain_seq")
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "export.journal.csv",
                                                      AuditLog.actor_id == users["auditor"].id))
    assert row is not None and '"via": "web"' in row.summary and '"nik": "masked"' in row.summary
    for kind in ["general-ledger.xlsx", "saft.xml", "ledger.beancount", "trial-balance.csv", "member-ledgers.csv",
                 "loan-portfolio.csv", "training-participants.csv"]:
        assert client.get(f"/reports/export/{kind}").status_code == 200, kind
    assert client.get("/reports/export/nope.csv").status_code == 404
    pdf = client.get("/reports/rat.pdf?year=2026")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    assert client.get("/reports/rat.xlsx?year=2026").status_code == 200


def test_dashboard_charts_with_a_par_snapshot(app, client, login, users, year2026):
    """With a month-end snapshot the PAR trend chart renders with its percentage."""
    from datetime import date

    from coop.db import atomic
    from coop.reports.jobs import portfolio_snapshot

    atomic(portfolio_snapshot, users["manager"].cooperative_id, date(2026, 10, 31))
    assert atomic(portfolio_snapshot, users["manager"].cooperative_id, date(2026, 10, 31)) == "sudah ada"
    login(users["manager"])
    page = client.get("/reports/dashboard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Okt 26" in text and "Tren PAR" in text and "<svg" in text


def test_auditor_is_read_only_on_shu(app, client, login, users, books):
    """The auditor sees SHU but cannot close the year: 403, and no year-end row appears."""
    from coop.yearend.models import YearEnd

    login(users["auditor"])
    resp = client.post("/reports/shu?year=2026", data={"action": "close"})
    assert resp.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(YearEnd)) == 0


def test_manager_closes_year_through_the_page(app, client, login, users, books, rat_season):
    """Does a manager's close on the SHU page close 2026 with surplus 15.600 (50.000 - 30.000 - 4.400 PPh
    badan 22 % of 20.000) and then offer "Bukukan pembagian"?"""
    from coop.yearend.closing import get_year_end

    login(users["manager"])
    resp = client.post("/reports/shu?year=2026", data={"action": "close"})
    assert resp.status_code == 302
    assert get_year_end(users["manager"].cooperative_id, 2026).surplus == 50_000 - 30_000 - 4_400  # PPh badan 22 % of 20.000
    page = client.get("/reports/shu?year=2026").get_data(as_text=True)
    assert "Bukukan pembagian" in page


def test_members_and_officers_have_no_books(app, client, login, users):
    """Are the reports and the journal export 403 to a member and to an officer?"""
    for role in ("member", "officer"):
        login(users[role])
        assert client.get("/reports/").status_code == 403
        assert client.get("/reports/export/journal.csv").status_code == 403
