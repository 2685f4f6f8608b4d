"""Every cooperative setting the code reads, as data: key, type, default (DOMAIN.md), validation, label.

One literal list (:data:`SPECS`); ``coop.settings.get`` returns a value of the spec's type, ``set_value``
refuses a value the spec's ``validate`` names a problem for, and the admin page builds its rows (label, input)
from it. Rules that need other settings (the SHU parts summing to 100 %, the bank5 thresholds rising) need the
database and stay in ``coop.settings``.

Pure: no Flask, no database.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from coop.text import N_

#: A check on a typed, non-empty value: ``None`` when it is fine, else the problem (a short Indonesian text).
Validator = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class SettingSpec:
    """One setting. ``type`` is the Python type of its value: ``int`` (rupiah, days, months, hours),
    ``Decimal`` (a percentage), ``bool``, ``str``, ``date`` or ``list`` (of text). ``optional`` settings
    may be cleared (their value is then ``None``); ``choices`` lists the only values a text setting takes."""

    key: str
    type: type
    default: Any
    validate: Validator | None
    label: str
    optional: bool = False
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` (already of the spec's type) cannot be stored, or None."""
        if value is None:
            return None if self.optional else "wajib diisi"
        if self.choices and value not in self.choices:
            return ", ".join(self.choices)
        return self.validate(value) if self.validate is not None else None


def between(low: int | Decimal, high: int | Decimal, unit: str = "") -> Validator:
    """A number from ``low`` to ``high`` inclusive."""
    def check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return f"{low} sampai {high}{' ' + unit if unit else ''}"
    return check


def non_negative(value: Any) -> str | None:
    """Rupiah, days, months: zero or more."""
    return None if value >= 0 else "tidak boleh negatif"


percent = between(Decimal(0), Decimal(100), "%")


def max_length(limit: int) -> Validator:
    """Text of at most ``limit`` characters."""
    def check(value: Any) -> str | None:
        return None if len(value) <= limit else f"paling panjang {limit} karakter"
    return check


def not_empty_list(value: Any) -> str | None:
    """A list with at least one item."""
    return None if value else "wajib diisi"


_MEMBER_NUMBER_CHARS = re.compile(r"^[A-Za-z0-9./_-]{1,40}$")


