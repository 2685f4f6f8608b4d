"""Cooperative settings, typed (coop/settings/specs.py), stored and versioned by effective date, with
defaults from DOMAIN.md.

Rates, thresholds and percentages live here (or on products), never as constants in rules.
"""
from __future__ import annotations

import importlib
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from coop import audit
from coop.db import db, utcnow
from coop.errors import ValidationError
from coop.money import RupiahInputError, parse_rupiah
from coop.settings.models import Setting
from coop.settings.specs import BY_KEY, LABELS, SPECS, SettingSpec, member_number_format_problem

__all__ = ["BY_KEY", "DEFAULTS", "LABELS", "SPECS", "SettingSpec", "current_values", "get", "get_bool",
           "get_date", "get_decimal", "get_int", "get_list", "get_optional_text", "get_text",
           "member_number_format_problem", "parse_value", "set_value", "spec_for"]

#: Defaults (DOMAIN.md), by key: read from the specs (coop/settings/specs.py), the one list of settings.
DEFAULTS: dict[str, Any] = {spec.key: spec.default for spec in SPECS}
BANK5_THRESHOLD_KEYS = ("bank5_dpk_after_days", "bank5_kl_after_days", "bank5_d_after_days", "bank5_m_after_days")

#: Keys whose saved value must also change data: ``"module:function"`` called as
#: ``fn(cooperative_id, actor=actor)`` in the same unit of work, after the value is stored (named, not
#: imported: coop.ledger.cash_floor reads the settings, so importing it here would make a cycle).
AFTER_SET: dict[str, str] = {
    "cash_never_negative": "coop.ledger.cash_floor:apply",
}

_TRUE = ("ya", "true", "yes", "1", "on", "aktif")
_FALSE = ("tidak", "false", "no", "0", "off", "nonaktif")


def spec_for(key: str) -> SettingSpec:
    """The spec of ``key``; a :class:`ValidationError` (on the ``key`` field) for an unknown key."""
    spec = BY_KEY.get(key)
    if spec is None:
        raise ValidationError(f"Pengaturan tidak dikenal: {key}", fields={"key": ["tidak dikenal"]})
    return spec


def _encode(spec: SettingSpec, value: Any) -> str:
    """The stored text (JSON; Decimals and dates as strings, a cleared optional setting as ``""``)."""
    if value is None:
        return json.dumps("")
    if isinstance(value, Decimal | date):
        return json.dumps(str(value))
    return json.dumps(value)


def _decode(spec: SettingSpec, raw: str) -> Any:
    """The typed value of stored text (the inverse of :func:`_encode`; also reads rows written before the
    specs: an empty text is a cleared optional setting)."""
    value = json.loads(raw)
    if spec.optional and value in ("", None):
        return None
    if spec.type is Decimal:
        return Decimal(str(value))
    if spec.type is date:
        return date.fromisoformat(value)
    if spec.type is list:
        return list(value)
    return value


def _default(spec: SettingSpec) -> Any:
    return list(spec.default) if spec.type is list else spec.default


def get(cooperative_id: int, key: str, as_of: date | None = None) -> Any:
    """The value in force on ``as_of`` (default: the latest), else the default, of the spec's type
    (``int``, ``Decimal``, ``bool``, ``str``, ``date``, ``list``; ``None`` for a cleared optional setting)."""
    spec = BY_KEY.get(key)
    if spec is None:
        raise KeyError(key)
    q = sa.select(Setting.value).where(Setting.cooperative_id == cooperative_id, Setting.key == key)
    if as_of is not None:
        q = q.where(Setting.effective_on <= as_of)
    raw = db.session.scalar(q.order_by(Setting.effective_on.desc()).limit(1))
    return _default(spec) if raw is None else _decode(spec, raw)


def _typed(cooperative_id: int, key: str, as_of: date | None, kind: type) -> Any:
    spec = BY_KEY.get(key)
    if spec is None:
        raise KeyError(key)
    if spec.type is not kind:  # a programming error: the caller asked for the wrong type
        raise TypeError(f"setting {key} is {spec.type.__name__}, not {kind.__name__}")
    return get(cooperative_id, key, as_of)


