"""Stored settings: defaults from DOMAIN.md, versioned by effective date, SHU parts never above 100 %."""
from datetime import date
from decimal import Decimal

import pytest

from coop import settings
from coop.db import atomic
from coop.errors import ValidationError


def test_defaults_come_from_domain(coop):
    assert settings.get(coop.id, "simpanan_pokok_amount") == 100_000
    assert settings.get(coop.id, "simpanan_wajib_amount") == 20_000
    assert settings.get(coop.id, "pph_savings_interest_threshold") == 240_000
    assert settings.get(coop.id, "shu_cadangan") == Decimal("40")


def test_value_in_force_depends_on_date(coop, users):
    atomic(settings.set_value, coop.id, "simpanan_wajib_amount", 25_000, effective_on=date(2027, 1, 1),
           actor=users["admin"])
    assert settings.get(coop.id, "simpanan_wajib_amount", date(2026, 12, 31)) == 20_000
    assert settings.get(coop.id, "simpanan_wajib_amount", date(2027, 1, 1)) == 25_000
    assert settings.get(coop.id, "simpanan_wajib_amount") == 25_000


def test_shu_parts_cannot_exceed_100(coop, users):
    with pytest.raises(ValidationError):
        atomic(settings.set_value, coop.id, "shu_cadangan", Decimal("60"), effective_on=date(2026, 1, 1),
               actor=users["admin"])
    atomic(settings.set_value, coop.id, "shu_cadangan", Decimal("35"), effective_on=date(2026, 1, 1),
           actor=users["admin"])
    assert settings.get(coop.id, "shu_cadangan") == Decimal("35")


def test_settings_page_saves_and_refuses_bad_input(client, users, login):
    login(users["admin"])
    assert client.get("/admin/settings").status_code == 200
    bad = client.post("/admin/settings", data={"key": "simpanan_pokok_amount", "value": "abc",
                                               "effective_on": "2026-01-01"})
    assert bad.status_code == 422
    assert "tidak valid" in bad.get_data(as_text=True)
    ok = client.post("/admin/settings", data={"key": "simpanan_pokok_amount", "value": "150.000",
                                              "effective_on": "2026-01-01"})
    assert ok.status_code == 302
    assert settings.get(users["admin"].cooperative_id, "simpanan_pokok_amount") == 150_000


def test_settings_page_is_admin_only(client, users, login):
    login(users["treasurer"])
    assert client.get("/admin/settings").status_code == 403