def member_number_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` cannot number members (None when it can): it must hold ``{seq}`` (optionally with a
    width such as ``{seq:06d}``) and nothing else in braces, and the numbers it makes may only hold
    letters, digits, ``. / _ -`` (they end up in file names and HTTP headers), at most 40 characters."""
    try:
        fields = [(name, conv) for _lit, name, _spec, conv in string.Formatter().parse(fmt) if name is not None]
    except ValueError:
        return "kurung kurawal tidak seimbang"
    if not fields:
        return "harus memuat {seq}"
    if any(name != "seq" or conv for name, conv in fields):
        return "hanya {seq} yang boleh di dalam kurung kurawal"
    try:
        samples = [fmt.format(seq=n) for n in (1, 999_999_999)]
    except (ValueError, TypeError):
        return "format angka tidak valid (contoh: {seq:06d})"
    if not all(_MEMBER_NUMBER_CHARS.match(x) for x in samples):
        return "hanya huruf, angka, titik, garis miring, garis bawah dan tanda minus; maks. 40 karakter"
    return None


#: Every setting, in the order the admin page shows them. Defaults from DOMAIN.md; Decimal values are percents.
SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("member_number_format", str, "KDM-{seq:06d}", member_number_format_problem,
                N_("Format nomor anggota")),
    SettingSpec("simpanan_pokok_amount", int, 100_000, non_negative, N_("Simpanan pokok (Rp)")),
    SettingSpec("simpanan_wajib_amount", int, 20_000, non_negative, N_("Simpanan wajib per bulan (Rp)")),
    SettingSpec("pph_savings_interest_threshold", int, 240_000, non_negative,
                N_("Batas bebas PPh jasa simpanan per bulan (Rp)")),
    SettingSpec("pph_savings_interest_rate", Decimal, Decimal("10"), percent,
                N_("Tarif PPh final jasa simpanan (%)")),
    SettingSpec("stamp_duty_threshold", int, 5_000_000, non_negative, N_("Kuitansi wajib meterai di atas (Rp)")),
    SettingSpec("stamp_duty_amount", int, 10_000, non_negative, N_("Bea meterai (Rp)")),
    SettingSpec("dormancy_months", int, 12, between(1, 120, "bulan"),
                N_("Rekening pasif setelah (bulan tanpa transaksi)")),
    SettingSpec("loan_two_approvers_above", int, 25_000_000, non_negative,
                N_("Pinjaman butuh dua penyetuju di atas (Rp)")),
    SettingSpec("training_completion_percent", Decimal, Decimal("80"), percent,
                N_("Kehadiran minimal untuk lulus pelatihan (%)")),
    # SHU parts (UU 25/1992 Pasal 45): each group sums to 100 % (checked in coop.settings, needs the others).
    SettingSpec("shu_cadangan", Decimal, Decimal("40"), percent, N_("SHU: cadangan (%)")),
    SettingSpec("shu_jasa_anggota", Decimal, Decimal("40"), percent, N_("SHU: jasa anggota (%)")),
    SettingSpec("shu_pengurus", Decimal, Decimal("5"), percent, N_("SHU: pengurus (%)")),
    SettingSpec("shu_karyawan", Decimal, Decimal("5"), percent, N_("SHU: karyawan (%)")),
    SettingSpec("shu_pendidikan", Decimal, Decimal("5"), percent, N_("SHU: dana pendidikan (%)")),
    SettingSpec("shu_sosial", Decimal, Decimal("5"), percent, N_("SHU: dana sosial (%)")),
    SettingSpec("shu_jasa_usaha", Decimal, Decimal("70"), percent, N_("SHU anggota: jasa usaha (%)")),
    SettingSpec("shu_jasa_modal", Decimal, Decimal("30"), percent, N_("SHU anggota: jasa modal (%)")),
    SettingSpec("shu_modal_base_kinds", list, ("pokok", "wajib"), not_empty_list,
                N_("SHU jasa modal: jenis simpanan dasar")),
    # SHU is after the year's income tax (UU 25/1992 Pasal 45(1)): PPh badan accrued at year end on a
    # positive surplus. DOMAIN.md gives no rate; the default is the general corporate rate of UU PPh
    # Pasal 17(1)(b) as amended by UU 7/2021 (HPP). 0 turns the accrual off (e.g. a final-tax regime).
    SettingSpec("income_tax_rate", Decimal, Decimal("22"), percent,
                N_("Tarif PPh badan atas SHU sebelum pajak, dibukukan saat tutup buku (%)")),
    # Where accumulated losses are covered from before a later surplus is shared (DOMAIN.md: first from
    # cadangan, or from later years' surplus as the RAT decides; a surplus is shared only after the
    # losses are covered, so the surplus always covers what reserves leave).
    SettingSpec("loss_coverage_order", str, "cadangan,surplus", None,
                N_("Urutan penutupan rugi tahun lalu: cadangan,surplus atau surplus,cadangan atau surplus"),
                choices=("cadangan,surplus", "surplus,cadangan", "surplus")),
    # DOMAIN.md is silent; a cash desk cannot pay out cash it lacks, and a negative Kas is an audit
    # finding (an unrecorded receipt or a wrong entry), so the floor is on unless an admin turns it off.
    SettingSpec("cash_never_negative", bool, True, None,
                N_("Kas tidak boleh minus: pembayaran tunai melebihi saldo kas ditolak (ya/tidak; "
                   "berlaku begitu disimpan)")),
    # Kolektibilitas (DOMAIN.md, Loans): "koperasi4" = Permen KUKM 14/2009 (Lancar, KL, D, M; thresholds on
    # the loan product) or "bank5" = the bank scheme with Dalam Perhatian Khusus, thresholds below (bank
    # practice: DPK 1-90 days past due, KL 91-120, D 121-180, M over 180). Copied onto each loan at
    # application, so a change never reclassifies existing loans. The thresholds must rise (coop.settings).
    SettingSpec("collectibility_scheme", str, "koperasi4", None,
                N_("Skema kolektibilitas pinjaman baru: koperasi4 (Lancar, KL, D, M) atau bank5 "
                   "(dengan Dalam Perhatian Khusus)"),
                choices=("koperasi4", "bank5")),
    SettingSpec("bank5_dpk_after_days", int, 0, non_negative, N_("Skema bank5: DPK setelah (hari tunggakan)")),
    SettingSpec("bank5_kl_after_days", int, 90, non_negative,
                N_("Skema bank5: Kurang Lancar setelah (hari tunggakan)")),
    SettingSpec("bank5_d_after_days", int, 120, non_negative,
                N_("Skema bank5: Diragukan setelah (hari tunggakan)")),
    SettingSpec("bank5_m_after_days", int, 180, non_negative, N_("Skema bank5: Macet setelah (hari tunggakan)")),
    # PPAP for DPK: DOMAIN.md's rates (0.5 / 10 / 50 / 100) are the rural-bank (BPR) table, whose DPK rate is 3 %.
    SettingSpec("provision_dpk", Decimal, Decimal("3"), percent, N_("PPAP Dalam Perhatian Khusus (%)")),
    # the lowest class a write-off (hapus buku) may be requested for: a performing loan is collected, not
    # written off (a class code of coop.loans.rules.CLASS_CODES).
    SettingSpec("write_off_min_class", str, "macet", None,
                N_("Hapus buku pinjaman mulai kolektibilitas (lancar, dalam_perhatian_khusus, "
                   "kurang_lancar, diragukan, macet)"),
                choices=("lancar", "dalam_perhatian_khusus", "kurang_lancar", "diragukan", "macet")),
    # Kolektibilitas koperasi4 (DOMAIN.md, Loans): past the D threshold a loan stays Diragukan only while its
    # collateral is worth at least this share (percent) of the outstanding principal; otherwise Macet.
    # 0 turns the test off. Copied onto each loan at application.
    SettingSpec("collateral_min_percent", Decimal, Decimal("75"), percent,
                N_("Agunan minimal (persen dari sisa pokok) agar pinjaman lewat 180 hari tetap Diragukan, "
                   "bukan Macet (0 = tanpa uji agunan)")),
    # First period (DOMAIN.md, Loans): "prorate" = efektif/anuitas interest of a first period longer or
    # shorter than one period is prorated by days; "none" = a full period's interest, and the schedule
    # says so. Copied onto each loan at application.
    SettingSpec("first_period_interest", str, "prorate", None,
                N_("Jasa periode pertama efektif/anuitas: prorate (per hari) atau none (satu "
                   "periode penuh)"),
                choices=("prorate", "none")),
    # Outreach (coop.outreach): no message leaves between quiet_hours_start:00 and quiet_hours_end:00 in the
    # cooperative's time zone; the cooperative's phone printed in messages; the RAT date (none: none planned)
    # and how many days before it the invitation is queued.
    SettingSpec("quiet_hours_start", int, 21, between(0, 23, "jam"),
                N_("Jam tenang pesan mulai (jam, waktu setempat)")),
    SettingSpec("quiet_hours_end", int, 7, between(0, 23, "jam"), N_("Jam tenang pesan berakhir (jam, waktu setempat)")),
    SettingSpec("cooperative_phone", str, None, max_length(20), N_("Nomor telepon koperasi (dicetak di pesan)"),
                optional=True),
    SettingSpec("rat_date", date, None, None, N_("Tanggal RAT berikutnya (YYYY-MM-DD)"), optional=True),
    SettingSpec("rat_invitation_days", int, 14, between(1, 90, "hari"),
                N_("Undangan RAT dikirim ... hari sebelumnya")),
    # Job history (job_runs, one row per job, cooperative and day: ~2.9 million rows a year at 1,000
    # cooperatives): rows older than this many days are pruned daily, except each job's latest run, which
    # the scheduler needs to know where to catch up from.
    SettingSpec("job_runs_keep_days", int, 400, between(1, 3650, "hari"),
                N_("Riwayat pekerjaan terjadwal disimpan (hari; yang terakhir per pekerjaan selalu disimpan)")),
)

#: The specs by key.
BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SPECS}

#: The label of every setting (the admin page; translated where shown).
LABELS: dict[str, str] = {spec.key: spec.label for spec in SPECS}
