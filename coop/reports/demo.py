"""Demo step of the reports area: close last year's books, allocate its SHU as the RAT of March would,
pay the members' shares into their simpanan sukarela, and take the last month-end portfolio snapshot.

Runs after every other area's step, so the year it closes is complete. Skips quietly (with a note)
when there is nothing to close or the other areas loaded no members.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import CoopError
from coop.ledger.models import JournalEntry


def load(ctx) -> None:
    coop_id = ctx.cooperative.id
    year = ctx.today.year - 1
    admin = ctx.users.get("admin")
    manager = ctx.users.get("manajer") or admin
    treasurer = ctx.users.get("bendahara") or admin
    has_entries = db.session.scalar(sa.select(sa.func.count(JournalEntry.id)).where(
        JournalEntry.cooperative_id == coop_id, JournalEntry.value_date <= date(year, 12, 31)))
    if has_entries:
        from coop.reports import shu, yearend

        try:
            ye = atomic(yearend.close_year, coop_id, year, actor=admin)
            ctx.echo(f"    reports: tahun buku {year} ditutup, SHU Rp {ye.surplus:,}".replace(",", "."))
            rat_day = date(year + 1, 3, 20)
            if ye.surplus > 0 and rat_day <= ctx.today:
                dist = atomic(shu.allocate, coop_id, year, actor=manager, decided_on=rat_day)
                try:
                    n = atomic(shu.pay, coop_id, year, actor=treasurer, value_date=rat_day + timedelta(days=7),
                               via="sukarela")
                except CoopError:  # someone without a sukarela account: pay everyone in cash instead
                    n = atomic(shu.pay, coop_id, year, actor=treasurer, value_date=rat_day + timedelta(days=7),
                               via="cash")
                ctx.echo(f"    reports: SHU {year} dibagi ({dist.jasa_anggota:,} untuk anggota), {n} anggota dibayar"
                         .replace(",", "."))
        except CoopError as exc:
            ctx.echo(f"    reports: tutup buku {year} dilewati: {exc.message}")
    else:
        ctx.echo(f"    reports: tidak ada transaksi sampai {year}, tutup buku dilewati")
    try:
        from coop.reports.jobs import portfolio_snapshot

        month_end = ctx.today.replace(day=1) - timedelta(days=1)
        atomic(portfolio_snapshot, coop_id, month_end)
    except CoopError as exc:  # pragma: no cover - loans area missing
        ctx.echo(f"    reports: potret portofolio dilewati: {exc.message}")
