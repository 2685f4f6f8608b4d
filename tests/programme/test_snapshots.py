"""Semester snapshots: stored once, frozen, downloadable as XLSX and CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook


def _semester(day) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def test_snapshot_is_frozen_when_the_books_move_on(programme_data, make_coordinator, api, fund, today):
    """Does a snapshot keep the savings it saw after a later deposit, while live indicators show the new
    total; and is a second snapshot of the same region and period a 409?"""
    coordinator = make_coordinator("3504")
    client = api(coordinator)
    period = _semester(today)
    resp = client.post("/programme/snapshots", json={"region": "3504", "period": period})
    assert resp.status_code == 201, resp.get_json()
    snap = resp.get_json()
    assert (snap["region"], snap["period"], snap["taken_by"]) == ("3504", period, coordinator.username)
    assert snap["indicators"]["cooperative"]["savings"] == 450_000

    member = programme_data["people"][6]  # a1, A's first member
    fund(member, "sukarela", 50_000, value_date=today)
    live = client.get("/programme/indicators").get_json()
    assert live["cooperative"]["savings"] == 500_000
    again = client.get(f"/programme/snapshots/{snap['id']}").get_json()
    assert again["indicators"] == snap["indicators"]
    assert again["taken_at"] == snap["taken_at"]
    dup = client.post("/programme/snapshots", json={"region": "3504", "period": period})
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "snapshot_exists"


def test_snapshot_downloads_as_csv_and_xlsx_with_a_total_row(programme_data, make_coordinator, api, today):
    """Do the CSV and the XLSX hold one row per village and the region's total with the same numbers?"""
    client = api(make_coordinator("3504"))
    sid = client.post("/programme/snapshots", json={"period": _semester(today)}).get_json()["id"]
    resp = client.get(f"/programme/snapshots/{sid}.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    header = rows[1]
    body = {r[0]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    assert set(body) == {"3504042001", "3504042002", "3504"}
    assert body["3504"]["cooperative.savings"] == "450000"
    assert body["3504042001"]["pmi.aktif"] == "2"
    assert body["3504"]["pmi.by_country.MY"] == "1"
    xlsx = client.get(f"/programme/snapshots/{sid}.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    col = values[1].index("cooperative.savings")
    assert values[-1][0] == "3504" and values[-1][col] == 450_000


def test_snapshot_of_another_region_is_not_found_for_a_coordinator(programme_data, make_coordinator, api, today):
    """Is a Tulungagung snapshot a 404 for an Indramayu coordinator (and its downloads too)?"""
    sid = api(make_coordinator("3504")).post("/programme/snapshots", json={"period": _semester(today)}).get_json()["id"]
    other = api(make_coordinator("3212"))
    for suffix in ("", ".csv", ".xlsx"):
        assert other.get(f"/programme/snapshots/{sid}{suffix}").status_code == 404
    assert other.get("/programme/snapshots").get_json()["items"] == []


@pytest.mark.parametrize("period", ["2027S1", "2027-S3", "27-S1", "", "1999-S1"])
def test_bad_period_is_422(app, make_coordinator, api, period):
    """Is a period that is not YYYY-S1/S2 a 422 naming ``period``?"""
    resp = api(make_coordinator("3504")).post("/programme/snapshots", json={"period": period})
    assert resp.status_code == 422
    assert "period" in resp.get_json()["error"]["fields"]


def test_future_semester_and_out_of_scope_region_are_refused(app, make_coordinator, api, today):
    """Is a semester that has not started a 422, and a region outside the coordinator's a 403?"""
    client = api(make_coordinator("3504"))
    nxt = today + timedelta(days=190)
    assert client.post("/programme/snapshots", json={"period": _semester(nxt)}).status_code == 422
    assert client.post("/programme/snapshots", json={"region": "3212", "period": _semester(today)}).status_code == 403
