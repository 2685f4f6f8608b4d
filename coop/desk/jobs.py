"""Scheduled job of the desk: the reminder list for the outreach area (passport expiry, stalled cases).
It only lists (read-only, so running it twice is harmless); sending messages belongs to outreach."""
from __future__ import annotations

from datetime import date

from coop.desk.services import reminders


def list_reminders(cooperative_id: int, as_of: date) -> str:
    """Open cases whose passport expires within 180 days, and cases before departure with no stage change
    for 30 days.

    :returns: a one-line summary naming the cases, for the job log.
    """

    found = reminders(cooperative_id, as_of)
    passports = ", ".join(f"#{r['case_id']}" for r in found["passport_expiring"]) or "-"
    stalled = ", ".join(f"#{r['case_id']}" for r in found["stalled"]) or "-"
    return (f"{len(found['passport_expiring'])} paspor segera habis ({passports}); "
            f"{len(found['stalled'])} kasus tanpa kemajuan 30 hari ({stalled})")
