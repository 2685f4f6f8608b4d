"""Programme indicators over three cooperatives in two regencies (numbers in tests/programme/conftest.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.programme.conftest import A_VILLAGE, B_VILLAGE, C_VILLAGE


def test_regency_totals_and_villages_add_up_by_hand(programme_data, make_coordinator, api, today):
    """Does a Tulungagung coordinator get the hand-counted totals of Pakel and Pucung Lor, and nothing of
    Indramayu?"""
    resp = api(make_coordinator("3504")).get("/programme/indicators")
    assert resp.status_code == 200, resp.get_json()
    d = resp.get_json()
    assert (d["region"], d["villages"], d["cooperatives"]) == ("3504", 2, 2)
    assert {k: d["pmi"][k] for k in ("calon", "aktif", "purna", "keluarga")} == \
        {"calon": 1, "aktif": 3, "purna": 1, "keluarga": 1}
    assert d["pmi"]["by_country"] == {"HK": 1, "MY": 1, "TW": 1}  # aktif only: HK, TW (A), MY (B)
    assert d["pmi"]["by_sex"] == {"F": 4, "M": 1}  # A: aktif F, aktif M, calon F, purna F; B: aktif F
    assert d["pmi"]["procedural_share"] == "80.00"  # records: A 3 of 4 procedural, B 1 of 1 -> 4/5
    assert d["desk"]["cases_by_stage"]["consultation"] == 1
    assert d["training"] == {"enrolled": 1, "completed": 0, "businesses_started": 1}
    assert d["parenting"] == {"children": 0, "sessions": 0}  # C's session is in Indramayu
    coop = d["cooperative"]
    assert coop["members"] == 3
    assert coop["savings"] == 100_000 * 3 + 150_000
    assert coop["loans_outstanding"] == 1_200_000 + 600_000
    assert coop["npl_ratio"] == "66.67"  # 1,200,000 of 1,800,000 more than 90 days late
    # A: cash topped up to 1,200,000 and lent out -> 0 cash + 1,200,000 receivable; B likewise 600,000
    assert coop["assets"] == 1_800_000
    villages = {v["village_code"]: v for v in d["by_village"]}
    assert list(villages) == [A_VILLAGE, B_VILLAGE]
    assert villages[A_VILLAGE]["village_name"] == "Pakel"
    assert villages[A_VILLAGE]["cooperative"]["npl_ratio"] == "100.00"
    assert villages[B_VILLAGE]["cooperative"]["npl_ratio"] == "0.00"
    assert villages[A_VILLAGE]["pmi"]["procedural_share"] == "75.00"
    assert villages[B_VILLAGE]["cooperative"]["savings"] == 100_000
    assert sum(v["pmi"]["aktif"] for v in villages.values()) == d["pmi"]["aktif"]


def test_province_coordinator_narrows_to_a_district_and_is_refused_elsewhere(programme_data, make_coordinator,
                                                                            api):
    """Does a Jawa Barat coordinator see only Haurkolot, and get 403 for Tulungagung and a broader region?"""
    client = api(make_coordinator("32"))
    d = client.get("/programme/indicators").get_json()
    assert (d["villages"], d["pmi"]["purna"], d["parenting"]["sessions"]) == (1, 1, 1)
    assert [v["village_code"] for v in d["by_village"]] == [C_VILLAGE]
    assert client.get("/programme/indicators?region=321201").get_json()["cooperatives"] == 1
    assert client.get("/programme/indicators?region=3504").status_code == 403
    district = api(make_coordinator("321201"))
    assert district.get("/programme/indicators?region=32").status_code == 403


def test_service_admin_sees_any_region(programme_data, make_service_admin, api):
    """Does a service admin get the indicators of a region they name, the district of A and B?"""
    d = api(make_service_admin()).get("/programme/indicators?region=350404").get_json()
    assert (d["cooperatives"], d["pmi"]["aktif"]) == (2, 3)


def test_flows_count_only_inside_the_period(programme_data, make_coordinator, api, today):
    """Do enrolments, businesses and sessions dated today drop out of a period that ended yesterday, while
    stocks (people, members) stay?"""
    yesterday = (today - timedelta(days=1)).isoformat()
    d = api(make_coordinator("35")).get(f"/programme/indicators?to={yesterday}").get_json()
    assert d["training"] == {"enrolled": 0, "completed": 0, "businesses_started": 0}
    assert (d["pmi"]["aktif"], d["cooperative"]["members"]) == (3, 3)


@pytest.mark.parametrize("query", ["region=99", "region=3599", "region=35040", "region=abc", "region=3504042001",
                                   "from=2026-02-01&to=2026-01-01", "from=kemarin"])
def test_bad_region_or_dates_are_422(app, make_service_admin, api, query):
    """Is an unknown or wrongly sized region code, a village code, or a reversed period a 422 naming the
    field?"""
    resp = api(make_service_admin()).get(f"/programme/indicators?{query}")
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["fields"]


def test_indicators_run_a_bounded_number_of_queries(programme_data, make_coordinator, api, app):
    """Does the number of SQL statements stay the same with three cooperatives as with one (aggregates per
    region, no query per cooperative or person)?"""
    import sqlalchemy as sa

    from coop.db import db

    counts = []

    def count(*_a, **_k):
        counts[-1] += 1

    for region in ("3212", "35"):
        client = api(make_coordinator(region))
        counts.append(0)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/programme/indicators").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert counts[0] == counts[1]


def _remit(coop, member, sender, amount, received_on, country):
    from decimal import Decimal

    from coop.db import atomic
    from coop.remittances.services import record_remittance
    from coop.savings import services as savings

    acc = savings.account_for(coop.id, member.id, "sukarela")
    atomic(record_remittance, coop.id, {
        "savings_account_id": acc.id, "sender_resident_id": sender.id, "country": country, "channel": "agent",
        "currency": "HKD", "foreign_amount": Decimal("100"), "amount": amount, "fee": 0,
        "received_on": received_on}, actor=None)
    return acc


def test_remittances_feed_the_indicators_and_the_saved_share_adds_up(programme_data, make_coordinator,
                                                                     make_member, make_resident, api, today):
    """Pakel receives 400.000 from Hong Kong 40 days ago and keeps it; Pucung Lor receives 1.000.000 from
    Malaysia 35 days ago and 750.000 leaves 30 days ago (kept 250.000): does Tulungagung show 2 remittances,
    1.400.000, and a saved share of 650.000 / 1.400.000 = 46,43 %, with 100,00 % and 25,00 % per village?"""
    from coop.db import atomic
    from coop.savings import services as savings

    a, b = programme_data["a"], programme_data["b"]
    a_member, b_member = make_member(a), make_member(b)
    _remit(a, a_member, make_resident(a), 400_000, today - timedelta(days=40), "HK")
    b_acc = _remit(b, b_member, make_resident(b), 1_000_000, today - timedelta(days=35), "MY")
    atomic(savings.withdraw, b.id, b_acc.id, 750_000, actor=None, value_date=today - timedelta(days=30))

    d = api(make_coordinator("3504")).get("/programme/indicators").get_json()
    assert d["remittances"] == {"count": 2, "amount": 1_400_000, "by_country": {"HK": 1, "MY": 1},
                                "saved_share": "46.43"}
    villages = {v["village_code"]: v["remittances"] for v in d["by_village"]}
    assert (villages[A_VILLAGE]["saved_share"], villages[B_VILLAGE]["saved_share"]) == ("100.00", "25.00")
    # a period that ended before either arrived counts none
    before = (today - timedelta(days=41)).isoformat()
    assert api(make_coordinator("3504")).get(f"/programme/indicators?to={before}").get_json()["remittances"] == \
        {"count": 0, "amount": 0, "by_country": {}, "saved_share": "0.00"}
