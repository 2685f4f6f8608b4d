"""``flask --app coop ledger ...``: verify the books, import opening balances, close a period."""
from __future__ import annotations

import sys
from datetime import datetime

import click
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from coop.auth.models import Cooperative
from coop.db import db
from coop.errors import CoopError
from coop.ledger.imports import import_opening_balances, read_opening_file
from coop.ledger.verify import count_postings, problem_text, verify
from coop.uploads import ImportLimits


@click.group("ledger")
def ledger_cli() -> None:
    """Buku besar: verifikasi, saldo awal, tutup periode."""


@ledger_cli.command("verify")
@click.option("--cooperative-id", type=int, default=None, help="Only this cooperative (default: all).")
def verify_cmd(cooperative_id: int | None) -> None:
    """Recompute balances from postings, walk the hash chain, check voucher gaps. Exit 1 on failure.

    Output in Bahasa Indonesia; ``COOP_LANG=en`` gives it in English."""

    ids = [cooperative_id] if cooperative_id else list(
        db.session.scalars(sa.select(Cooperative.id).order_by(Cooperative.id)))
    failed = False
    for cid in ids:
        total = count_postings(cid)
        with click.progressbar(length=max(total, 1), label=_("Koperasi %(id)s", id=cid)) as bar:
            result = verify(cid, progress=bar.update)
        for r in result["restores"]:
            click.echo(_("Koperasi %(id)s: dipulihkan dari cadangan %(backup)s pada %(at)s; kepala rantai sebelum "
                         "%(before)s (urutan %(seq_before)s), sesudah %(after)s (urutan %(seq_after)s); "
                         "%(lost)s jurnal hilang", id=cid, backup=r.get("backup"), at=r["at"].isoformat(timespec="seconds"),
                         before=(r["head_before"].get("hash") or "-")[:16], seq_before=r["head_before"].get("chain_seq"),
                         after=(r["head_after"].get("hash") or "-")[:16], seq_after=r["head_after"].get("chain_seq"),
                         lost=r.get("entries_lost", 0)))
        if result["ok"]:
            click.echo(_("Koperasi %(id)s: OK, %(entries)s jurnal, %(postings)s posting, head %(head)s", id=cid,
                         entries=result["entries"], postings=result["postings"], head=result["head_hash"]))
        else:
            failed = True
            bad = result["first_bad_entry"]
            click.echo(_("Koperasi %(id)s: GAGAL (%(count)s masalah)", id=cid, count=len(result["problems"])),
                       err=True)
            if bad:
                click.echo("  " + _("Jurnal pertama yang rusak: %(voucher)s (id %(entry_id)s)",
                                    voucher=bad["voucher_number"], entry_id=bad["entry_id"]), err=True)
            for p in result["problems"][:20]:
                click.echo(f"  [{p['code']}] {problem_text(p)}", err=True)
    if failed:
        sys.exit(1)


@ledger_cli.command("import-opening")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--cooperative-id", type=int, required=True)
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
def import_opening_cmd(path: str, cooperative_id: int, as_of: datetime) -> None:
    """Import opening balances from a CSV or XLSX with columns code,amount[,memo] (all-or-nothing)."""

    limits = ImportLimits.from_config(current_app.config)
    with open(path, "rb") as fh:
        data = fh.read()
    try:  # not inside atomic: the file is checked with no write lock, then posted in one unit of work
        rows = read_opening_file(data, path, limits)
        ids = import_opening_balances(cooperative_id, rows, actor=None, value_date=as_of.date(), limits=limits)
    except CoopError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
    click.echo(f"{len(ids)} jurnal saldo awal diposting.")
