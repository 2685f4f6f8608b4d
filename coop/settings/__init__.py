"""Cooperative settings, stored and versioned by effective date, with defaults from DOMAIN.md.

Rates, thresholds and percentages live here (or on products), never as constants in rules.
"""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coop import audit
from coop.db import db, utcnow
from coop.errors import ValidationError
from coop.settings.models import Setting

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
    # SHU is after the year's income tax (UU 25/1992 Pasal 45(1)): PPh badan accrued at year end on a
    # positive surplus. DOMAIN.md gives no rate; the default is the general corporate rate of UU PPh
    # Pasal 17(1)(b) as amended by UU 7/2021 (HPP). 0 turns the accrual off (e.g. a final-tax regime).
    "income_tax_rate": Decimal("22"),
    # Where accumulated losses are covered from before a later surplus is shared (DOMAIN.md: first from
    # cadangan, or from later years' surplus as the RAT decides; a surplus is shared only after the
    # losses are covered, so the surplus always covers what reserves leave).
    "loss_coverage_order": "cadangan,surplus",
    # DOMAIN.md is silent; a cash desk cannot pay out cash it lacks, and a negative Kas is an audit
    # finding (an unrecorded receipt or a wrong entry), so the floor is on unless an admin turns it off.
    "cash_never_negative": True,
    # Kolektibilitas (DOMAIN.md, Loans): "koperasi4" = Permen KUKM 14/2009 (Lancar, KL, D, M; thresholds on
    # the loan product) or "bank5" = the bank scheme with Dalam Perhatian Khusus, thresholds below (bank
    # practice: DPK 1-90 days past due, KL 91-120, D 121-180, M over 180). Copied onto each loan at
    # application, so a change never reclassifies existing loans.
    "collectibility_scheme": "koperasi4",
    "bank5_dpk_after_days": 0,
    "bank5_kl_after_days": 90,
    "bank5_d_after_days": 120,
    "bank5_m_after_days": 180,
    # PPAP for DPK: DOMAIN.md's rates (0.5 / 10 / 50 / 100) are the rural-bank (BPR) table, whose DPK rate is 3 %.
    "provision_dpk": Decimal("3"),
    # the lowest class a write-off (hapus buku) may be requested for: a performing loan is collected, not
    # written off (a class code of coop.loans.rules.CLASS_CODES).
    "write_off_min_class": "macet",
    # Kolektibilitas koperasi4 (DOMAIN.md, Loans): past the D threshold a loan stays Diragukan only while its
    # collateral is worth at least this share (percent) of the outstanding principal; otherwise Macet.
    # 0 turns the test off. Copied onto each loan at application.
    "collateral_min_percent": Decimal("75"),
    # First period (DOMAIN.md, Loans): "prorate" = efektif/anuitas interest of a first period longer or
    # shorter than one period is prorated by days; "none" = a full period's interest, and the schedule
    # says so. Copied onto each loan at application.
    "first_period_interest": "prorate",
    # Outreach (coop.outreach): no message leaves between quiet_hours_start:00 and quiet_hours_end:00 in the
    # cooperative's time zone; the cooperative's phone printed in messages; the RAT date (YYYY-MM-DD, empty:
    # none planned) and how many days before it the invitation is queued.
    "quiet_hours_start": 21,
    "quiet_hours_end": 7,
    "cooperative_phone": "",
    "rat_date": "",
    "rat_invitation_days": 14,
    # Job history (job_runs, one row per job, cooperative and day: ~2.9 million rows a year at 1,000
    # cooperatives): rows older than this many days are pruned daily, except each job's latest run, which
    # the scheduler needs to know where to catch up from.
    "job_runs_keep_days": 400,
}

#: Text settings that take one of a few values.
CHOICES: dict[str, tuple[str, ...]] = {
    "collectibility_scheme": ("koperasi4", "bank5"),
    "loss_coverage_order": ("cadangan,surplus", "surplus,cadangan", "surplus"),
    "write_off_min_class": ("lancar", "dalam_perhatian_khusus", "kurang_lancar", "diragukan", "macet"),
    "first_period_interest": ("prorate", "none"),
}
BANK5_THRESHOLD_KEYS = ("bank5_dpk_after_days", "bank5_kl_after_days", "bank5_d_after_days", "bank5_m_after_days")

#: Keys whose saved value must also change data: ``"module:function"`` called as
#: ``fn(cooperative_id, actor=actor)`` in the same unit of work, after the value is stored.
AFTER_SET: dict[str, str] = {
    "cash_never_negative": "coop.ledger.cash_floor:apply",
}

_TRUE = ("ya", "true", "yes", "1", "on", "aktif")
_FALSE = ("tidak", "false", "no", "0", "off", "nonaktif")


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


