"""Pure validation of NIK, KK, region codes and resident rows (worked examples checked by hand)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.registry import regions, rules


def test_woman_nik_day_plus_40_matches_row():
    """3504044505900001: district 35.04.04, day 45 - 40 = 5, May 1990, a woman, serial 0001."""
    check = rules.check_nik("3504044505900001", sex="F", birth_date=date(1990, 5, 5),
                            known_district=regions.is_district)
    assert check.ok and check.warnings == []
    info = check.info
    assert (info.district_code, info.sex, info.day, info.month, info.year2, info.serial) == \
        ("350404", "F", 5, 5, 90, "0001")
    assert info.birth_date(date(2026, 11, 27)) == date(1990, 5, 5)


def test_woman_nik_refused_for_a_man_row(monkeypatch):
    """A woman's NIK on a man's row: refused on the NIK, in Indonesian only (outside a page, COOP_LANG
    unset), in English only with COOP_LANG=en (issue 15: one language per message)."""
    monkeypatch.delenv("COOP_LANG", raising=False)
    check = rules.check_nik("3504044505900001", sex="M", birth_date=date(1990, 5, 5))
    assert list(check.errors) == ["nik"]
    assert "jenis kelamin" in check.errors["nik"][0] and "sex does not match" not in check.errors["nik"][0]
    monkeypatch.setenv("COOP_LANG", "en")
    message = rules.check_nik("3504044505900001", sex="M", birth_date=date(1990, 5, 5)).errors["nik"][0]
    assert "sex does not match" in message and "jenis kelamin" not in message


def test_man_nik_and_birth_date_mismatch():
    """Is a man's NIK encoding 5 May 1990 refused for a birth date of 6 May 1990 ("tanggal lahir 06-05-1990
    tidak cocok") and accepted for 5 May?"""
    check = rules.check_nik("3504040505900002", sex="M", birth_date=date(1990, 5, 6))
    assert check.errors["nik"][0].startswith("tanggal lahir 06-05-1990 tidak cocok")
    assert rules.check_nik("3504040505900002", sex="M", birth_date=date(1990, 5, 5)).ok


@pytest.mark.parametrize("nik, fragment", [
    ("350404450590001", "16 digit (ada 15)"),
    ("35040445059000012", "16 digit (ada 17)"),
    ("35040445O5900001", "hanya boleh berisi angka"),
    ("3504043205900001", "tidak valid"),      # day 32
    ("3504047205900001", "tidak valid"),      # day 72 - 40 = 32
    ("3504040513900001", "tidak valid"),      # month 13
    ("3504042902010001", "tidak valid"),      # 29 Feb 1901 and 2001: no leap year
    ("3504040505900000", "0000"),
    ("9904040505900001", "provinsi 99"),
    ("3500040505900001", "kabupaten/kota 00"),
    ("3504000505900001", "kecamatan 00"),
])
def test_structurally_bad_niks(nik, fragment):
    """Is each structurally bad NIK refused with its own message: 15 or 17 digits, a letter O, day 32 or 72,
    month 13, 29 Feb of a non-leap year, serial 0000, province 99, regency 00, district 00?"""
    check = rules.check_nik(nik)
    assert not check.ok
    assert fragment in " ".join(check.errors["nik"])


def test_29_february_2000_is_valid():
    """Is a man's NIK for 29 February 2000 (a leap year) valid?"""
    assert rules.check_nik("3504042902000001", sex="M", birth_date=date(2000, 2, 29)).ok


def test_temporary_nik_accepted_and_flagged():
    """0 + village 3504042001 + serial 00017: accepted, flagged, no date/sex check possible."""
    check = rules.check_nik("0350404200100017", sex="M", birth_date=date(1990, 1, 1))
    assert check.ok
    assert check.info.is_temporary and check.info.village_code == "3504042001" and check.info.serial == "00017"
    assert "sementara" in check.warnings[0]
    assert not rules.check_nik("0350404300100017").ok  # village part must start with 1 or 2
    assert not rules.check_nik("0350404200100000").ok  # serial 00000


def test_old_district_code_warns_not_refuses():
    """3571... is Kota Kediri; 357199 is no district in 2025: a warning, not an error."""
    assert not regions.is_district("357199")
    check = rules.check_nik("3571990505900001", sex="M", birth_date=date(1990, 5, 5),
                            known_district=regions.is_district)
    assert check.ok
    assert "357199" in check.warnings[0]


def test_kk_structure():
    """Is a well-formed KK number valid, and are 15 digits, day 32, serial 0000 and province 00 refused with
    their messages?"""
    assert rules.check_kk("3504041203150003", regions.is_district).ok
    assert "16 digit" in rules.check_kk("350404120315000").errors["kk_number"][0]
    assert "tanggal" in rules.check_kk("3504043203150003").errors["kk_number"][0]
    assert "0000" in rules.check_kk("3504041203150000").errors["kk_number"][0]
    assert "provinsi" in rules.check_kk("0004041203150003").errors["kk_number"][0]


