"""Member lifecycle: eligibility with clear reasons, numbering, activation by pokok, resignation."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic
from coop.errors import NotFound, RuleViolation
from coop.membership import services
from coop.savings import services as savings


def test_register_opens_three_accounts_and_numbers_members(coop, make_member, make_resident):
    """A new member gets KDM-000001, -000002 ... and pokok/wajib/sukarela accounts; paying the pokok
    makes them active."""
    m1 = make_member(coop, pay_pokok=False)
    m2 = make_member(coop)
    assert (m1.member_number, m2.member_number) == ("KDM-000001", "KDM-000002")
    assert m1.status == "applied" and m2.status == "active"
    kinds = [a.kind for a in savings.accounts_of(coop.id, m1.id)]
    assert kinds == ["pokok", "wajib", "sukarela"]
    assert savings.account_for(coop.id, m2.id, "pokok").balance == 100_000
    acc = savings.account_for(coop.id, m1.id, "pokok")
    atomic(savings.deposit, coop.id, acc.id, 60_000, actor=None, value_date=date(2025, 1, 3))
    assert services.get_member(coop.id, m1.id).status == "applied"
    with pytest.raises(RuleViolation, match="Simpanan pokok hanya Rp 100.000"):
        atomic(savings.deposit, coop.id, acc.id, 50_000, actor=None, value_date=date(2025, 1, 3))
    atomic(savings.deposit, coop.id, acc.id, 40_000, actor=None, value_date=date(2025, 1, 4))
    assert services.get_member(coop.id, m1.id).status == "active"


@pytest.mark.parametrize("overrides, reason", [
    ({"birth_date": date(2010, 1, 1)}, "Belum dewasa"),
    ({"status": "mati"}, "bukan 'hidup'"),
])
def test_ineligible_residents_are_refused_with_a_reason(coop, make_resident, seed_savings, overrides, reason):
    """Is registering a minor ("Belum dewasa") or a dead resident ("bukan 'hidup'") refused as not_eligible
    with the reason?"""
    seed_savings(coop)
    resident = make_resident(coop, **overrides)
    with pytest.raises(RuleViolation, match=reason) as exc:
        atomic(services.register_member, coop.id, resident.id, date(2025, 1, 2), actor=None)
    assert exc.value.code == "not_eligible"


def test_resident_of_another_village_and_double_membership_are_refused(coop, make_coop, make_resident,
                                                                       make_member, seed_savings):
    """Is a resident living in another village refused ("Bukan penduduk desa"), and a resident already a
    member refused naming the number ("Sudah tercatat sebagai anggota KDM-000001")?"""
    seed_savings(coop)
    elsewhere = make_coop("Koperasi Tetangga", village_code="3504042002")
    # a resident registered in our cooperative's registry but living in the neighbouring village
    outsider = make_resident(coop, village_code=elsewhere.village_code)
    with pytest.raises(RuleViolation, match="Bukan penduduk desa"):
        atomic(services.register_member, coop.id, outsider.id, date(2025, 1, 2), actor=None)
    member = make_member(coop)
    with pytest.raises(RuleViolation, match="Sudah tercatat sebagai anggota KDM-000001"):
        atomic(services.register_member, coop.id, member.resident_id, date(2025, 2, 2), actor=None)


def test_member_of_another_cooperative_is_not_found(coop, make_coop, make_member):
    """Is a member of another cooperative NotFound through get_member?"""
    other = make_coop("Koperasi B", village_code="3504042002")
    m = make_member(other)
    with pytest.raises(NotFound):
        services.get_member(coop.id, m.id)


def test_search_finds_by_name_fragment_number_and_nik(coop, make_member, make_resident):
    """Does member search find Sri Wahyuni (and only her) by "wahyu", by "000001" and by the first ten digits
    of her NIK, and return nothing for an empty query?"""
    r = make_resident(coop, full_name="Sri Wahyuni")
    m = make_member(coop, resident=r)
    make_member(coop)
    assert services.search(coop.id, "wahyu") == [m]
    assert services.search(coop.id, "000001") == [m]
    assert services.search(coop.id, r.nik[:10]) == [m]
    assert services.search(coop.id, "") == []


def test_resignation_refunds_all_savings_in_one_entry(coop, make_member, fund):
    """Pokok 100.000 + wajib 60.000 + sukarela 250.000 = Rp 410.000 paid out in cash; accounts closed;
    further deposits refused (non-members may not save). Leaving on 1 November: no day of the month is
    held, so the closing pays no jasa simpanan (tests/savings has the partial-month figures)."""
    m = make_member(coop)
    fund(m, "wajib", 60_000)
    fund(m, "sukarela", 250_000)
    s = atomic(services.resign, coop.id, m.id, date(2026, 11, 1), actor=None)
    assert (s.savings_total, s.loans_total, s.refund) == (410_000, 0, 410_000)
    assert len(s.entry.postings) == 4
    assert all(a.status == "closed" and a.balance == 0 for a in savings.accounts_of(coop.id, m.id))
    assert services.get_member(coop.id, m.id).status == "resigned"
    again = services.settlement_of(coop.id, m.id)
    assert (again.savings_total, again.refund) == (410_000, 410_000)
    sukarela = [a for a in savings.accounts_of(coop.id, m.id) if a.kind == "sukarela"][0]
    with pytest.raises(RuleViolation, match="Hanya anggota"):
        atomic(savings.deposit, coop.id, sukarela.id, 1_000, actor=None, value_date=date(2026, 11, 28))
    with pytest.raises(RuleViolation, match="sudah berstatus Keluar"):
        atomic(services.resign, coop.id, m.id, date(2026, 11, 28), actor=None)


def test_member_for_user_links_logins(coop, make_member, make_user):
    """Is member_for_user None for an unlinked member login and the member once link_user has linked them?"""
    m = make_member(coop)
    u = make_user(coop, "member")
    assert services.member_for_user(u) is None
    atomic(services.link_user, coop.id, m.id, u, actor=None)
    assert services.member_for_user(u).id == m.id
