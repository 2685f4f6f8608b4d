"""``flask --app coop training ...``: follow-up tasks and the training report."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa

from coop.auth.models import Cooperative
from coop.clock import business_date
from coop.db import atomic, db
from coop.training.followup import create_due_followups
from coop.training.reports import to_xlsx


@click.group("training")
def training_cli():
    """Productive-enterprise training (pelatihan)."""


def _cooperative_ids(given: int | None) -> list[int]:

    if given is not None:
        if db.session.get(Cooperative, given) is None:
            raise click.ClickException(f"Koperasi {given} tidak ada.")
        return [given]
    return list(db.session.scalars(sa.select(Cooperative.id).order_by(Cooperative.id)))


@training_cli.command("followups")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Business date (default: today in the cooperative's time zone).")
@click.option("--cooperative-id", type=int, default=None, help="Only this cooperative (default: all).")
def followups_cmd(as_of, cooperative_id):
    """Create the 3- and 6-month follow-up tasks that are due (idempotent; the daily job does the same)."""

    day: date = as_of.date() if as_of else business_date(None)
    ids = _cooperative_ids(cooperative_id)
    total = 0
    with click.progressbar(ids, label="Koperasi") as bar:
        for cid in bar:
            total += atomic(create_due_followups, cid, day)
    click.echo(f"{total} tugas pendampingan dibuat (per {day.isoformat()}).")


@training_cli.command("report")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cooperative-id", type=int, default=None, help="Needed when there is more than one cooperative.")
def report_cmd(path: Path, cooperative_id):
    """Write the training report (participants, breakdowns, completion rates) to PATH as XLSX."""

    ids = _cooperative_ids(cooperative_id)
    if len(ids) != 1:
        raise click.ClickException("Sebutkan --cooperative-id (ada lebih dari satu koperasi, atau belum ada).")
    path.write_bytes(to_xlsx(ids[0]))
    click.echo(f"Laporan pelatihan ditulis ke {path}.")
