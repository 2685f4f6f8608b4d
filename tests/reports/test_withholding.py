"""PPh withholding slips (bukti potong) on savings interest: one per member per month, even at 0 %, and the
monthly totals (issue 13, Deliver 2).

Worked example (the savings area's PP 15/2009 case): sukarela at 12 %/yr on the lowest monthly balance.
A holds Rp 24.000.000 all February 2025: 24.000.000 x 12 % / 12 = 240.000, at the threshold: PPh 0 %.
B holds Rp 24.000.100: 240.001, over it: PPh 10 % = 24.000, net 216.001. C saves nothing and gets no slip.
February's totals: 2 slips, 1 taxed, gross 480.001, PPh 24.000, net 456.001 = the 24.000 on 2401.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop.db import atomic, db
from coop.reports import withholding
from coop.savings import interest
from coop.savings import services as savings


@pytest.fixture
def february(coop, make_member, fund):
    p = savings.default_product(coop.id, "sukarela")
    p.interest_method, p.interest_rate = "lowest_monthly_balance", Decimal("12")
    db.session.flush()
    a, b = make_member(coop), make_member(coop)
    make_member(coop)
    fund(a, "sukarela", 24_000_000, date(2025, 1, 20))
    fund(b, "sukarela", 24_000_100, date(2025, 1, 20))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 2, 28))
    return a, b


def test_one_slip_per_member_and_month_even_at_zero_percent(app, coop, february):
    """Does February give A a slip at 0 % (240.000, PPh 0) and B one at 10 % (240.001, PPh 24.000, net
    216.001), numbered BP/2025/02/<member number>, NIK masked, and nobody else a slip?"""
    a, b = february
    slips = withholding.slips(coop.id, 2025, 2)
    assert [(s.number, s.gross, s.tax, s.net, s.rate_percent) for s in slips] == [
        (f"BP/2025/02/{a.member_number}", 240_000, 0, 240_000, Decimal(0)),
        (f"BP/2025/02/{b.member_number}", 240_001, 24_000, 216_001, Decimal("10.00")),
    ]
    assert all("*" in s.nik for s in slips)
    assert withholding.slips(coop.id, 2025, 1) == []
    # a reprint is the same slip
    assert withholding.slips(coop.id, 2025, 2) == slips


def test_monthly_totals_agree_with_the_ledger(app, coop, february):
    """Do February's totals say 2 slips, 1 taxed, gross 480.001, PPh 24.000, net 456.001, and the 24.000 the
    interest entry credited to 2401; January nothing?"""
    rows = {r["month"]: r for r in withholding.monthly_totals(coop.id, 2025, date(2025, 3, 31))}
    assert sorted(rows) == ["2025-01", "2025-02", "2025-03"]
    assert rows["2025-02"] == {"month": "2025-02", "slips": 2, "slips_taxed": 1, "gross": 480_001, "tax": 24_000,
                               "net": 456_001, "ledger_tax": 24_000}
    assert (rows["2025-01"]["slips"], rows["2025-01"]["tax"]) == (0, 0)


def test_pages_and_csv(app, client, login, users, coop, february):
    """Does the treasurer see the totals page, the printable slips and both CSVs; does a junk month give 400
    (never 500) and a member 403?"""
    a, b = february
    login(users["treasurer"])
    page = client.get("/reports/pph?year=2025")
    assert page.status_code == 200 and "480.001" in page.get_data(as_text=True)
    slips = client.get("/reports/pph/slips?month=2025-02")
    text = slips.get_data(as_text=True)
    assert slips.status_code == 200 and f"BP/2025/02/{b.member_number}" in text and "24.000" in text
    csv = client.get("/reports/pph.csv?year=2025").get_data(as_text=True).splitlines()
    assert csv[0].startswith("month,slips") and "2025-02,2,1,480001,24000,456001,24000" in csv
    lines = client.get("/reports/pph/slips.csv?month=2025-02").get_data(as_text=True).splitlines()
    assert len(lines) == 3 and lines[2].startswith(f"BP/2025/02/{b.member_number},2025-02,{b.member_number},")
    for junk in ("2025-13", "x", "", "2025-2"):
        assert client.get(f"/reports/pph/slips?month={junk}").status_code == 400
    assert client.get("/reports/pph?year=abc").status_code == 400
    login(users["member"])
    assert client.get("/reports/pph?year=2025").status_code == 403


def test_api_monthly_totals(app, api, users, coop, february):
    """Does GET /api/v1/reports/pph-savings-interest give February's totals as JSON, and a year that is not a
    year a 422 envelope (never a 500)?"""
    resp = api(users["auditor"]).get("/reports/pph-savings-interest?year=2025")
    assert resp.status_code == 200
    months = {m["month"]: m for m in resp.get_json()["months"]}
    assert (months["2025-02"]["slips"], months["2025-02"]["tax"], months["2025-02"]["ledger_tax"]) == (2, 24_000, 24_000)
    for junk in ("abc", "1999", "99999999999999999999"):
        assert api(users["auditor"]).get(f"/reports/pph-savings-interest?year={junk}").status_code == 422
    assert api(users["member"]).get("/reports/pph-savings-interest").status_code == 403