def get_int(cooperative_id: int, key: str, as_of: date | None = None) -> int:
    """An ``int`` setting (rupiah, days, months, hours) in force on ``as_of``."""
    value: int = _typed(cooperative_id, key, as_of, int)
    return value


def get_decimal(cooperative_id: int, key: str, as_of: date | None = None) -> Decimal:
    """A ``Decimal`` setting (a percentage) in force on ``as_of``."""
    value: Decimal = _typed(cooperative_id, key, as_of, Decimal)
    return value


def get_bool(cooperative_id: int, key: str, as_of: date | None = None) -> bool:
    """A ``bool`` setting in force on ``as_of``."""
    value: bool = _typed(cooperative_id, key, as_of, bool)
    return value


def get_text(cooperative_id: int, key: str, as_of: date | None = None) -> str:
    """A required text setting in force on ``as_of``."""
    if BY_KEY[key].optional:
        raise TypeError(f"setting {key} is optional: read it with get_optional_text")
    value: str = _typed(cooperative_id, key, as_of, str)
    return value


def get_optional_text(cooperative_id: int, key: str, as_of: date | None = None) -> str | None:
    """An optional text setting in force on ``as_of`` (``None`` when cleared or never set)."""
    value: str | None = _typed(cooperative_id, key, as_of, str)
    return value


def get_date(cooperative_id: int, key: str, as_of: date | None = None) -> date | None:
    """A date setting in force on ``as_of`` (``None`` when cleared)."""
    value: date | None = _typed(cooperative_id, key, as_of, date)
    return value


def get_list(cooperative_id: int, key: str, as_of: date | None = None) -> list[str]:
    """A list-of-text setting in force on ``as_of``."""
    value: list[str] = _typed(cooperative_id, key, as_of, list)
    return value


def _invalid(key: str, problem: str) -> ValidationError:
    return ValidationError(f"Nilai tidak valid untuk {key}: {problem}.", fields={"value": [problem]})


def parse_value(key: str, raw: str) -> Any:
    """Parse a value typed into the settings form into the spec's type (empty: ``None`` for an optional
    setting, else refused) and check it by the spec (ranges, choices; the rules between settings are
    :func:`set_value`'s). Raises :class:`ValidationError` with a ``value`` field message."""
    value = _parse(spec_for(key), raw)
    problem = BY_KEY[key].problem(value)
    if problem:
        raise _invalid(key, problem)
    return value


def _parse(spec: SettingSpec, raw: str) -> Any:
    key = spec.key
    text = (raw or "").strip()
    if not text:
        if spec.optional:
            return None
        raise ValidationError("Nilai wajib diisi.", fields={"value": ["wajib diisi"]})
    if spec.type is bool:
        if text.lower() not in _TRUE + _FALSE:
            raise _invalid(key, "ya atau tidak")
        return text.lower() in _TRUE
    if spec.type is int:
        try:  # amounts typed as on a receipt: "Rp 20.000", "20.000", "20000"
            return parse_rupiah(text)
        except RupiahInputError as exc:
            raise _invalid(key, exc.message % exc.params if exc.params else exc.message) from None
    if spec.type is Decimal:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise _invalid(key, "bukan angka") from None
        if not value.is_finite():
            raise _invalid(key, "bukan angka")
        return value
    if spec.type is date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _invalid(key, "format YYYY-MM-DD") from None
    if spec.type is list:
        return [p.strip() for p in text.split(",") if p.strip()]
    return text.lower() if spec.choices else text


def _coerce(spec: SettingSpec, value: Any) -> Any:
    """``value`` as the spec's type: typed values pass, text is parsed as the form parses it (a bool
    setting takes only a bool); anything else is refused."""
    if value is None or (isinstance(value, str) and spec.type is not bool and not value.strip()):
        if spec.optional:
            return None
        raise ValidationError("Nilai wajib diisi.", fields={"value": ["wajib diisi"]})
    if spec.type is bool:
        if not isinstance(value, bool):
            raise _invalid(spec.key, "ya atau tidak")
        return value
    if isinstance(value, float):
        raise ValidationError("Nilai desimal harus ditulis sebagai teks, bukan float.",
                              fields={"value": ["bukan float"]})
    if isinstance(value, str) and spec.type is not str:
        return _parse(spec, value)
    if spec.type is Decimal and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if spec.type is list and isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    if spec.type is str and isinstance(value, str):
        return value.strip()
    if isinstance(value, Decimal) and spec.type is Decimal and not value.is_finite():
        raise _invalid(spec.key, "bukan angka")
    if isinstance(value, spec.type) and not (spec.type is int and isinstance(value, bool)):
        return value
    raise _invalid(spec.key, "jenis nilai salah")


