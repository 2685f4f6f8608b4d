"""Shared fixtures of the registry area (usable by every test).

- ``make_resident(coop, **overrides)`` -> a valid adult resident (NIK consistent with sex and birth date,
  status hidup, in the cooperative's village, in its own household unless ``kk_number`` is given),
  created through :func:`coop.registry.services.create_resident`.
- ``make_pmi(coop, status="purna", country="HK", **overrides)`` -> a resident with a migration record
  (``pmi_status == status``). ``status="keluarga"`` makes a PMI purna AND a child in the same household
  and returns the child (``pmi_status == "keluarga"``). ``make_pmi.family(pmi, **overrides)`` adds a
  household member to an existing PMI.
"""
from __future__ import annotations

import itertools
from datetime import date

import pytest

_serial = itertools.count(1)


def nik_for(district6: str, birth_date: date, sex: str, serial: int) -> str:
    """A structurally valid NIK: district + DDMMYY (day + 40 for women) + 4-digit serial."""
    day = birth_date.day + (40 if sex == "F" else 0)
    return f"{district6}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial % 10000 or 1:04d}"


def kk_for(district6: str, serial: int) -> str:
    """A structurally valid KK number issued 01-07-2015."""
    return f"{district6}010715{serial % 10000 or 1:04d}"


@pytest.fixture
def make_resident(app):
    from coop.db import atomic
    from coop.registry.services import create_resident

    def _make(coop, *, actor=None, as_of: date | None = None, **overrides):
        n = next(_serial)
        sex = overrides.get("sex", "F")
        birth_date = overrides.get("birth_date", date(1990, 5, 5))
        if isinstance(birth_date, str):
            birth_date = date.fromisoformat(birth_date)
        district = coop.village_code[:6]
        data = {
            "nik": nik_for(district, birth_date, sex, n),
            "kk_number": kk_for(district, n),
            "full_name": f"Warga Uji {n}",
            "sex": sex,
            "birth_place": "Tulungagung",
            "birth_date": birth_date,
            "village_code": coop.village_code,
            "address": "Jl. Raya Pakel",
            "rt": "001",
            "rw": "002",
            "relationship": "kepala_keluarga",
            "status": "hidup",
        }
        if "kk_number" in overrides and "relationship" not in overrides:
            data["relationship"] = "lainnya"
        data.update(overrides)
        return atomic(create_resident, coop.id, data, actor=actor, as_of=as_of)
    return _make


@pytest.fixture
def make_pmi(app, make_resident):
    from coop.db import atomic
    from coop.registry.services import add_migration_record

    dates = {
        "purna": {"departure_date": date(2018, 3, 1), "return_date": date(2022, 6, 30)},
        "aktif": {"departure_date": date(2024, 1, 10)},
        "calon": {},
    }

    def family(pmi, *, relationship: str = "anak", **overrides):
        coop = pmi.household
        from types import SimpleNamespace
        c = SimpleNamespace(id=pmi.cooperative_id, village_code=coop.village_code)
        overrides.setdefault("birth_date", date(2010, 8, 17))
        return make_resident(c, kk_number=pmi.household.kk_number, relationship=relationship, **overrides)

    def _make(coop, status: str = "purna", country: str = "HK", *, actor=None, record: dict | None = None,
              **overrides):
        if status == "keluarga":
            pmi = _make(coop, "purna", country, actor=actor)
            return family(pmi, **overrides)
        resident = make_resident(coop, actor=actor, **overrides)
        data = {"status": status, "country": country, "job_type": "perseorangan", "scheme": "P2P",
                "procedural": True, **dates[status], **(record or {})}
        atomic(add_migration_record, coop.id, resident.id, data, actor=actor)
        return resident

    _make.family = family
    return _make
