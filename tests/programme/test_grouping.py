"""Indicators grouped by village, district, regency or province (``group_by``): ratios from summed parts.

Worked example: the three cooperatives of tests/programme/conftest.py plus D, Jaten 3505012001 (district
Wonodadi 350501, regency Blitar 3505, also Jawa Timur 35): one PMI aktif whose migration was NOT procedural,
one member (pokok Rp 100.000) and a loan of Rp 300.000 disbursed 200 days ago, never repaid (non-performing).

Jawa Timur (35) then holds A and B in Tulungagung 3504 (district 350404) and D in Blitar 3505:

============  ========  =====  ===========  ==================  =====================  ==============
group         villages  coops  PMI aktif    procedural          loans / non-performing  NPL ratio
============  ========  =====  ===========  ==================  =====================  ==============
3504          2         2      3 (A 2, B 1)  4 of 5 = 80.00      1,800,000 / 1,200,000  66.67 (A 100, B 0)
3505          1         1      1            0 of 1 = 0.00       300,000 / 300,000      100.00
35 (total)    3         3      4            4 of 6 = 66.67      2,100,000 / 1,500,000  71.43
============  ========  =====  ===========  ==================  =====================  ==============

An average of ratios would give 3504 an NPL of 50.00 (A 100, B 0) and a procedural share of 87.50 (A 75, B
100), and the province an NPL of 83.33 (the regencies' 66.67 and 100): the test would catch either.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.programme.conftest import A_VILLAGE, B_VILLAGE

D_VILLAGE = "3505012001"


@pytest.fixture
def jatim(programme_data, make_coop, make_pmi, make_member, make_loan, today):
    d = make_coop("Koperasi Jaten", village_code=D_VILLAGE)
    make_pmi(d, "aktif", "SG", sex="F", record={"procedural": False})
    make_loan(d, make_member(d), principal=300_000, term_months=6, applied_on=today - timedelta(days=200))
    return {**programme_data, "d": d}


def _get(client, query):
    resp = client.get(f"/programme/indicators?{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_grouped_by_regency_the_ratios_are_summed_parts_not_averages(jatim, make_service_admin, api):
    """Jawa Timur by regency: Tulungagung 2 villages, NPL 66.67 and procedural share 80.00 from its summed
    parts, Blitar 100.00 and 0.00; the province's totals 71.43 and 66.67 (see the module's table)."""
    d = _get(api(make_service_admin()), "region=35&group_by=regency")
    assert d["group_by"] == "regency"
    assert [(g["code"], g["name"], g["villages"], g["cooperatives"]) for g in d["groups"]] == [
        ("3504", "Kabupaten Tulungagung", 2, 2), ("3505", "Kabupaten Blitar", 1, 1)]
    tulungagung, blitar = d["groups"]
    assert tulungagung["cooperative"]["npl_ratio"] == "66.67"  # 1,200,000 / 1,800,000, not (100 + 0) / 2
    assert tulungagung["pmi"]["procedural_share"] == "80.00"  # 4 / 5, not (75 + 100) / 2
    assert (tulungagung["pmi"]["aktif"], tulungagung["cooperative"]["members"],
            tulungagung["cooperative"]["savings"], tulungagung["cooperative"]["loans_outstanding"]) == \
        (3, 3, 450_000, 1_800_000)
    assert (blitar["cooperative"]["npl_ratio"], blitar["pmi"]["procedural_share"]) == ("100.00", "0.00")
    assert (blitar["pmi"]["aktif"], blitar["cooperative"]["savings"], blitar["cooperative"]["loans_outstanding"]) == \
        (1, 100_000, 300_000)
    assert (d["villages"], d["cooperatives"], d["pmi"]["aktif"]) == (3, 3, 4)
    assert d["cooperative"]["npl_ratio"] == "71.43"  # 1,500,000 / 2,100,000, not (66.67 + 100) / 2
    assert d["pmi"]["procedural_share"] == "66.67"  # 4 / 6
    assert sum(g["cooperative"]["loans_outstanding"] for g in d["groups"]) == d["cooperative"]["loans_outstanding"]


def test_each_level_groups_the_same_villages(jatim, make_service_admin, api):
    """Village: three groups (A, B, D) with their own ratios; district: 350404 (A and B) and 350501 (D);
    province: one group 35 equal to the totals; without group_by no groups at all."""
    client = api(make_service_admin())
    villages = _get(client, "region=35&group_by=village")["groups"]
    assert [(g["code"], g["villages"], g["cooperative"]["npl_ratio"]) for g in villages] == [
        (A_VILLAGE, 1, "100.00"), (B_VILLAGE, 1, "0.00"), (D_VILLAGE, 1, "100.00")]
    assert villages[0]["name"] == "Pakel"
    districts = _get(client, "region=35&group_by=district")["groups"]
    assert [(g["code"], g["name"], g["villages"], g["cooperative"]["npl_ratio"]) for g in districts] == [
        ("350404", "Ngantru", 2, "66.67"), ("350501", "Wonodadi", 1, "100.00")]
    whole = _get(client, "region=35&group_by=province")
    assert [(g["code"], g["name"], g["villages"], g["cooperatives"]) for g in whole["groups"]] == [
        ("35", "Jawa Timur", 3, 3)]
    assert whole["groups"][0]["cooperative"] == whole["cooperative"]
    assert whole["groups"][0]["pmi"] == whole["pmi"]
    plain = _get(client, "region=35")
    assert "groups" not in plain and "group_by" not in plain


def test_a_coordinator_groups_only_inside_their_region(jatim, make_coordinator, api):
    """A Tulungagung coordinator grouping by province gets one group 35 holding only their regency's
    villages (A and B): 2 villages, NPL 66.67; Blitar's cooperative is not in it."""
    d = _get(api(make_coordinator("3504")), "group_by=province")
    assert [(g["code"], g["villages"], g["cooperative"]["npl_ratio"]) for g in d["groups"]] == [("35", 2, "66.67")]


@pytest.mark.parametrize("value", ["kabupaten", "", "REGENCY"])
def test_an_unknown_grouping_is_a_422_naming_the_field(programme_data, make_service_admin, api, value):
    """group_by other than village, district, regency or province: 422 with a field error on group_by."""
    resp = api(make_service_admin()).get(f"/programme/indicators?region=35&group_by={value}")
    assert resp.status_code == 422
    assert list(resp.get_json()["error"]["fields"]) == ["group_by"]


def test_the_coordinators_page_switches_the_grouping(jatim, make_coordinator, login):
    """A Jawa Timur coordinator's page grouped by regency shows Tulungagung (2 villages, NPL 66.67 %) and
    Blitar (1, 100.00 %) in a groups table above the villages; grouped by village (the default) there is
    no groups table; an unknown grouping falls back to the villages, never a 500."""
    web = login(make_coordinator("35"))
    html = web.get("/programme/?region=35&group_by=regency").get_data(as_text=True)
    table = html.split('id="groups"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tbody>", 1)[1].split("</tr>")
    assert "Kabupaten Tulungagung" in rows[0] and "66.67 %" in rows[0] and "<td>2</td>" in rows[0]
    assert "Kabupaten Blitar" in rows[1] and "100.00 %" in rows[1]
    assert '<option selected value="regency">' in html
    default = web.get("/programme/?region=35").get_data(as_text=True)
    assert 'id="groups"' not in default and "Jaten" in default
    odd = web.get("/programme/?region=35&group_by=negara")
    assert odd.status_code == 200 and 'id="groups"' not in odd.get_data(as_text=True)