def parse_value(key: str, raw: str) -> Any:
    """Parse a value typed into the settings form, by the type of the key's default."""
    from decimal import InvalidOperation

    if key not in DEFAULTS:
        raise ValidationError(f"Pengaturan tidak dikenal: {key}", fields={"key": ["tidak dikenal"]})
    default = DEFAULTS[key]
    try:
        if isinstance(default, bool):
            if raw.lower() not in _TRUE + _FALSE:
                raise ValueError
            return raw.lower() in _TRUE
        if isinstance(default, int):
            from coop.money import RupiahInputError, parse_rupiah

            try:  # amounts typed as on a receipt: "Rp 20.000", "20.000", "20000"
                value = parse_rupiah(raw)
            except RupiahInputError as exc:
                text = exc.message % exc.params if exc.params else exc.message
                raise ValidationError(f"Nilai tidak valid untuk {key}: {text}", fields={"value": [text]}) from None
            if value is None:
                raise ValueError
            return value
        if isinstance(default, Decimal):
            value = Decimal(raw.replace(",", "."))
            if not value.is_finite() or value < 0 or value > 100:
                raise ValueError
            return value
        if isinstance(default, list):
            return [p.strip() for p in raw.split(",") if p.strip()]
    except (ValueError, InvalidOperation):
        raise ValidationError(f"Nilai tidak valid untuk {key}.", fields={"value": ["tidak valid"]}) from None
    if not raw:
        raise ValidationError("Nilai wajib diisi.", fields={"value": ["wajib diisi"]})
    if key == "member_number_format":
        problem = member_number_format_problem(raw.strip())
        if problem:
            raise ValidationError(f"Format nomor anggota tidak valid: {problem}", fields={"value": [problem]})
        return raw.strip()
    if key in CHOICES and raw.strip().lower() not in CHOICES[key]:
        raise ValidationError(f"Nilai tidak valid untuk {key}: {', '.join(CHOICES[key])}.",
                              fields={"value": [", ".join(CHOICES[key])]})
    return raw.strip().lower() if key in CHOICES else raw


_MEMBER_NUMBER_CHARS = re.compile(r"^[A-Za-z0-9./_-]{1,40}$")


def member_number_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` cannot number members (None when it can): it must hold ``{seq}`` (optionally with a
    width such as ``{seq:06d}``) and nothing else in braces, and the numbers it makes may only hold
    letters, digits, ``. / _ -`` (they end up in file names and HTTP headers), at most 40 characters."""
    import string

    try:
        fields = [(name, spec, conv) for _lit, name, spec, conv in string.Formatter().parse(fmt) if name is not None]
    except ValueError:
        return "kurung kurawal tidak seimbang"
    if not fields:
        return "harus memuat {seq}"
    if any(name != "seq" or conv for name, _spec, conv in fields):
        return "hanya {seq} yang boleh di dalam kurung kurawal"
    try:
        samples = [fmt.format(seq=n) for n in (1, 999_999_999)]
    except (ValueError, TypeError):
        return "format angka tidak valid (contoh: {seq:06d})"
    if not all(_MEMBER_NUMBER_CHARS.match(x) for x in samples):
        return "hanya huruf, angka, titik, garis miring, garis bawah dan tanda minus; maks. 40 karakter"
    return None


def current_values(cooperative_id: int, as_of: date | None = None) -> list[tuple[str, Any, bool]]:
    """(key, value in force, is_default) for every known setting."""
    stored = {}
    q = sa.select(Setting).where(Setting.cooperative_id == cooperative_id)
    if as_of is not None:
        q = q.where(Setting.effective_on <= as_of)
    for row in db.session.scalars(q.order_by(Setting.effective_on)):
        stored[row.key] = _decode(row.key, row.value)
    return [(key, stored.get(key, default), key not in stored) for key, default in DEFAULTS.items()]


def set_value(cooperative_id: int, key: str, value: Any, *, effective_on: date, actor=None) -> Setting:
    if key not in DEFAULTS:
        raise ValidationError(f"Pengaturan tidak dikenal: {key}", fields={"key": ["tidak dikenal"]})
    if isinstance(DEFAULTS[key], bool) and not isinstance(value, bool):
        raise ValidationError(f"Nilai tidak valid untuk {key}: ya atau tidak.", fields={"value": ["ya/tidak"]})
    if key.startswith("shu_") and isinstance(DEFAULTS[key], Decimal):
        _check_shu_total(cooperative_id, key, value, effective_on)
    if key == "member_number_format" and member_number_format_problem(str(value)):
        problem = member_number_format_problem(str(value))
        raise ValidationError(f"Format nomor anggota tidak valid: {problem}", fields={"value": [problem]})
    if key in CHOICES and value not in CHOICES[key]:
        raise ValidationError(f"Nilai tidak valid untuk {key}: {', '.join(CHOICES[key])}.",
                              fields={"value": [", ".join(CHOICES[key])]})
    problem = _outreach_problem(key, value)
    if problem:
        raise ValidationError(f"Nilai tidak valid untuk {key}: {problem}.", fields={"value": [problem]})
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
                      created_by_id=getattr(actor, "id", None), value=_encode(value))
        db.session.add(row)
    else:
        row.value = _encode(value)
    db.session.flush()
    audit.record(actor, "setting.set", "setting", key, {"before": before, "after": row.value,
                                                          "effective_on": effective_on},
                 cooperative_id=cooperative_id)
    if key in AFTER_SET:
        import importlib

        module, name = AFTER_SET[key].split(":")
        getattr(importlib.import_module(module), name)(cooperative_id, actor=actor)
    return row


def _outreach_problem(key: str, value: Any) -> str | None:
    if key in ("quiet_hours_start", "quiet_hours_end") and not 0 <= value <= 23:
        return "jam 0 sampai 23"
    if key == "rat_invitation_days" and not 1 <= value <= 90:
        return "1 sampai 90 hari"
    if key == "job_runs_keep_days" and not 1 <= value <= 3650:
        return "1 sampai 3650 hari"
    if key == "rat_date" and value:
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return "format YYYY-MM-DD"
    if key == "cooperative_phone" and len(str(value)) > 20:
        return "paling panjang 20 karakter"
    return None


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
