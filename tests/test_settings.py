"""Stored settings: defaults from DOMAIN.md, versioned by effective date, SHU parts never above 100 %."""
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop import settings
from coop.audit.models import AuditLog
from coop.blueprints import admin as admin_bp
from coop.db import atomic, db
from coop.errors import ValidationError
from coop.settings import specs
from coop.settings.models import Setting


def test_defaults_come_from_domain(coop):
    """Are the defaults pokok Rp 100.000, wajib Rp 20.000, PPh savings-interest threshold Rp 240.000 and SHU
    cadangan 40 %?"""
    assert settings.get(coop.id, "simpanan_pokok_amount") == 100_000
    assert settings.get(coop.id, "simpanan_wajib_amount") == 20_000
    assert settings.get(coop.id, "pph_savings_interest_threshold") == 240_000
    assert settings.get(coop.id, "shu_cadangan") == Decimal("40")


def test_value_in_force_depends_on_date(coop, users):
    """With wajib set to Rp 25.000 from 1 Jan 2027, is it 20.000 on 31 Dec 2026, 25.000 on 1 Jan 2027, and
    25.000 when no date is given?"""
    atomic(settings.set_value, coop.id, "simpanan_wajib_amount", 25_000, effective_on=date(2027, 1, 1),
           actor=users["admin"])
    assert settings.get(coop.id, "simpanan_wajib_amount", date(2026, 12, 31)) == 20_000
    assert settings.get(coop.id, "simpanan_wajib_amount", date(2027, 1, 1)) == 25_000
    assert settings.get(coop.id, "simpanan_wajib_amount") == 25_000


def test_shu_parts_cannot_exceed_100(coop, users):
    """Is SHU cadangan 60 % refused (the parts would pass 100) while 35 % is stored?"""
    with pytest.raises(ValidationError):
        atomic(settings.set_value, coop.id, "shu_cadangan", Decimal("60"), effective_on=date(2026, 1, 1),
               actor=users["admin"])
    atomic(settings.set_value, coop.id, "shu_cadangan", Decimal("35"), effective_on=date(2026, 1, 1),
           actor=users["admin"])
    assert settings.get(coop.id, "shu_cadangan") == Decimal("35")


def test_settings_page_saves_and_refuses_bad_input(client, users, login):
    """Does the settings page refuse pokok "abc" (422, "tidak valid") and store "150.000" as Rp 150.000?"""
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
    """Is the settings page 403 to a treasurer?"""
    login(users["treasurer"])
    assert client.get("/admin/settings").status_code == 403


def _stored(coop_id):
    return db.session.scalars(sa.select(Setting).where(Setting.cooperative_id == coop_id)).all()


def test_every_default_passes_its_own_spec():
    """Does each spec's default (DOMAIN.md) have the spec's type and pass its checks, and does the settings
    form's parser give it back from its printed form?"""
    for spec in specs.SPECS:
        if spec.default is None:
            assert spec.optional, spec.key
            continue
        assert isinstance(spec.default, tuple if spec.type is list else spec.type), spec.key
        assert spec.problem(spec.default) is None, spec.key
        printed = ",".join(spec.default) if spec.type is list else "ya" if spec.default is True else str(spec.default)
        assert settings.parse_value(spec.key, printed) == (list(spec.default) if spec.type is list else spec.default)


def test_one_list_of_settings_backs_defaults_and_labels():
    """Are the defaults and the admin page's labels read from the one list of specs (no second copy)?"""
    keys = [spec.key for spec in specs.SPECS]
    assert len(keys) == len(set(keys))
    assert list(settings.DEFAULTS) == keys == list(specs.LABELS)
    assert not hasattr(admin_bp, "SETTING_LABELS")


def test_values_come_back_typed(coop, users):
    """Does get() return the spec's type: int rupiah, Decimal percent, bool, date, list, None when unset?"""
    assert type(settings.get(coop.id, "stamp_duty_amount")) is int
    assert settings.get(coop.id, "provision_dpk") == Decimal("3")
    assert settings.get(coop.id, "cash_never_negative") is True
    assert settings.get(coop.id, "rat_date") is None
    assert settings.get(coop.id, "cooperative_phone") is None
    assert settings.get_list(coop.id, "shu_modal_base_kinds") == ["pokok", "wajib"]
    atomic(settings.set_value, coop.id, "rat_date", "2026-03-28", effective_on=date(2026, 1, 1),
           actor=users["admin"])
    atomic(settings.set_value, coop.id, "training_completion_percent", "75,5", effective_on=date(2026, 1, 1),
           actor=users["admin"])
    assert settings.get_date(coop.id, "rat_date") == date(2026, 3, 28)
    assert settings.get_decimal(coop.id, "training_completion_percent") == Decimal("75.5")
    with pytest.raises(TypeError):
        settings.get_int(coop.id, "rat_date")


