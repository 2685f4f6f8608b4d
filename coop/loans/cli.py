"""``flask --app coop loans ...``: the daily run and the monthly provision for one cooperative, and a
portfolio summary. (``flask jobs run`` runs them for every cooperative with catch-up; these are for an
operator who wants one of them now.)"""
from __future__ import annotations

from datetime import date

import click

from coop.db import atomic
from coop.formatting import rupiah
from coop.loans import rules
from coop.loans.jobs import post_provision, run_daily
from coop.loans.reports import portfolio


def _date(value) -> date | None:
    return value.date() if value is not None else None


@click.group("loans")
def loans_cli():
    """Pinjaman: job harian, PPAP, ringkasan portofolio."""


@loans_cli.command("daily")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
def daily(cooperative_id: int, as_of):
    """Run the daily arrears/penalty/collectibility pass for one day (idempotent)."""

    click.echo(atomic(run_daily, cooperative_id, _date(as_of)))


@loans_cli.command("provision")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--month-end", "month_end", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="Last day of the month to provision for.")
def provision(cooperative_id: int, month_end):
    """Post the PPAP adjustment for the month ending MONTH_END (once per month)."""

    row = atomic(post_provision, cooperative_id, _date(month_end))
    click.echo(f"PPAP {row.period}: wajib {row.required}, sebelumnya {row.previous}, penyesuaian {row.adjustment}")


@loans_cli.command("portfolio")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
def portfolio_cmd(cooperative_id: int, as_of):
    """Portfolio by collectibility class, PAR > 30 and NPL with the health rating."""

    p = portfolio(cooperative_id, as_of.date())  # required
    for k, v in sorted(p.by_class.items()):
        click.echo(f"{rules.CLASSES[k]:<24} {v['count']:>6} {rupiah(v['outstanding']):>20}")
    click.echo(f"{'Total':<24} {p.count:>6} {rupiah(p.total):>20}")
    click.echo(f"PAR>30 {p.par30_percent} %  NPL {p.npl_percent} % ({p.rating})  PPAP wajib {rupiah(p.provision_required)}")
