"""``flask --app coop registry ...``: import residents from a spreadsheet, download the template."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from coop.auth.models import Cooperative, User
from coop.clock import business_date
from coop.db import db
from coop.errors import CoopError
from coop.registry.imports import ImportLimits, import_file, template_csv, template_xlsx


@click.group("registry")
def registry_cli():
    """Village registry (data desa)."""


def _cooperative_id(given: int | None) -> int:

    if given is not None:
        if db.session.get(Cooperative, given) is None:
            raise click.ClickException(f"Koperasi {given} tidak ada.")
        return given
    ids = db.session.scalars(sa.select(Cooperative.id).order_by(Cooperative.id).limit(2)).all()
    if len(ids) != 1:
        raise click.ClickException("Sebutkan --cooperative-id (ada lebih dari satu koperasi, atau belum ada).")
    return ids[0]


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only validate; write nothing.")
@click.option("--cooperative-id", type=int, default=None, help="Needed when there is more than one cooperative.")
@click.option("--username", default=None, help="Record the import in the audit log as this user (default: system).")
def import_cmd(file: Path, dry_run: bool, cooperative_id: int | None, username: str | None):
    """Import residents from FILE (CSV or XLSX, columns as in the template). All rows or nothing."""

    coop_id = _cooperative_id(cooperative_id)
    actor = None
    if username:
        actor = db.session.scalar(sa.select(User).where(User.username == username, User.cooperative_id == coop_id))
        if actor is None:
            raise click.ClickException(f"Pengguna {username} tidak ada di koperasi {coop_id}.")
    data = file.read_bytes()
    # rows are counted twice when writing (validated, then written); a CSV's lines estimate the rows
    # without listing them (an XLSX's bar just runs over)
    estimate = max(1, data.count(b"\n")) if data[:2] != b"PK" else 1
    try:
        with click.progressbar(length=estimate * (1 if dry_run else 2),
                               label="Validasi" + ("" if dry_run else " + simpan")) as bar:
            # not inside atomic: validation reads only, then the import commits in short batches
            report = import_file(coop_id, data, file.name, actor=actor, dry_run=dry_run, as_of=business_date(None),
                                 progress=bar.update, limits=ImportLimits.from_config(current_app.config))
    except CoopError as exc:
        raise click.ClickException(exc.message) from None
    for e in report.errors:
        click.echo(f"baris {e.row}: {e.field}: {e.message}")
    if report.error_total > len(report.errors):
        click.echo(f"... dan {report.error_total - len(report.errors)} kesalahan lain: "
                   + ", ".join(f"{code} {n}" for code, n in sorted(report.error_counts.items())))
    for w in report.warnings[:20]:
        click.echo(f"peringatan baris {w.row}: {w.field}: {w.message}")
    if report.warning_total > 20:
        click.echo(f"... dan {report.warning_total - 20} peringatan lain")
    click.echo(f"{report.rows} baris, {report.error_total} kesalahan; "
               f"dibuat {report.created}, diubah {report.updated}, tetap {report.unchanged}"
               + (" (uji coba, tidak disimpan)" if dry_run else ""))
    if report.errors:
        raise click.ClickException("Tidak ada yang disimpan: perbaiki baris di atas lalu ulangi.")


@registry_cli.command("template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def template_cmd(path: Path):
    """Write the import template to PATH (.csv or .xlsx)."""

    path.write_bytes(template_xlsx() if path.suffix.lower() == ".xlsx" else template_csv())
    click.echo(f"Templat ditulis ke {path}")
