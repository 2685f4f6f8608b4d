"""Registry services: residents, households, migration records and the derived PMI status."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import atomic, db
from coop.errors import Conflict, NotFound, ValidationError
from coop.registry import services
from coop.registry.models import Household, Resident, Village


def test_make_resident_is_valid_adult_in_own_household(coop, make_resident, today):
    """Is the make_resident fixture a living adult (18+) of the cooperative's village, not a PMI, head of its
    own household with the household's KK, and is the village Pakel stored?"""
    r = make_resident(coop)
    assert r.status == "hidup" and r.village_code == coop.village_code and r.pmi_status == "none"
    assert services.age_on(r, today) >= 18
    assert r.household.head_resident_id == r.id and r.kk_number == r.household.kk_number
    assert db.session.get(Village, coop.village_code).village_name == "Pakel"


def test_other_cooperatives_resident_is_not_found(make_coop, make_resident):
    """Are reading, updating and adding a migration record to another cooperative's resident all NotFound?"""
    a, b = make_coop("A"), make_coop("B")
    r = make_resident(b)
    with pytest.raises(NotFound):
        services.get_resident(a.id, r.id)
    with pytest.raises(NotFound):
        atomic(services.update_resident, a.id, r.id, {"full_name": "X"}, actor=None)
    with pytest.raises(NotFound):
        atomic(services.add_migration_record, a.id, r.id, {"status": "calon", "country": "HK"}, actor=None)


def test_same_nik_allowed_in_two_cooperatives_but_not_twice_in_one(make_coop, make_resident):
    """Is the same NIK allowed in two cooperatives but refused as a Conflict on nik the second time in one?"""
    a, b = make_coop("A"), make_coop("B")
    r = make_resident(a)
    make_resident(b, nik=r.nik)
    with pytest.raises(Conflict) as exc:
        make_resident(a, nik=r.nik)
    assert "nik" in exc.value.fields


def test_bad_nik_is_a_field_error_and_writes_nothing(coop, make_resident):
    """Is a man's NIK on a woman's row a ValidationError on the nik field alone, with no resident written?"""
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Resident))
    with pytest.raises(ValidationError) as exc:
        make_resident(coop, nik="3504040505900001", sex="F")  # a man's NIK on a woman's row
    assert list(exc.value.fields) == ["nik"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == before


def test_household_member_of_pmi_is_keluarga_and_follows_changes(coop, make_pmi):
    """Is the child of an active PMI (same household, anak) keluarga, and after moving to a household of its
    own as kepala_keluarga none, and head of that household?"""
    pmi = make_pmi(coop, "aktif", "TW")
    child = make_pmi.family(pmi)
    assert (pmi.pmi_status, child.pmi_status) == ("aktif", "keluarga")
    assert child.household_id == pmi.household_id and child.relationship == "anak"
    # the child moves to a household of its own: no longer keluarga
    atomic(services.update_resident, coop.id, child.id, {"kk_number": "3504041203150099",
                                                         "relationship": "kepala_keluarga"}, actor=None)
    assert child.pmi_status == "none"
    assert db.session.get(Household, child.household_id).head_resident_id == child.id


def test_make_pmi_statuses(coop, make_pmi):
    """Does the make_pmi fixture produce residents with pmi_status calon, purna and keluarga as asked?"""
    assert make_pmi(coop, "calon").pmi_status == "calon"
    assert make_pmi(coop, "purna", "SA").pmi_status == "purna"
    kel = make_pmi(coop, "keluarga")
    assert kel.pmi_status == "keluarga"


def test_latest_record_wins_and_update_moves_aktif_to_purna(coop, make_pmi):
    """Does the latest migration record set the status: a purna PMI leaving for TW becomes aktif, purna again
    when that record gets a return date, and calon with a new record for KR?"""
    r = make_pmi(coop, "purna", "HK")  # 2018-2022 in Hong Kong
    m = atomic(services.add_migration_record, coop.id, r.id,
               {"status": "aktif", "country": "TW", "departure_date": "2024-02-01"}, actor=None)
    assert r.pmi_status == "aktif"
    atomic(services.update_migration_record, coop.id, m.id, {"status": "purna", "return_date": "2026-01-15"},
           actor=None)
    assert r.pmi_status == "purna"
    atomic(services.add_migration_record, coop.id, r.id, {"status": "calon", "country": "KR"}, actor=None)
    assert r.pmi_status == "calon"


@pytest.mark.parametrize("data, field", [
    ({"status": "pulang", "country": "HK"}, "status"),
    ({"status": "purna", "country": "Hong Kong"}, "country"),
    ({"status": "purna", "country": "ID"}, "country"),
    ({"status": "purna", "country": "HK", "departure_date": "2020-01-01", "return_date": "2019-01-01"}, "return_on"),
    ({"status": "aktif", "country": "HK", "departure_date": "2020-01-01", "return_date": "2021-01-01"}, "status"),
    ({"status": "aktif", "country": "HK"}, "departure_on"),
    ({"status": "calon", "country": "HK", "scheme": "X"}, "scheme"),
    ({"status": "calon", "country": "HK", "monthly_remittance": -5}, "monthly_remittance"),
])
def test_bad_migration_records(coop, make_resident, data, field):
    """Is each bad migration record refused on its field: unknown status, a country name or ID instead of a
    foreign code, return before departure (return_on), aktif with a return date (status), aktif without
    departure (departure_on), unknown scheme, negative remittance?"""
    r = make_resident(coop)
    with pytest.raises(ValidationError) as exc:
        atomic(services.add_migration_record, coop.id, r.id, data, actor=None)
    assert field in exc.value.fields


def test_second_head_of_family_refused(coop, make_resident):
    """Is a second kepala_keluarga in the same KK refused on relationship?"""
    head = make_resident(coop)
    with pytest.raises(ValidationError) as exc:
        make_resident(coop, kk_number=head.kk_number, relationship="kepala_keluarga")
    assert "relationship" in exc.value.fields


def test_household_address_applies_to_members(coop, make_resident, users):
    """Does updating a household's RT to "5" and dusun Krajan apply to its members ("005", Krajan) and audit
    registry.household_update?"""
    head = make_resident(coop)
    member = make_resident(coop, kk_number=head.kk_number, relationship="istri", sex="F")
    atomic(services.update_household, coop.id, head.household_id, {"rt": "5", "dusun": "Krajan"},
           actor=users["officer"])
    db.session.expire_all()
    assert (member.rt, member.dusun) == ("005", "Krajan")
    assert db.session.scalar(sa.select(AuditLog.action).where(AuditLog.action == "registry.household_update"))


def test_writes_are_audited_with_masked_nik(coop, make_resident, users):
    """Is creating a resident audited as registry.resident_create under the officer, with the NIK masked
    (never whole) in the summary?"""
    r = make_resident(coop, actor=users["officer"])
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "registry.resident_create",
                                                      AuditLog.object_id == str(r.id)))
    assert row.actor_id == users["officer"].id
    assert r.nik not in row.summary and r.nik[:4] + "********" + r.nik[-4:] in row.summary


