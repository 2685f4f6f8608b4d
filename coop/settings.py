"""Cooperative settings, stored and versioned by effective date, with defaults from DOMAIN.md.

Rates, thresholds and percentages live here (or on products), never as constants in rules.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coop import audit
from coop.auth.models import Setting
from coop.db import db, utcnow
from coop.errors import ValidationError

#: Defaults (DOMAIN.md). Decimal values are percents.
DEFAULTS: dict[str, Any] = {
    "member_number_format": "KDM-{seq:06d}",
    "simpanan_pokok_amount": 100_000,
    "simpanan_wajib_amount": 20_000,
    "pph_savings_interest_threshold": 240_000,
    "pph_savings_interest_rate": Decimal("10"),
    "stamp_duty_threshold": 5_000_000,
    "stamp_duty_amount": 10_000,
    "dormancy_months": 12,
    "loan_two_approvers_above": 25_000_000,
    "training_completion_percent": Decimal("80"),
    "shu_cadangan": Decimal("40"),
    "shu_jasa_anggota": Decimal("40"),
    "shu_pengurus": Decimal("5"),
    "shu_karyawan": Decimal("5"),
    "shu_pendidikan": Decimal("5"),
    "shu_sosial": Decimal("5"),
    "shu_jasa_usaha": Decimal("70"),
    "shu_jasa_modal": Decimal("30"),
    "shu_modal_base_kinds": ["pokok", "wajib"],
}


def _encode(value: Any) -> str:
    if isinstance(value, float):
        raise ValidationError("Nilai desimal harus ditulis sebagai teks, bukan float.")
    return json.dumps(str(value) if isinstance(value, Decimal) else value)


def _decode(key: str, raw: str) -> Any:
    value = json.loads(raw)
    if isinstance(DEFAULTS.get(key), Decimal):
        return Decimal(value)
    return value


def get(cooperative_id: int, key: str, as_of: date | None = None) -> Any:
    """The value in force on ``as_of`` (default: the latest), else the default."""
    q = sa.select(Setting.value).where(Setting.cooperative_id == cooperative_id, Setting.key == key)
    if as_of is not None:
        q = q.where(Setting.effective_on <= as_of)
    raw = db.session.scalar(q.order_by(Setting.effective_on.desc()).limit(1))
    if raw is None:
        if key not in DEFAULTS:
            raise KeyError(key)
        return DEFAULTS[key]
    return _decode(key, raw)


def set_value(cooperative_id: int, key: str, value: Any, *, effective_on: date, actor=None) -> Setting:
    if key not in DEFAULTS:
        raise ValidationError(f"Pengaturan tidak dikenal: {key}", fields={"key": ["tidak dikenal"]})
    row = db.session.scalar(sa.select(Setting).where(
        Setting.cooperative_id == cooperative_id, Setting.key == key, Setting.effective_on == effective_on))
    before = None if row is None else row.value
    if row is None:
        row = Setting(cooperative_id=cooperative_id, key=key, effective_on=effective_on, created_at=utcnow(),
                      created_by_id=getattr(actor, "id", None), value=_encode(value))
        db.session.add(row)
    else:
        row.value = _encode(value)
    db.session.flush()
    audit.record(actor, "setting.set", "setting", key, {"before": before, "after": row.value,
                                                          "effective_on": effective_on},
                 cooperative_id=cooperative_id)
    return row
