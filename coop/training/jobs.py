"""Scheduled jobs of the training area."""
from __future__ import annotations

from datetime import date

from coop.training.followup import create_due_followups


def create_followups(cooperative_id: int, as_of: date) -> str:
    """Create the 3- and 6-month follow-up tasks that fell due by ``as_of`` (idempotent).

    :returns: a one-line summary for the job log.
    """

    created = create_due_followups(cooperative_id, as_of)
    return f"{created} tugas pendampingan dibuat"