def test_search(coop, make_resident, make_pmi):
    """Does resident search find by name fragment, NIK, KK (as q and as kk), country (case-insensitive "my"),
    PMI status, RT and sex, and treat "50%_" literally (no match)?"""
    a = make_resident(coop, full_name="Sri Wahyuni", rt="3")
    make_resident(coop, full_name="Budi Santoso", sex="M")
    p = make_pmi(coop, "aktif", "MY", full_name="Siti Aminah")
    assert [r.id for r in services.search_residents(coop.id, q="wahyu")] == [a.id]
    assert [r.id for r in services.search_residents(coop.id, nik=a.nik)] == [a.id]
    assert [r.id for r in services.search_residents(coop.id, q=a.kk_number)] == [a.id]
    assert [r.id for r in services.search_residents(coop.id, kk=a.kk_number)] == [a.id]
    assert [r.id for r in services.search_residents(coop.id, country="my")] == [p.id]
    assert [r.id for r in services.search_residents(coop.id, pmi_status="aktif")] == [p.id]
    assert [r.id for r in services.search_residents(coop.id, rt="3")] == [a.id]
    assert {r.full_name for r in services.search_residents(coop.id, sex="M")} == {"Budi Santoso"}
    assert services.search_residents(coop.id, q="50%_") == []


def test_nik_reads_logged_for_non_officers_only(coop, make_resident, users):
    """Does log_nik_reads record a registry.nik_read for the treasurer (True) but not for the officer or
    auditor (False), leaving only the treasurer's row?"""
    r = make_resident(coop)
    assert atomic(services.log_nik_reads, coop.id, users["treasurer"], [r.id], where="test") is True
    assert atomic(services.log_nik_reads, coop.id, users["officer"], [r.id], where="test") is False
    assert atomic(services.log_nik_reads, coop.id, users["auditor"], [r.id], where="test") is False
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "registry.nik_read")).all()
    assert [x.actor_id for x in rows] == [users["treasurer"].id]


def test_village_stats(coop, make_pmi, make_resident):
    """Do the village stats of two purna/aktif PMIs in HK, one keluarga and one other resident count by status
    (purna 2, aktif 1, keluarga 1, none 1), by country (HK 3), returns by year (2022: 2), 5 residents and 4
    households?"""
    make_pmi(coop, "purna", "HK")
    make_pmi(coop, "aktif", "HK", sex="M")
    make_pmi(coop, "keluarga")
    make_resident(coop)
    s = services.village_stats(coop.id)
    assert s["by_pmi_status"] == {"purna": 2, "aktif": 1, "keluarga": 1, "none": 1}
    assert s["by_country"] == {"HK": 3}
    assert s["returns_by_year"] == {2022: 2}
    assert s["residents"] == 5 and s["households"] == 4
