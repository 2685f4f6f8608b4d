"""The family permission letter PDF: who permits (from the same KK), what it says, gapless numbers."""
from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_letter_names_spouse_destination_agency_and_numbers_gaplessly(coop, users, api, make_resident, make_case,
                                                                      today):
    """A wife (istri) applies; her husband, head of the same KK, permits. The letter names both with NIK,
    Taiwan, the agency and licence, 24 months, the village head's place and a meterai box; it is number
    001 of the village's year, a reprint keeps 001 and the next case's letter is 002."""
    husband = make_resident(coop, sex="M", full_name="Slamet Riyadi", birth_date=date(1985, 3, 3))
    wife = make_resident(coop, sex="F", full_name="Siti Aminah", kk_number=husband.household.kk_number,
                         relationship="istri", birth_date=date(1990, 5, 5))
    case = make_case(coop, wife)
    officer = api(users["officer"])
    resp = officer.get(f"/migration-cases/{case.id}/family-permission-letter.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = _text(resp.data)
    number = f"001/SIK-PMI/{coop.village_code}/{today.year}"
    for expected in (number, "SURAT IZIN KELUARGA", "Slamet Riyadi", husband.nik, "Siti Aminah", wife.nik,
                     "Taiwan (TW)", "PT Maju Jaya", "KEP.123/2024", "24 bulan", "Kepala Desa", "METERAI"):
        assert expected in text, expected
    assert number in _text(officer.get(f"/migration-cases/{case.id}/family-permission-letter.pdf").data)
    second = make_case(coop)
    text2 = _text(officer.get(f"/migration-cases/{second.id}/family-permission-letter.pdf").data)
    assert f"002/SIK-PMI/{coop.village_code}/{today.year}" in text2


def test_child_applicant_gets_parent_as_permitter(app, coop, make_resident, today):
    """A 20-year-old child (anak) in a KK with her father as head: the father permits."""
    from coop.desk.services import permitter_for

    father = make_resident(coop, sex="M", birth_date=date(1970, 1, 1))
    child = make_resident(coop, sex="F", kk_number=father.household.kk_number, relationship="anak",
                          birth_date=date(today.year - 20, 1, 1))
    assert permitter_for(child, today).id == father.id
