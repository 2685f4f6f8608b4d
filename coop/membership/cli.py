"""``flask --app coop members ...``: savings products and the opening-balance import."""
from __future__ import annotations

import click
from flask import current_app

from coop.clock import business_date
from coop.db import atomic
from coop.errors import CoopError
from coop.savings.imports import import_opening_balances, read_table
from coop.savings.services import mark_dormant, seed_defaults
from coop.uploads import ImportLimits


@click.group("members")
def members_cli():
    """Members and savings."""


@members_cli.command("seed-products")
@click.option("--cooperative-id", type=int, required=True)
def seed_products(cooperative_id):
    """Create the default savings products (DOMAIN.md) for a cooperative (idempotent)."""

    for p in atomic(seed_defaults, cooperative_id):
        click.echo(f"{p.code:<6} {p.kind:<10} {p.name}")


@members_cli.command("import-balances")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--date", "value_date", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--commit", is_flag=True, help="Write (default: dry run).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_balances(cooperative_id, value_date, commit, path):
    """Opening savings balances from a CSV/XLSX (member_number or nik, kind, amount). All or nothing."""

    limits = ImportLimits.from_config(current_app.config)
    with open(path, "rb") as fh:
        data = fh.read()
    with click.progressbar(length=1, label="Memeriksa dan membukukan") as bar:
        try:  # not inside atomic: rows checked with no write lock, then posted in one unit of work
            res = import_opening_balances(cooperative_id, read_table(path, data, limits), value_date.date(),
                                          actor=None, dry_run=not commit, limits=limits)
        except CoopError as exc:
            raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
        bar.update(1)
    for e in res.errors:
        click.echo(f"baris {e['row']}: {e['field']}: {e['message']}", err=True)
    if res.errors.unlisted:
        click.echo(res.errors.summary(), err=True)
    click.echo(f"{res.rows} baris, jumlah Rp {res.total:,}".replace(",", ".") +
               ("" if res.error_total else (f", {res.created} dibukukan" if commit else ", uji coba OK")))
    if res.error_total:
        raise SystemExit(1)


@members_cli.command("dormancy")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def dormancy(cooperative_id, as_of):
    """Mark long-inactive sukarela accounts dormant now (the daily job does the same)."""

    click.echo(f"{atomic(mark_dormant, cooperative_id, as_of.date() if as_of else business_date(None))} rekening dormant")