def current_values(cooperative_id: int, as_of: date | None = None) -> list[tuple[SettingSpec, Any, bool]]:
    """(spec, value in force, is_default) for every setting, in the specs' order."""
    stored = {}
    q = sa.select(Setting).where(Setting.cooperative_id == cooperative_id)
    if as_of is not None:
        q = q.where(Setting.effective_on <= as_of)
    for row in db.session.scalars(q.order_by(Setting.effective_on)):
        if row.key in BY_KEY:
            stored[row.key] = _decode(BY_KEY[row.key], row.value)
    return [(spec, stored[spec.key] if spec.key in stored else _default(spec), spec.key not in stored)
            for spec in SPECS]


def set_value(cooperative_id: int, key: str, value: Any, *, effective_on: date, actor: Any = None) -> Setting:
    """Store ``value`` for ``key`` from ``effective_on`` (replacing a value stored for that same date),
    after the spec's checks and the rules between settings; records an audit row. ``None`` (or empty text)
    clears an optional setting. Raises :class:`ValidationError` with field messages; writes nothing then."""
    spec = spec_for(key)
    value = _coerce(spec, value)
    problem = spec.problem(value)
    if problem:
        raise _invalid(key, problem)
    if key.startswith("shu_") and spec.type is Decimal:
        _check_shu_total(cooperative_id, key, value, effective_on)
    if key in BANK5_THRESHOLD_KEYS:
        days = [value if k == key else get(cooperative_id, k, effective_on) for k in BANK5_THRESHOLD_KEYS]
        if not 0 <= days[0] < days[1] < days[2] < days[3]:
            raise ValidationError("Ambang kolektibilitas harus naik: DPK < KL < D < M.",
                                  fields={"value": ["harus naik: DPK < KL < D < M"]})
    row = db.session.scalar(sa.select(Setting).where(
        Setting.cooperative_id == cooperative_id, Setting.key == key, Setting.effective_on == effective_on))
    before = None if row is None else row.value
    if row is None:
        row = Setting(cooperative_id=cooperative_id, key=key, effective_on=effective_on, created_at=utcnow(),
                      created_by_id=getattr(actor, "id", None), value=_encode(spec, value))
        db.session.add(row)
    else:
        row.value = _encode(spec, value)
    db.session.flush()
    audit.record(actor, "setting.set", "setting", key, {"before": before, "after": row.value,
                                                          "effective_on": effective_on},
                 cooperative_id=cooperative_id)
    if key in AFTER_SET:
        module, name = AFTER_SET[key].split(":")
        getattr(importlib.import_module(module), name)(cooperative_id, actor=actor)
    return row


SHU_SPLIT_KEYS = ("shu_cadangan", "shu_jasa_anggota", "shu_pengurus", "shu_karyawan", "shu_pendidikan",
                  "shu_sosial")
SHU_MEMBER_KEYS = ("shu_jasa_usaha", "shu_jasa_modal")


def _check_shu_total(cooperative_id: int, key: str, value: Decimal, effective_on: date) -> None:
    """SHU percentages are set by the RAT and must total 100 % (UU 25/1992 Pasal 45).

    Changing one part alone would break the total, so a change is accepted only when the group still
    sums to 100; set the parts that move together on the same effective date, the last one completing it.
    The check is therefore advisory per key: it refuses values that make 100 impossible (over 100 in sum
    with the parts that stay).
    """
    group = SHU_SPLIT_KEYS if key in SHU_SPLIT_KEYS else SHU_MEMBER_KEYS if key in SHU_MEMBER_KEYS else None
    if group is None:
        return
    total = sum((value if k == key else get(cooperative_id, k, effective_on)) for k in group)
    if total > 100:
        raise ValidationError(f"Jumlah persentase SHU menjadi {total} %, lebih dari 100 %.",
                              fields={"value": ["jumlah lebih dari 100 %"]})