@pytest.mark.parametrize(("key", "value", "field_message"), [
    ("simpanan_pokok_amount", "abc", None),
    ("simpanan_wajib_amount", -1, "tidak boleh negatif"),
    ("training_completion_percent", Decimal("150"), "0 sampai 100 %"),
    ("quiet_hours_start", 24, "0 sampai 23 jam"),
    ("rat_date", "28-03-2026", "format YYYY-MM-DD"),
    ("cooperative_phone", "0" * 21, "paling panjang 20 karakter"),
    ("collectibility_scheme", "bank6", "koperasi4, bank5"),
    ("cash_never_negative", "tidak", "ya atau tidak"),
    ("dormancy_months", 1.5, "bukan float"),
    ("stamp_duty_amount", None, "wajib diisi"),
])
def test_bad_values_are_refused_with_a_field_message_and_write_nothing(coop, users, key, value, field_message):
    """Is a bad value a 422 validation error naming the value field, with no row and no audit written?"""
    audits_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    with pytest.raises(ValidationError) as caught:
        atomic(settings.set_value, coop.id, key, value, effective_on=date(2026, 1, 1), actor=users["admin"])
    assert caught.value.status == 422
    assert caught.value.to_dict()["error"]["fields"]["value"]
    if field_message:
        assert caught.value.fields["value"] == [field_message]
    assert _stored(coop.id) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == audits_before


@pytest.mark.parametrize(("key", "raw"), [("simpanan_pokok_amount", "-1"), ("shu_cadangan", "150"),
                                          ("provision_dpk", "abc"), ("bank5_kl_after_days", "200"),
                                          ("rat_invitation_days", "")])
def test_settings_page_shows_the_problem_and_saves_nothing(client, users, login, key, raw):
    """Does the page answer 422 with the message on the form (not a 500) and store nothing?"""
    login(users["admin"])
    resp = client.post("/admin/settings", data={"key": key, "value": raw, "effective_on": "2026-01-01"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "invalid-feedback" in page and "alert-danger" in page
    assert _stored(users["admin"].cooperative_id) == []


def test_optional_settings_can_be_cleared(client, users, login):
    """Can the admin clear the RAT date and the phone (an empty value), which then read None, while an empty
    value for a required setting is refused?"""
    coop_id = users["admin"].cooperative_id
    atomic(settings.set_value, coop_id, "rat_date", date(2026, 3, 28), effective_on=date(2026, 1, 1))
    atomic(settings.set_value, coop_id, "cooperative_phone", "0355-123456", effective_on=date(2026, 1, 1))
    login(users["admin"])
    for key in ("rat_date", "cooperative_phone"):
        resp = client.post("/admin/settings", data={"key": key, "value": "", "effective_on": "2026-02-01"})
        assert resp.status_code == 302, key
        assert settings.get(coop_id, key) is None
    assert settings.get(coop_id, "rat_date", date(2026, 1, 31)) == date(2026, 3, 28)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "(kosong)" in page
    assert client.post("/admin/settings", data={"key": "simpanan_pokok_amount", "value": "",
                                                "effective_on": "2026-02-01"}).status_code == 422


def test_rows_stored_before_the_specs_still_read(coop):
    """Do rows in the stored format of before (JSON text; an empty text for 'no RAT date') read typed?"""
    for key, raw in (("rat_date", '""'), ("cooperative_phone", '""'), ("provision_dpk", '"2.5"'),
                     ("dormancy_months", "6"), ("shu_modal_base_kinds", '["pokok"]')):
        db.session.add(Setting(cooperative_id=coop.id, key=key, value=raw, effective_on=date(2026, 1, 1),
                               created_at=datetime(2026, 1, 1, tzinfo=UTC)))
    db.session.flush()
    assert settings.get(coop.id, "rat_date") is None
    assert settings.get(coop.id, "cooperative_phone") is None
    assert settings.get(coop.id, "provision_dpk") == Decimal("2.5")
    assert settings.get(coop.id, "dormancy_months") == 6
    assert settings.get(coop.id, "shu_modal_base_kinds") == ["pokok"]


def test_a_change_is_kept_in_the_history(coop, users):
    """Does a change keep the earlier value for earlier dates and leave an audit row with before and after?"""
    atomic(settings.set_value, coop.id, "stamp_duty_amount", 12_000, effective_on=date(2026, 6, 1),
           actor=users["admin"])
    atomic(settings.set_value, coop.id, "stamp_duty_amount", 15_000, effective_on=date(2026, 6, 1),
           actor=users["admin"])
    assert settings.get(coop.id, "stamp_duty_amount", date(2026, 5, 31)) == 10_000
    assert settings.get(coop.id, "stamp_duty_amount", date(2026, 6, 1)) == 15_000
    rows = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "setting.set", AuditLog.object_id == "stamp_duty_amount").order_by(AuditLog.id)).all()
    assert [json.loads(r.summary)["after"] for r in rows] == ["12000", "15000"]
    assert json.loads(rows[1].summary)["before"] == "12000"
    assert rows[1].actor_id == users["admin"].id
