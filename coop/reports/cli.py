"""``flask --app coop exports ...``: verify a journal CSV, write exports to files, SHU and year-end."""
from __future__ import annotations

import sys

import click

from coop.db import atomic, utcnow
from coop.reports import beancount, exports, saft
from coop.reports.exports import Period
from coop.reports.verify import verify_file
from coop.yearend.closing import close_year
from coop.yearend.shu import allocate

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group("exports")
def exports_cli():
    """Auditor exports and their independent verification."""


@exports_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--head", "head", default=None, help="The head hash the cooperative published.")
@click.option("--full", is_flag=True, help="The file claims the whole history: no gaps allowed.")
def verify_cmd(file, head, full):
    """Recompute the hash chain and totals of an exported journal CSV FILE (no database needed)."""

    report = verify_file(file, head, full)
    for line in report.lines_out():
        click.echo(line)
    sys.exit(0 if report.ok else 1)


def _period(start, end):
    return Period(start.date() if start else None, end.date() if end else None)


@exports_cli.command("write")
@click.argument("kind", type=click.Choice(["journal.csv", "saft.xml", "ledger.beancount", "general-ledger.xlsx"]))
@click.option("--cooperative-id", type=int, required=True)
@click.option("--from", "start", type=DATE, default=None)
@click.option("--to", "end", type=DATE, default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def write_cmd(kind, cooperative_id, start, end, output):
    """Write one export to a file (recorded in the audit log as done by the system)."""

    period = _period(start, end)
    atomic(exports.record_export, None, cooperative_id, kind, period, via="cli")
    if kind == "general-ledger.xlsx":
        src = exports.general_ledger_xlsx(cooperative_id, period)
        with open(output, "wb") as fh:
            for chunk in exports.iter_file(src):
                fh.write(chunk)
        return
    gen = {"journal.csv": lambda: exports.journal_csv(cooperative_id, period),
           "saft.xml": lambda: saft.saft_xml(cooperative_id, period, created_at=utcnow()),
           "ledger.beancount": lambda: beancount.beancount_text(cooperative_id, period)}[kind]()
    with open(output, "w", encoding="utf-8", newline="") as fh:
        for chunk in gen:
            fh.write(chunk)
    click.echo(f"{kind} -> {output}")


@exports_cli.command("close-year")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--year", type=int, required=True)
def close_year_cmd(cooperative_id, year):
    """Year-end closing: income/expenses into 3301, close the year, carry forward to 3302 (as the system)."""

    row = atomic(close_year, cooperative_id, year, actor=None)
    click.echo(f"Tahun buku {year} ditutup: SHU {row.surplus}")


@exports_cli.command("shu-allocate")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--year", type=int, required=True)
@click.option("--decided-on", type=DATE, required=True, help="Date of the RAT decision.")
def shu_allocate_cmd(cooperative_id, year, decided_on):
    """Post the RAT's SHU allocation of a closed year and record every member's share."""

    dist = atomic(allocate, cooperative_id, year, actor=None, decided_on=decided_on.date())
    click.echo(f"SHU {year}: {dist.surplus} dibagi; bagian anggota {dist.jasa_anggota} "
               f"(jasa usaha {dist.jasa_usaha}, jasa modal {dist.jasa_modal}, sisa pembulatan {dist.residue})")
