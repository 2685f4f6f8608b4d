"""Pure rules of the training area: eligibility, the completion rule, certificate numbers, follow-up
dates. No database, no Flask: tested with worked examples."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from coop.dates import add_months  # noqa: F401 - one month arithmetic for every area (re-exported)
from coop.text import N_

#: PMI statuses (derived by the registry): calon (preparing to leave), aktif (abroad now), purna
#: (returned), keluarga (household member of a PMI), none.
PMI_STATUSES = ("calon", "aktif", "purna", "keluarga", "none")




ADMISSION_LABELS = {
    "pmi": N_("PMI purna dan keluarga PMI"),
    "pmi_calon": N_("PMI purna, keluarga PMI, dan calon PMI"),
    "all": N_("Semua warga desa"),
}

#: Months after completion at which a follow-up task falls due.
FOLLOW_UP_MONTHS = (3, 6)


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str = ""


def eligibility(*, pmi_status: str, resident_status: str, admission: str) -> Eligibility:
    """Can a resident join a cohort with this ``admission``?

    :param pmi_status: the registry's derived PMI status of the resident.
    :param resident_status: hidup, mati, pindah, hilang, pergi (only ``hidup`` residents can train).
    :param admission: ``pmi`` (purna + keluarga, the default), ``pmi_calon`` (adds calon PMI) or ``all``.
    """
    if resident_status != "hidup":
        return Eligibility(False, f"Status kependudukan '{resident_status}': hanya warga yang masih tinggal "
                                  "di desa (hidup) yang bisa ikut pelatihan.")
    if admission == "all":
        return Eligibility(True)
    allowed = {"purna", "keluarga"} | ({"calon"} if admission == "pmi_calon" else set())
    if pmi_status in allowed:
        return Eligibility(True)
    if pmi_status == "aktif":
        return Eligibility(False, "Warga ini tercatat sedang bekerja di luar negeri (PMI aktif); pelatihan "
                                  "ini untuk PMI purna dan keluarga PMI.")
    if pmi_status == "calon":
        return Eligibility(False, "Calon PMI tidak termasuk peserta angkatan ini (hanya PMI purna dan "
                                  "keluarga PMI). Pilih angkatan orientasi pra-keberangkatan.")
    return Eligibility(False, "Angkatan ini hanya untuk " + ADMISSION_LABELS[admission]
                       + "; warga ini tidak tercatat sebagai PMI purna atau keluarga PMI di registrasi desa.")


def attendance_percent(attended: int, sessions: int) -> Decimal:
    """Share of sessions attended, in percent (exact Decimal; 0 sessions -> 0)."""
    if sessions <= 0:
        return Decimal(0)
    return Decimal(attended) * 100 / Decimal(sessions)


def meets_completion(attended: int, sessions: int, required_percent: Decimal) -> bool:
    """The completion rule: attended at least ``required_percent`` % of the cohort's sessions.

    Compared in integers (``attended * 100 >= required * sessions``), so 4 of 5 = exactly 80 % passes.
    """
    if sessions <= 0:
        return False
    return Decimal(attended) * 100 >= Decimal(required_percent) * sessions


def sessions_needed(sessions: int, required_percent: Decimal) -> int:
    """The fewest sessions that satisfy the rule (ceil(sessions * pct / 100))."""
    need = Decimal(sessions) * Decimal(required_percent) / 100
    whole = int(need)
    return whole if whole == need else whole + 1


def certificate_number(year: int, seq: int, village_code: str) -> str:
    """``SERT/<village code>/<year>/<seq:04d>``: unique per cooperative and year, gapless."""
    return f"SERT/{village_code}/{year}/{seq:04d}"


def follow_up_due_dates(completed_on: date) -> list[tuple[int, date]]:
    return [(m, add_months(completed_on, m)) for m in FOLLOW_UP_MONTHS]


def percent(part: int, whole: int) -> Decimal:
    """``part / whole`` in percent, one decimal, ROUND_HALF_UP (0 when ``whole`` is 0)."""

    if whole <= 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
