"""Issue 15, item 8: the cash count is blind (the pecahan sheet without the books' balance), shows the
difference only after the count, records it only on "Konfirmasi" (a difference through 5204 Selisih Kas,
as before), prints a report with signature lines for the treasurer and a witness, and allows a second
count the same day, both shown.

Worked example: the member's pokok, Rp 100.000, is the only cash in the box on 2 Jan 2025. Counted: 1 x
50.000 + 2 x 20.000 + 1 x coin 1.000 + 6 x coin 500 + other 1.000 = 95.000 -> Rp 5.000 short."""
from __future__ import annotations

import html as htmllib
import re

import sqlalchemy as sa

from coop.db import db
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.savings.cash import sheet_total
from coop.savings.models import CashCount

SHEET = {"counted_on": "2025-01-02", "n50000": "1", "n20000": "2", "c1000": "1", "c500": "6", "counted": "1.000",
         "witness": "Pak Slamet"}


def _counts(coop_id: int) -> list[CashCount]:
    return list(db.session.scalars(sa.select(CashCount).where(CashCount.cooperative_id == coop_id)
                                   .order_by(CashCount.id)))


def _hidden(html: str) -> dict[str, str]:
    block = re.search(r'<form[^>]*id="confirm-form".*?</form>', html, re.S).group(0)
    return {k: htmllib.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                                         block)}


def test_sheet_total_by_hand():
    """3 x 100.000 + 1 x 20.000 + 4 x coin 500 + other 300 = 322.300; and the example's 95.000."""
    assert sheet_total({"100000": 3, "20000": 1, "coin500": 4, "other": 300}) == 322_300
    assert sheet_total({"50000": 1, "20000": 2, "coin1000": 1, "coin500": 6, "other": 1_000}) == 95_000


def test_blind_count_then_difference_then_confirm_and_report(coop, users, login, make_member):
    """The form shows no book balance; the sheet's submit shows 95.000 counted, 100.000 in the books and
    -5.000, and records nothing; "Konfirmasi" (pressed twice) records one count with its sheet, books the
    5.000 to Selisih Kas and opens the report with both signature lines."""
    make_member(coop)
    web = login(users["treasurer"])
    form = web.get("/cashdesk/cash-count").get_data(as_text=True)
    assert "Rp 100.000" not in form and 'id="expected"' not in form and 'name="n100000"' in form
    nonce = re.search(r'value="([0-9a-f]{32})"', re.search(r'<input[^>]*name="nonce"[^>]*>', form).group(0)).group(1)
    page = web.post("/cashdesk/cash-count", data=SHEET | {"nonce": nonce})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _counts(coop.id) == []
    assert re.search(r'id="counted-total">Rp 95\.000<', html)
    assert re.search(r'id="expected">Rp 100\.000<', html) and re.search(r'id="difference">-Rp 5\.000<', html)
    assert "Kas kurang Rp 5.000." in html
    hidden = _hidden(html)
    assert hidden["n50000"] == "1" and hidden["witness"] == "Pak Slamet"
    assert hidden["nonce"] == nonce  # the form's one-time nonce survives the round trip
    first = web.post("/cashdesk/cash-count", data=hidden | {"confirm": "1"})
    again = web.post("/cashdesk/cash-count", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    [row] = _counts(coop.id)
    assert (row.expected, row.counted, row.difference) == (100_000, 95_000, -5_000)
    assert row.denominations["50000"] == 1 and row.denominations["coin500"] == 6 and row.denominations["other"] == 1_000
    assert row.actor_id == users["treasurer"].id and row.witness == "Pak Slamet" and row.created_at is not None
    assert account_by_code(coop.id, chart.SELISIH_KAS).natural_balance() == 5_000
    report = web.get(first.location).get_data(as_text=True)
    assert "BERITA ACARA HITUNG KAS" in report and "hitungan ke-1" in report
    assert re.search(r'id="sign-treasurer">[^<]*' + re.escape(users["treasurer"].full_name), report)
    assert re.search(r'id="sign-witness">Pak Slamet', report)
    assert re.search(r"<td>Rp 50\.000</td><td class=\"text-end\">1</td><td class=\"money\">Rp 50\.000</td>", report)


def test_edit_keeps_the_sheet(coop, users, login, make_member):
    """"Hitung ulang" on the difference page returns the sheet with the pieces typed, nothing recorded."""
    make_member(coop)
    web = login(users["treasurer"])
    hidden = _hidden(web.post("/cashdesk/cash-count", data=SHEET).get_data(as_text=True))
    back = web.post("/cashdesk/cash-count", data=hidden | {"edit": "1"}).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="c500"[^>]*value="6"', back) and 'id="expected"' not in back
    assert _counts(coop.id) == []


def test_second_count_the_same_day_is_recorded_and_both_are_shown(coop, users, login, make_member):
    """After the 95.000 count (Kas now 95.000 in the books), a recount finds 95.500 (a 500 coin under the
    tray): +500 booked; the report says "hitungan ke-2" and lists both counts; the form names both."""
    make_member(coop)
    web = login(users["treasurer"])
    web.post("/cashdesk/cash-count", data=SHEET | {"confirm": "1", "nonce": "1" * 32})
    second = web.post("/cashdesk/cash-count", data=SHEET | {"c500": "7", "confirm": "1", "nonce": "2" * 32})
    assert second.status_code == 302
    first_row, second_row = _counts(coop.id)
    assert (second_row.expected, second_row.counted, second_row.difference) == (95_000, 95_500, 500)
    assert account_by_code(coop.id, chart.KAS).natural_balance() == 95_500
    report = web.get(second.location).get_data(as_text=True)
    assert "hitungan ke-2" in report
    same_day = re.search(r'<table class="table table-sm" id="same-day">.*?</table>', report, re.S).group(0)
    assert "Rp 95.000" in same_day and "Rp 95.500" in same_day and "-Rp 5.000" in same_day
    dated = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-02", "edit": "1"}).get_data(as_text=True)
    assert "Sudah ada 2 hitungan pada tanggal ini" in dated
