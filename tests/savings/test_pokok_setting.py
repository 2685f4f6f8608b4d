"""Simpanan pokok by effective date (issue 13): a change of ``simpanan_pokok_amount`` applies to members
who join on or after its effective date; earlier members keep the amount they joined under."""
from __future__ import annotations

from datetime import date

import pytest

from coop import settings
from coop.db import atomic
from coop.errors import RuleViolation
from coop.membership import services
from coop.savings import services as savings


def _pokok(coop, m):
    return savings.account_for(coop.id, m.id, "pokok")


def test_pokok_raised_from_june_applies_to_members_joining_from_june(coop, make_member):
    """Pokok Rp 100.000, raised to Rp 150.000 effective 1 June 2026. A member who joined on 31 May owes
    Rp 100.000 (Rp 150.000 is refused as overpaid; Rp 100.000 makes them active); one who joins on 1 June
    owes Rp 150.000 (Rp 100.000 leaves them a candidate, Rp 50.000 more activates, Rp 1 more is refused)."""
    may = make_member(coop, pay_pokok=False, joined_on=date(2026, 5, 31))
    atomic(settings.set_value, coop.id, "simpanan_pokok_amount", 150_000, effective_on=date(2026, 6, 1))
    june = make_member(coop, pay_pokok=False, joined_on=date(2026, 6, 1))
    assert (savings.pokok_due(_pokok(coop, may)), savings.pokok_due(_pokok(coop, june))) == (100_000, 150_000)
    with pytest.raises(RuleViolation, match="Rp 100.000 sekali"):
        atomic(savings.deposit, coop.id, _pokok(coop, may).id, 150_000, actor=None, value_date=date(2026, 6, 2))
    atomic(savings.deposit, coop.id, _pokok(coop, may).id, 100_000, actor=None, value_date=date(2026, 6, 2))
    assert services.get_member(coop.id, may.id).status == "active"
    atomic(savings.deposit, coop.id, _pokok(coop, june).id, 100_000, actor=None, value_date=date(2026, 6, 2))
    assert services.get_member(coop.id, june.id).status == "applied"
    atomic(savings.deposit, coop.id, _pokok(coop, june).id, 50_000, actor=None, value_date=date(2026, 6, 3))
    assert services.get_member(coop.id, june.id).status == "active"
    with pytest.raises(RuleViolation, match="pokok_overpaid|sekali"):
        atomic(savings.deposit, coop.id, _pokok(coop, june).id, 1, actor=None, value_date=date(2026, 6, 3))


def test_join_page_takes_the_pokok_in_force_on_the_joining_day(coop, users, login, make_resident, seed_savings):
    """The join form's "pokok paid now" takes Rp 150.000 from a member joining after the raise took
    effect, and the old Rp 100.000 from one who joined (backdated) before it."""
    seed_savings(coop)
    atomic(settings.set_value, coop.id, "simpanan_pokok_amount", 150_000, effective_on=date(2026, 6, 1))
    web = login(users["treasurer"])
    for name, joined, owed in (("Budi Santoso", "2026-06-01", 150_000), ("Ani Lestari", "2026-05-31", 100_000)):
        r = make_resident(coop, full_name=name)
        resp = web.post("/members/new", data={"nik": r.nik, "joined_on": joined, "member_type": "biasa",
                                              "pay_pokok": "y", "confirm": "1"})  # the confirmed step
        assert resp.status_code == 302
        m = services.search(coop.id, name.split()[0])[0]
        assert (_pokok(coop, m).balance, m.status) == (owed, "active")
