"""Demo step of the reports area: close last year's books, allocate its SHU as the RAT of March would,
pay the members' shares (about one in ten takes cash at the RAT, the rest go into their simpanan
sukarela), and take the last month-end portfolio snapshot.

Runs after every other area's step, so the year it closes is complete. Skips quietly (with a note)
when there is nothing to close or the other areas loaded no members.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import attempt, db
from coop.errors import CoopError
from coop.ledger.models import JournalEntry
from coop.membership.models import Member
from coop.reports.jobs import portfolio_snapshot
from coop.savings.services import account_for
from coop.yearend import closing as yearend
from coop.yearend import shu
from coop.yearend.models import ShuMemberShare


def load(ctx) -> None:
    coop_id = ctx.cooperative.id
    year = ctx.today.year - 1
    admin = ctx.users.get("admin")
    manager = ctx.users.get("manajer") or admin
    treasurer = ctx.users.get("bendahara") or admin
    has_entries = db.session.scalar(sa.select(sa.func.count(JournalEntry.id)).where(
        JournalEntry.cooperative_id == coop_id, JournalEntry.value_date <= date(year, 12, 31)))
    if has_entries:
        try:
            ye = attempt(yearend.close_year, coop_id, year, actor=admin)
            ctx.echo(f"    reports: tahun buku {year} ditutup, SHU Rp {ye.surplus:,}".replace(",", "."))
            rat_day = date(year + 1, 3, 20)
            if ye.surplus > 0 and rat_day <= ctx.today:
                dist = attempt(shu.allocate, coop_id, year, actor=manager, decided_on=rat_day)
                pay_day = rat_day + timedelta(days=7)
                cash_ids = _cash_takers(ctx, coop_id, dist.id)
                n_cash = attempt(shu.pay, coop_id, year, actor=treasurer, value_date=pay_day, via="cash",
                                member_ids=cash_ids) if cash_ids else 0
                try:
                    n_suk = attempt(shu.pay, coop_id, year, actor=treasurer, value_date=pay_day, via="sukarela")
                except CoopError:  # someone without a sukarela account: pay the rest in cash instead
                    n_suk = 0
                    n_cash += attempt(shu.pay, coop_id, year, actor=treasurer, value_date=pay_day, via="cash")
                jasa = f"{dist.jasa_anggota:,}".replace(",", ".")
                ctx.echo(f"    reports: SHU {year} dibagi (Rp {jasa} untuk anggota), {n_cash} anggota dibayar tunai, "
                         f"{n_suk} ke simpanan sukarela")
        except CoopError as exc:
            ctx.echo(f"    reports: tutup buku {year} dilewati: {exc.message}")
    else:
        ctx.echo(f"    reports: tidak ada transaksi sampai {year}, tutup buku dilewati")
    try:
        month_end = ctx.today.replace(day=1) - timedelta(days=1)
        attempt(portfolio_snapshot, coop_id, month_end)
    except CoopError as exc:  # pragma: no cover - loans area missing
        ctx.echo(f"    reports: potret portofolio dilewati: {exc.message}")


def _cash_takers(ctx, coop_id: int, distribution_id: int) -> list[int]:
    """Members paid their SHU in cash: those no longer active (or without an open sukarela account) and
    about one in ten of the others (deterministic, ``ctx.rng``)."""

    rows = db.session.execute(sa.select(ShuMemberShare.member_id, Member.status).join(
        Member, Member.id == ShuMemberShare.member_id).where(ShuMemberShare.distribution_id == distribution_id,
                                                              ShuMemberShare.total > 0)
        .order_by(ShuMemberShare.member_id)).all()
    out = []
    for mid, status in rows:
        try:
            has_sukarela = account_for(coop_id, mid, "sukarela") is not None
        except CoopError:
            has_sukarela = False
        if status != "active" or not has_sukarela or ctx.rng.random() < 0.1:
            out.append(mid)
    return out