def test_village_codes():
    """Is village code 3504042001 valid with or without dots, and are 9 digits, a kelurahan code, a code
    missing from the table and regency 70 refused with their messages?"""
    assert rules.check_village_code("3504042001", regions.is_village) == []
    assert rules.check_village_code("35.04.04.2001", regions.is_village) == []
    assert "10 digit" in rules.check_village_code("350404200")[0]
    assert "kelurahan" in rules.check_village_code("3504043001")[0]
    assert "tabel" in rules.check_village_code("3504042999", regions.is_village)[0]
    assert "kabupaten/kota 70" in rules.check_village_code("3570012001")[0]


def test_region_names():
    """Does village 3504042001 resolve to Pakel, Ngantru, Kabupaten Tulungagung, Jawa Timur, a desa and not a
    kelurahan?"""
    v = regions.village("3504042001")
    assert (v.village, v.district, v.regency, v.province) == ("Pakel", "Ngantru", "Kabupaten Tulungagung",
                                                              "Jawa Timur")
    assert not v.is_kelurahan


def test_resident_row_reports_every_bad_field_in_one_language():
    """Does validating a resident row report every bad field at once (kk_number, sex, birth_date, rt,
    relationship), each message in one language only, and trim the name to "Sri Wahyuni"?"""
    clean, check = rules.validate_resident(
        {"nik": "3504044505900001", "kk_number": "35040412", "full_name": " Sri  Wahyuni ", "sex": "x",
         "birth_place": "Tulungagung", "birth_date": "1990-13-01", "village_code": "3504042001",
         "rt": "1234", "relationship": "tetangga"}, today=date(2026, 11, 27), known_village=regions.is_village)
    assert set(check.errors) == {"kk_number", "sex", "birth_date", "rt", "relationship"}
    assert " / " not in check.errors["sex"][0]  # one language at a time (issue 15)
    assert clean["full_name"] == "Sri Wahyuni"


def test_resident_row_normalises_values():
    """Does validating a resident row normalise P to F, "05-05-1990" to a date, RT/RW to "001"/"002", "Kepala
    Keluarga" to kepala_keluarga, the phone to digits, the dotted village code to 3504042001, and flag the NIK
    permanent?"""
    clean, check = rules.validate_resident(
        {"nik": "3504044505900001", "kk_number": "3504041203150003", "full_name": "Sri Wahyuni", "sex": "P",
         "birth_place": "Tulungagung", "birth_date": "05-05-1990", "village_code": "35.04.04.2001",
         "rt": "1", "rw": "02", "relationship": "Kepala Keluarga", "phone": "0812-3456-7890"},
        today=date(2026, 11, 27))
    assert check.ok, check.errors
    assert clean["sex"] == "F" and clean["birth_date"] == date(1990, 5, 5)
    assert (clean["rt"], clean["rw"], clean["relationship"], clean["phone"]) == ("001", "002", "kepala_keluarga",
                                                                                "081234567890")
    assert clean["village_code"] == "3504042001" and clean["is_temporary_nik"] is False


def test_future_birth_date_refused():
    """Is a birth date of 28 November 2026, the day after today, refused as "masa depan"?"""
    _, check = rules.validate_resident({"birth_date": "2026-11-28"}, today=date(2026, 11, 27))
    assert "masa depan" in check.errors["birth_date"][0]


def test_age_on_birthday_edges():
    """Is someone born 5 May 1990 35 on 4 May 2026 and 36 on 5 May, and someone born 29 Feb 2000 25 on 28 Feb
    2026 and 26 on 1 March?"""
    assert rules.age_on(date(1990, 5, 5), date(2026, 5, 4)) == 35
    assert rules.age_on(date(1990, 5, 5), date(2026, 5, 5)) == 36
    assert rules.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert rules.age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26


def test_derive_pmi_status():
    """Does derive_pmi_status keep own statuses (purna, calon), make a household member of a PMI keluarga, and
    leave a resident of another household none?"""
    own = {1: "purna", 2: None, 3: None, 4: "calon"}
    households = {1: 10, 2: 10, 3: 11, 4: 12}
    assert rules.derive_pmi_status(own, households) == {1: "purna", 2: "keluarga", 3: "none", 4: "calon"}


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 11, 27)), st.sampled_from(["M", "F"]),
       st.integers(min_value=1, max_value=9999))
def test_any_generated_nik_round_trips(birth_date, sex, serial):
    """A NIK built from (birth date, sex) validates against exactly that row and not the other sex."""
    nik = "350404" + rules.nik_date_part(birth_date, sex) + f"{serial:04d}"
    assert rules.check_nik(nik, sex=sex, birth_date=birth_date).ok
    assert not rules.check_nik(nik, sex="F" if sex == "M" else "M", birth_date=birth_date).ok
    assert rules.parse_nik(nik)[0].birth_date(date(2026, 11, 27)) in (birth_date, None) or birth_date.year < 1927
