"""Pure rules of community parenting: the vocabularies, eligibility, risk signs, quarters and score
gains. No database, no Flask."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from coop.text import N_

#: KPAI's activity list, plus the caregivers' workshop (pre/post scores).
SESSION_KINDS = ("counselling", "money_management", "literacy", "arts", "sport", "internet", "religion",
                 "caregiver_workshop")
SESSION_KIND_LABELS = {
    "counselling": N_("Bimbingan dan konseling"), "money_management": N_("Pengelolaan uang"),
    "literacy": N_("Calistung"), "arts": N_("Seni"), "sport": N_("Olahraga"), "internet": N_("Internet sehat"),
    "religion": N_("Keagamaan"), "caregiver_workshop": N_("Lokakarya pengasuh"),
}
SCHOOL_STATUSES = ("enrolled", "not_enrolled", "dropped_out", "preschool")
SCHOOL_STATUS_LABELS = {"enrolled": N_("Bersekolah"), "not_enrolled": N_("Tidak bersekolah"),
                        "dropped_out": N_("Putus sekolah"), "preschool": N_("Belum usia sekolah")}
#: How the consent was given: a signed form, a thumbprint on the form, or spoken before a witness.
CONSENT_METHODS = ("written", "thumbprint", "verbal")
CONSENT_METHOD_LABELS = {"written": N_("Tertulis (tanda tangan)"), "thumbprint": N_("Cap jempol"),
                         "verbal": N_("Lisan, dengan saksi")}
#: Who gave it, relative to the child.
CONSENT_RELATIONSHIPS = ("parent", "guardian")
CONSENT_RELATIONSHIP_LABELS = {"parent": N_("Orang tua"), "guardian": N_("Wali / pengasuh")}
CONTACT_METHODS = ("call", "video_call", "visit")
CONTACT_METHOD_LABELS = {"call": N_("Telepon"), "video_call": N_("Panggilan video"), "visit": N_("Kunjungan")}
ATTENDEE_ROLES = ("child", "caregiver")

#: Relationships (SHDK on the KK) of a child the programme serves, and of the parent on the same KK.
CHILD_RELATIONSHIPS = ("anak", "cucu")
PARENT_RELATIONSHIPS = ("kepala_keluarga", "suami", "istri")
MIGRANT_STATUSES = ("aktif", "purna")

RISK_SIGNS = ("not_in_school", "low_attendance", "no_parent_contact")
RISK_LABELS = {"not_in_school": N_("Tidak/putus sekolah"), "low_attendance": N_("Jarang hadir"),
               "no_parent_contact": N_("Tanpa kontak orang tua")}
#: The look-back window of the attendance and contact signs: a day counts when it is at most this many
#: days before the business date (both ends included).
WINDOW_DAYS = 90
#: Attendance is judged only once the group has held at least this many sessions in the window.
MIN_SESSIONS = 2


def window_start(as_of: date) -> date:
    return as_of - timedelta(days=WINDOW_DAYS)


def risk_signs(*, school_status: str, group_session_days: Iterable[date], attended_days: Iterable[date],
               contact_days: Iterable[date], as_of: date) -> list[str]:
    """The risk signs of one child on ``as_of``, in :data:`RISK_SIGNS` order.

    - ``not_in_school``: not enrolled or dropped out (a preschooler is not flagged);
    - ``low_attendance``: attended fewer than half of the group's sessions held in the window, when the
      group held at least :data:`MIN_SESSIONS` there (a child in no group is never flagged);
    - ``no_parent_contact``: no contact with a migrant parent logged in the window.
    """
    start = window_start(as_of)
    signs = []
    if school_status in ("not_enrolled", "dropped_out"):
        signs.append("not_in_school")
    held = [d for d in group_session_days if start <= d <= as_of]
    if len(held) >= MIN_SESSIONS:
        came = [d for d in attended_days if start <= d <= as_of]
        if 2 * len(came) < len(held):
            signs.append("low_attendance")
    if not any(start <= d <= as_of for d in contact_days):
        signs.append("no_parent_contact")
    return signs


def is_eligible_child(relationship: str | None, parent_statuses: Iterable[str]) -> bool:
    """A child (``anak``/``cucu`` on the KK) with at least one parent who is or was a PMI (aktif/purna)."""
    return relationship in CHILD_RELATIONSHIPS and any(s in MIGRANT_STATUSES for s in parent_statuses)


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(text: str) -> tuple[date, date] | None:
    """``2027Q1`` -> (2027-01-01, 2027-03-31); None when malformed."""
    m = _QUARTER.match(text or "")
    if not m:
        return None
    year, q = int(m.group(1)), int(m.group(2))
    if not 1900 <= year <= 9998:
        return None
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return start, end


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def average_gain(pairs: Iterable[tuple[int | None, int | None]]) -> Decimal | None:
    """Mean of (post - pre) over the pairs with both scores, to two decimals (half up); None if none."""
    gains = [post - pre for pre, post in pairs if pre is not None and post is not None]
    if not gains:
        return None
    return (Decimal(sum(gains)) / Decimal(len(gains))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
