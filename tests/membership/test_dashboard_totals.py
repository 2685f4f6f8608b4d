"""The members dashboard panel's figures (``services.dashboard_totals``): members by status and savings
held per kind, as plain ints, for one cooperative only."""
from __future__ import annotations

from datetime import date

from coop.db import atomic
from coop.membership import services
from coop.savings import services as savings


def test_dashboard_totals_worked_example(coop, make_coop, make_member, fund, users, login):
    """Ani: pokok 100.000, wajib 2 x 20.000, sukarela 250.000.  Budi: pokok 100.000, sukarela 50.000 then
    withdraws 20.000.  Citra applied, pokok unpaid.  Another cooperative's member with 999.000 sukarela.

    members: active 2 (Ani, Budi), applied 1 (Citra), others 0.
    savings: pokok 100.000 + 100.000 = 200.000; wajib 40.000; sukarela 250.000 + 50.000 - 20.000 = 280.000;
    berjangka 0 (nobody has one)."""
    ani, budi = make_member(coop), make_member(coop)
    make_member(coop, pay_pokok=False)
    fund(ani, "wajib", 20_000)
    fund(ani, "wajib", 20_000)
    fund(ani, "sukarela", 250_000)
    fund(budi, "sukarela", 50_000)
    acc = savings.account_for(coop.id, budi.id, "sukarela")
    atomic(savings.withdraw, coop.id, acc.id, 20_000, actor=None, value_date=date(2025, 2, 1))
    other = make_coop("Koperasi Lain", village_code="3504042002")
    fund(make_member(other), "sukarela", 999_000)

    got = services.dashboard_totals(coop.id)
    assert got == {
        "members_by_status": {"applied": 1, "active": 2, "dormant": 0, "resigned": 0, "deceased": 0},
        "savings_by_kind": {"pokok": 200_000, "wajib": 40_000, "sukarela": 280_000, "berjangka": 0},
    }
    assert all(type(v) is int for part in got.values() for v in part.values())  # ints on PostgreSQL too
    assert services.dashboard_totals(other.id)["savings_by_kind"]["sukarela"] == 999_000

    page = login(users["manager"]).get("/dashboard").get_data(as_text=True)
    assert "2 anggota aktif, 1 calon" in page


def test_dashboard_totals_of_an_empty_cooperative_are_zeros(coop):
    """Are an empty cooperative's dashboard totals zero for every member status and every savings kind?"""
    got = services.dashboard_totals(coop.id)
    assert set(got["members_by_status"].values()) == {0} and set(got["savings_by_kind"].values()) == {0}
