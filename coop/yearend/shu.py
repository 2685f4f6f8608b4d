"""SHU services: the plan of a year, its allocation by the RAT, and the payouts to members.

Flow (accounts from ``coop.ledger.chart``):

1. :func:`coop.yearend.closing.close_year` accrues the year's PPh badan and puts the surplus after tax
   on ``3302 SHU Belum Dibagi`` (a loss goes there as a debit and waits to be covered).
2. :func:`allocate` (the RAT's decision) first covers earlier years' losses still on 3302, in the order
   of the setting ``loss_coverage_order`` (default: from cadangan, Dr 3201 / Cr 3302, then from this
   surplus, which simply stays on 3302 against the loss); then Dr 3302 the surplus left / Cr 3201 Cadangan, 2301 SHU Bagian
   Anggota, 2203 Dana Pengurus, 2204 Dana Karyawan, 2201 Dana Pendidikan, 2202 Dana Sosial; and a share
   row per member (jasa usaha + jasa modal, see :mod:`coop.yearend.shu_rules`).
3. :func:`pay` : Dr 2301 / Cr 1101 Kas (one receipt per member) or Cr the member's simpanan sukarela
   (one entry per batch of members).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coop import audit, datebounds, settings
from coop.db import db, utcnow
from coop.errors import Conflict, NotFound, ValidationError
from coop.ledger import chart
from coop.ledger.reports import balances_as_of
from coop.ledger.services import Line, account_by_code, lock_head, post_entry
from coop.loans.services import interest_paid_by_member
from coop.membership.models import Member
from coop.paging import Page, fetch_page
from coop.savings.services import account_for, balances_by_member
from coop.yearend import shu_rules
from coop.yearend.closing import get_year_end, income_tax_of, require_year_end
from coop.yearend.models import ShuDistribution, ShuMemberShare, YearEnd

PART_ACCOUNTS = {"cadangan": chart.CADANGAN, "jasa_anggota": chart.SHU_ANGGOTA, "pengurus": chart.DANA_PENGURUS,
                 "karyawan": chart.DANA_KARYAWAN, "pendidikan": chart.DANA_PENDIDIKAN, "sosial": chart.DANA_SOSIAL}
PAYOUT_BATCH = 200


def percentages(cooperative_id: int, as_of: date | None) -> tuple[dict[str, Decimal], Decimal, Decimal, list[str]]:
    """(allocation percents, jasa usaha %, jasa modal %, base savings kinds) in force on ``as_of``."""
    parts = {p: settings.get_decimal(cooperative_id, f"shu_{p}", as_of) for p in shu_rules.PARTS}
    return (parts, settings.get_decimal(cooperative_id, "shu_jasa_usaha", as_of),
            settings.get_decimal(cooperative_id, "shu_jasa_modal", as_of),
            settings.get_list(cooperative_id, "shu_modal_base_kinds", as_of))


def surplus_of(cooperative_id: int, year: int) -> int:
    """The year's SHU after income tax: as closed when the year is closed, else the PHU so far less the
    PPh badan the closing would accrue on it (a preview)."""
    ye = get_year_end(cooperative_id, year)
    if ye is not None:
        return ye.surplus
    return income_tax_of(cooperative_id, year)["surplus"]


def uncovered_losses(cooperative_id: int, year: int) -> int:
    """Losses of closed years before ``year`` not yet covered at an earlier RAT (from cadangan or a
    surplus): what waits on 3302 SHU Belum Dibagi as a debit."""
    losses = -int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(YearEnd.surplus), 0)).where(
        YearEnd.cooperative_id == cooperative_id, YearEnd.year < year, YearEnd.surplus < 0)) or 0)
    covered = int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(
        ShuDistribution.loss_from_reserves + ShuDistribution.loss_from_surplus), 0)).where(
        ShuDistribution.cooperative_id == cooperative_id, ShuDistribution.year < year)) or 0)
    return max(0, losses - covered)


def reserves_on(cooperative_id: int, day: date) -> int:
    """Cadangan (3201, credit-positive) at the end of ``day``."""
    return -balances_as_of(cooperative_id, day).get(account_by_code(cooperative_id, chart.CADANGAN).id, 0)


def bases(cooperative_id: int, year: int, kinds: list[str]) -> tuple[dict[int, int], dict[int, int]]:
    """(interest paid per member in the year, savings of ``kinds`` per member at 31 December)."""

    return (interest_paid_by_member(cooperative_id, date(year, 1, 1), date(year, 12, 31)),
            balances_by_member(cooperative_id, kinds, date(year, 12, 31)))


def compute_plan(cooperative_id: int, year: int, as_of: date | None = None) -> shu_rules.ShuPlan:
    """The SHU plan of ``year`` with the settings in force on ``as_of`` (no writes).

    :raises ValidationError: percentages do not total 100 %. :raises Conflict: the year made a loss.
    """
    surplus = surplus_of(cooperative_id, year)
    if surplus < 0:
        raise Conflict(f"Tahun {year} rugi Rp {-surplus:,}: tidak ada SHU untuk dibagi.".replace(",", "."),
                       code="no_surplus")
    parts, usaha, modal, kinds = percentages(cooperative_id, as_of)
    interest, savings = bases(cooperative_id, year, kinds)
    losses = uncovered_losses(cooperative_id, year)
    from_reserves = from_surplus = 0
    try:
        if losses:
            order = settings.get_text(cooperative_id, "loss_coverage_order", as_of)
            day = as_of or datebounds.today(cooperative_id)
            from_reserves, from_surplus = shu_rules.cover_losses(losses, surplus, reserves_on(cooperative_id, day),
                                                                 order)
        plan = shu_rules.plan(surplus - from_surplus, parts, usaha, modal, interest, savings)
    except shu_rules.ShuRuleError as exc:
        raise ValidationError(str(exc), fields={"percentages": [str(exc)]}) from None
    plan.loss_from_reserves, plan.loss_from_surplus = from_reserves, from_surplus
    if losses:
        plan.notes.insert(0, f"Rugi tahun sebelumnya Rp {losses:,} ditutup dari cadangan Rp {from_reserves:,} "
                             f"dan dari SHU tahun ini Rp {from_surplus:,}; SHU yang dibagi Rp {plan.surplus:,}."
                          .replace(",", "."))
    return plan


def get_distribution(cooperative_id: int, year: int) -> ShuDistribution | None:
    return db.session.scalar(sa.select(ShuDistribution).where(ShuDistribution.cooperative_id == cooperative_id,
                                                              ShuDistribution.year == year))


def allocate(cooperative_id: int, year: int, *, actor, decided_on: date) -> ShuDistribution:
    """Post the RAT's SHU allocation of ``year`` (closed first) and record every member's share.

    :raises NotFound: the year is not closed. :raises Conflict: already allocated, or no surplus.
    """
    # the ledger's head before the check: a second allocation submitted at the same moment waits here and
    # then finds this one (checked before it, both found none and the second hit the unique key: a 500)
    lock_head(cooperative_id)
    require_year_end(cooperative_id, year)
    if get_distribution(cooperative_id, year) is not None:
        raise Conflict(f"SHU tahun {year} sudah dibagi.", code="shu_allocated")
    datebounds.check_day(cooperative_id, decided_on, "decided_on")
    if decided_on <= date(year, 12, 31):
        raise ValidationError("Tanggal RAT harus setelah akhir tahun buku.", fields={"decided_on": ["setelah 31 Desember"]})
    plan = compute_plan(cooperative_id, year, decided_on)
    if plan.surplus == 0 and not plan.loss_from_surplus:
        raise Conflict(f"SHU tahun {year} nol: tidak ada yang dibagi.", code="no_surplus")
    parts, usaha_p, modal_p, kinds = percentages(cooperative_id, decided_on)
    belum = account_by_code(cooperative_id, chart.SHU_BELUM_DIBAGI).id
    coverage = entry = None
    if plan.loss_from_reserves:
        coverage = post_entry(cooperative_id, [Line.dr(account_by_code(cooperative_id, chart.CADANGAN).id,
                                                       plan.loss_from_reserves),
                                               Line.cr(belum, plan.loss_from_reserves)], actor=actor,
                              memo=f"Penutupan rugi tahun sebelumnya dari cadangan (RAT tahun buku {year})",
                              value_date=decided_on, source="shu.loss_coverage", source_ref=f"SHU-{year}",
                              audit_action="shu.loss_coverage")
    if plan.surplus:
        lines = [Line.dr(belum, plan.surplus)]
        for part in shu_rules.PARTS:
            if plan.parts[part]:
                lines.append(Line.cr(account_by_code(cooperative_id, PART_ACCOUNTS[part]).id, plan.parts[part],
                                     memo=shu_rules.PART_LABELS[part]))
        entry = post_entry(cooperative_id, lines, actor=actor, memo=f"Pembagian SHU tahun {year} (keputusan RAT)",
                           value_date=decided_on, source="shu.allocation", source_ref=f"SHU-{year}",
                           audit_action="shu.allocate")
    pct = ";".join([f"{p}={parts[p]}" for p in shu_rules.PARTS]
                   + [f"jasa_usaha={usaha_p}", f"jasa_modal={modal_p}", "modal_base=" + ",".join(kinds)])
    dist = ShuDistribution(cooperative_id=cooperative_id, year=year, decided_on=decided_on, surplus=plan.surplus,
                           residue=plan.residue, jasa_usaha=plan.jasa_usaha, jasa_modal=plan.jasa_modal,
                           undistributed=plan.undistributed, percentages=pct, notes="\n".join(plan.notes) or None,
                           loss_from_reserves=plan.loss_from_reserves, loss_from_surplus=plan.loss_from_surplus,
                           coverage_entry_id=coverage.id if coverage else None,
                           entry_id=entry.id if entry else None, created_by_id=getattr(actor, "id", None), created_at=utcnow(),
                           **plan.parts)
    db.session.add(dist)
    db.session.flush()
    if plan.members:  # an empty parameter list would insert one row of defaults
        db.session.execute(sa.insert(ShuMemberShare), [
            {"cooperative_id": cooperative_id, "distribution_id": dist.id, "member_id": mid,
             "base_usaha": s.base_usaha, "base_modal": s.base_modal, "jasa_usaha": s.jasa_usaha,
             "jasa_modal": s.jasa_modal, "total": s.total} for mid, s in sorted(plan.members.items())])
    audit.record(actor, "shu.allocate", "shu_distribution", dist.id,
                 {"year": year, "surplus": plan.surplus, "members": len(plan.members),
                  "loss_from_reserves": plan.loss_from_reserves, "loss_from_surplus": plan.loss_from_surplus},
                 cooperative_id=cooperative_id)
    return dist


def pay(cooperative_id: int, year: int, *, actor, value_date: date, via: str,
        member_ids: list[int] | None = None) -> int:
    """Pay the unpaid member shares of ``year`` in cash (one entry per member) or into their simpanan
    sukarela (one entry per batch). Returns the number of shares paid.

    :raises ValidationError: unknown ``via``, or (sukarela) members without a sukarela account.

    The ledger's head is locked before the unpaid shares are read: a second payout started meanwhile waits
    and finds them paid (read before the lock, both paid every share).
    """
    if via not in ("cash", "sukarela"):
        raise ValidationError("Cara bayar harus tunai atau sukarela.", fields={"via": ["cash atau sukarela"]})
    lock_head(cooperative_id)
    dist = get_distribution(cooperative_id, year)
    if dist is None:
        raise NotFound(f"SHU tahun {year} belum dibagi.")
    datebounds.check_day(cooperative_id, value_date, "value_date", earlier=[(dist.decided_on, "tanggal RAT")])
    q = sa.select(ShuMemberShare).where(ShuMemberShare.distribution_id == dist.id, ShuMemberShare.paid_on.is_(None),
                                        ShuMemberShare.total > 0)
    if member_ids is not None:
        q = q.where(ShuMemberShare.member_id.in_(member_ids))
    shares = list(db.session.scalars(q.order_by(ShuMemberShare.member_id)))
    if not shares:
        return 0

    numbers = dict(db.session.execute(sa.select(Member.id, Member.member_number).where(
        Member.id.in_([s.member_id for s in shares]))).all())
    payable = account_by_code(cooperative_id, chart.SHU_ANGGOTA).id
    if via == "cash":
        kas = account_by_code(cooperative_id, chart.KAS).id
        for s in shares:
            entry = post_entry(cooperative_id, [Line.dr(payable, s.total), Line.cr(kas, s.total)], actor=actor,
                               memo=f"Pembayaran SHU {year} tunai {numbers.get(s.member_id, '')}",
                               value_date=value_date, source="shu.payout", source_ref=f"SHU-{year}",
                               audit_action="shu.payout")
            s.paid_via, s.paid_on, s.paid_entry_id = "cash", value_date, entry.id
    else:

        targets, missing = {}, []
        for s in shares:
            try:
                targets[s.id] = account_for(cooperative_id, s.member_id, "sukarela").ledger_account_id
            except NotFound:
                missing.append(numbers.get(s.member_id, str(s.member_id)))
        if missing:
            raise ValidationError("Anggota tanpa rekening simpanan sukarela: " + ", ".join(missing[:20]),
                                  fields={"member_ids": missing})
        for i in range(0, len(shares), PAYOUT_BATCH):
            batch = shares[i:i + PAYOUT_BATCH]
            lines = [Line.dr(payable, sum(s.total for s in batch))]
            lines += [Line.cr(targets[s.id], s.total, memo=f"SHU {year}") for s in batch]
            entry = post_entry(cooperative_id, lines, actor=actor, memo=f"SHU {year} masuk simpanan sukarela",
                               value_date=value_date, source="shu.payout", source_ref=f"SHU-{year}",
                               audit_action="shu.payout")
            for s in batch:
                s.paid_via, s.paid_on, s.paid_entry_id = "sukarela", value_date, entry.id
    db.session.flush()
    audit.record(actor, "shu.pay", "shu_distribution", dist.id,
                 {"year": year, "via": via, "count": len(shares), "amount": sum(s.total for s in shares)},
                 cooperative_id=cooperative_id)
    return len(shares)


def member_rows(cooperative_id: int, year: int) -> list[dict]:
    """SHU per member of an allocated year, with member number and name (for the RAT pack)."""
    dist = get_distribution(cooperative_id, year)
    if dist is None:
        return []
    rows = []
    q = (sa.select(ShuMemberShare, Member).join(Member, Member.id == ShuMemberShare.member_id)
         .where(ShuMemberShare.distribution_id == dist.id).order_by(Member.member_number))
    for share, member in db.session.execute(q):
        rows.append({"member_number": member.member_number, "name": member_name(member),
                     "base_usaha": share.base_usaha, "base_modal": share.base_modal,
                     "jasa_usaha": share.jasa_usaha, "jasa_modal": share.jasa_modal, "total": share.total,
                     "paid_via": share.paid_via, "paid_on": share.paid_on})
    return rows


def _share_row(share: ShuMemberShare, member: Member) -> dict:
    return {"member_number": member.member_number, "name": member_name(member), "base_usaha": share.base_usaha,
            "base_modal": share.base_modal, "jasa_usaha": share.jasa_usaha, "jasa_modal": share.jasa_modal,
            "total": share.total, "paid_via": share.paid_via, "paid_on": share.paid_on}


def member_rows_page(cooperative_id: int, year: int, page: int = 1, per_page: int = 50) -> tuple[Page, int, int]:
    """One page of :func:`member_rows` (by member number, paged in SQL), with the whole year's SHU total
    and the number of members with SHU still unpaid. An unallocated year: an empty page, 0, 0."""
    dist = get_distribution(cooperative_id, year)
    if dist is None:
        return Page([], 1, per_page, 0), 0, 0
    shares = fetch_page(sa.select(ShuMemberShare).join(Member, Member.id == ShuMemberShare.member_id)
                        .where(ShuMemberShare.distribution_id == dist.id)
                        .order_by(Member.member_number, ShuMemberShare.id), page, per_page)
    members = {m.id: m for m in db.session.scalars(
        sa.select(Member).where(Member.id.in_([s.member_id for s in shares.items] or [0])))}
    total, unpaid = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ShuMemberShare.total), 0),
                  sa.func.count().filter(ShuMemberShare.paid_on.is_(None), ShuMemberShare.total > 0))
        .where(ShuMemberShare.distribution_id == dist.id)).one()
    rows = [_share_row(s, members[s.member_id]) for s in shares.items]
    return Page(rows, shares.page, shares.per_page, shares.total), int(total), int(unpaid)


def member_name(member) -> str:
    for attr in ("full_name", "name"):
        if getattr(member, attr, None):
            return getattr(member, attr)
    resident = getattr(member, "resident", None)
    return getattr(resident, "full_name", "") if resident is not None else ""
