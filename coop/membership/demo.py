"""Demo step: about 150 members of the demo village with savings history since January of last year (so last
year is a full book year for the RAT), posted through the
ledger (batched per month: one unit of work and a constant number of statements per batch).

History: simpanan pokok on joining, monthly wajib (some members skip months, some catch up two at
once), sukarela deposits and withdrawals, monthly jasa simpanan with PPh, a few berjangka deposits,
one resignation. The login ``anggota`` is linked to Sri Wahyuni's member record.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from coop.auth import services as auth_services
from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.imports import EntrySpec, post_entries
from coop.ledger.services import Line, account_by_code
from coop.membership import services
from coop.membership.models import Member
from coop.registry.models import Resident
from coop.savings import interest, rules
from coop.savings import services as savings

N_MEMBERS = 150


def _eligible_residents(ctx) -> list[int]:

    coop = ctx.cooperative
    # old enough (17, the membership rule) on the earliest joining day: January 1 of last year
    adult_before = date(ctx.today.year - 1 - 17, 1, 1)
    ids = list(db.session.scalars(sa.select(Resident.id).where(
        Resident.cooperative_id == coop.id, Resident.village_code == coop.village_code,
        Resident.status == "hidup", Resident.birth_date <= adult_before).order_by(Resident.id)))
    sri = ctx.data.get("sri_wahyuni_id")
    picked = ctx.rng.sample(ids, min(N_MEMBERS, len(ids)))
    if sri and sri in ids and sri not in picked:
        picked[-1] = sri
    if sri in picked:  # Sri joins first (oldest history)
        picked.remove(sri)
        picked.insert(0, sri)
    return picked


def load(ctx) -> None:  # noqa: C901, PLR0915 -- a linear demo script

    coop_id = ctx.cooperative.id
    rng = ctx.rng
    atomic(savings.seed_defaults, coop_id)
    residents = _eligible_residents(ctx)
    if not residents:
        ctx.echo("    membership: no residents in the registry, skipped")
        return
    # History starts on January 1 of last year: last year is a full book year closed at this year's RAT.
    start = date(ctx.today.year - 1, 1, 1)
    ctx.data["history_start"] = start
    treasurer = ctx.users.get("bendahara")
    span = (ctx.today.year - start.year) * 12 + ctx.today.month - start.month  # whole months since start

    # Joining dates: a founding meeting in early January of last year for half, the rest spread since.
    joins = []
    for i, rid in enumerate(residents):
        if i < len(residents) // 2:
            joined = start + timedelta(days=4)
        else:
            joined = rules.add_months(start, rng.randint(1, max(1, span - 2))) + timedelta(days=rng.randint(0, 20))
        joins.append((joined, rid))
    joins.sort()

    def _register():
        out = []
        for joined, rid in joins:
            m = services.register_member(coop_id, rid, joined, actor=treasurer)
            out.append(m)
        return [(m.id, m.joined_on, m.member_number, m.full_name) for m in out]
    members = atomic(_register)
    ctx.data["member_ids"] = [mid for mid, *_ in members]

    accs: dict[tuple[int, str], object] = {}
    for a in db.session.scalars(sa.select(savings.SavingsAccount).where(
            savings.SavingsAccount.cooperative_id == coop_id)):
        accs[(a.member_id, a.kind)] = a
    ledger_of = {k: a.ledger_account_id for k, a in accs.items()}
    kas = account_by_code(coop_id, chart.KAS).id
    pokok_amt = savings.default_product(coop_id, "pokok").amount
    wajib_amt = savings.default_product(coop_id, "wajib").amount

    # Member habits (deterministic): savers, irregular wajib payers, a few who fell behind.
    habit = {}
    for mid, *_ in members:
        r = rng.random()
        habit[mid] = {"wajib": "late" if r < 0.12 else ("lumpy" if r < 0.3 else "regular"),
                      "saver": rng.random() < 0.6, "big": rng.random() < 0.05}
    sukarela_bal: dict[int, int] = defaultdict(int)
    wajib_paid: dict[int, int] = defaultdict(int)
    last_activity: dict[int, date] = {}
    names = {mid: (num, name) for mid, _, num, name in members}

    numbers = {k: a.account_number for k, a in accs.items()}
    acc_ids = {k: a.id for k, a in accs.items()}

    def memo(label, mid, kind):
        num, name = names[mid]
        return f"{label} {numbers[(mid, kind)]} {num} {name}"

    month = start
    months = []
    while month <= ctx.today.replace(day=1):
        months.append(month)
        month = rules.add_months(month, 1)

    for month in months:
        _, month_end = rules.month_bounds(month)
        last_day = min(month_end, ctx.today)
        batches: dict[str, list] = defaultdict(list)
        for mid, joined, *_ in members:
            if joined > last_day:
                continue
            if joined.year == month.year and joined.month == month.month:
                batches["savings.pokok"].append(EntrySpec(
                    [Line.dr(kas, pokok_amt), Line.cr(ledger_of[(mid, "pokok")], pokok_amt)], joined,
                    memo("Setoran simpanan pokok", mid, "pokok"), source_ref=f"savings_account:{acc_ids[(mid, 'pokok')]}"))
            # wajib: months due so far vs paid
            due_months = (month.year - joined.year) * 12 + month.month - joined.month + 1
            owed = due_months * wajib_amt - wajib_paid[mid]
            h = habit[mid]
            pay = 0
            if h["wajib"] == "regular":
                pay = owed
            elif h["wajib"] == "lumpy":
                pay = owed if rng.random() < 0.5 else 0
            elif rng.random() < 0.25:
                pay = wajib_amt
            # in the current month only about half have paid so far
            if pay > 0 and (month != ctx.today.replace(day=1) or rng.random() < 0.5):
                day = max(joined, min(last_day, month.replace(day=rng.randint(1, 25))))
                batches["savings.wajib"].append(EntrySpec(
                    [Line.dr(kas, pay), Line.cr(ledger_of[(mid, "wajib")], pay)], day,
                    memo("Setoran simpanan wajib", mid, "wajib"), source_ref=f"savings_account:{acc_ids[(mid, 'wajib')]}"))
                wajib_paid[mid] += pay
            if h["saver"] and rng.random() < 0.55:
                amt = rng.choice([50_000, 100_000, 150_000, 200_000, 250_000, 500_000, 1_000_000])
                if h["big"]:
                    amt *= rng.choice([5, 10])
                day = max(joined, min(last_day, month.replace(day=rng.randint(1, 28))))
                batches["savings.deposit"].append(EntrySpec(
                    [Line.dr(kas, amt), Line.cr(ledger_of[(mid, "sukarela")], amt)], day,
                    memo("Setoran", mid, "sukarela"), source_ref=f"savings_account:{acc_ids[(mid, 'sukarela')]}"))
                sukarela_bal[mid] += amt
                last_activity[mid] = max(last_activity.get(mid, day), day)
            elif sukarela_bal[mid] > 100_000 and rng.random() < 0.25:
                amt = min(sukarela_bal[mid], rng.choice([50_000, 100_000, 200_000, 300_000])) // 1000 * 1000
                day = max(joined, min(last_day, month.replace(day=28)))
                batches["savings.withdrawal"].append(EntrySpec(
                    [Line.dr(ledger_of[(mid, "sukarela")], amt), Line.cr(kas, amt)], day,
                    memo("Penarikan", mid, "sukarela"), source_ref=f"savings_account:{acc_ids[(mid, 'sukarela')]}"))
                sukarela_bal[mid] -= amt
                last_activity[mid] = max(last_activity.get(mid, day), day)

        def _post_month(batches=batches, month_end=month_end):
            for source in ("savings.pokok", "savings.wajib", "savings.deposit", "savings.withdrawal"):
                specs = sorted(batches.get(source, []), key=lambda s: s.value_date)
                if specs:
                    post_entries(coop_id, specs, actor=treasurer, source=source)
            if month_end < ctx.today:
                interest.post_monthly_interest(coop_id, month_end)
        atomic(_post_month)

    def _finish():

        for m in db.session.scalars(sa.select(Member).where(Member.cooperative_id == coop_id,
                                                            Member.status == "applied")):
            m.status = "active"  # every demo member paid the pokok on joining
        for mid, day in last_activity.items():
            accs[(mid, "sukarela")].last_activity_on = day
        db.session.flush()
        # A few berjangka deposits from the biggest savers (moved out of sukarela).
        product = savings.default_product(coop_id, "berjangka")
        savers = sorted(sukarela_bal.items(), key=lambda kv: -kv[1])[:5]
        for mid, bal in savers:
            amt = bal // 2 // 100_000 * 100_000
            if amt >= 1_000_000:
                interest.open_berjangka(coop_id, mid, product.id, amt, actor=treasurer,
                                        opened_on=rules.add_months(ctx.today, -rng.randint(2, 8)),
                                        from_sukarela=True)
        # One resignation (a member who joined early, moved away), settled in cash.
        leaver = members[len(members) // 3][0]
        services.resign(coop_id, leaver, ctx.today - timedelta(days=12), actor=treasurer)
        # The member login of Sri Wahyuni.
        sri = ctx.data.get("sri_wahyuni_id")
        target = next((mid for mid, *_ in members if sri and _resident_of(mid) == sri), members[0][0])
        user = auth_services.create_user(cooperative_id=coop_id, username="anggota",
                                         full_name="Sri Wahyuni (Anggota, PMI purna)", role="member",
                                         password=current_app.config["DEMO_PASSWORD"])
        services.link_user(coop_id, target, user, actor=None)
        ctx.data["member_user_id"] = user.id
        ctx.data["sri_member_id"] = target
    atomic(_finish)
    ctx.echo(f"    membership: {len(members)} anggota, {len(months)} bulan riwayat simpanan")


def _resident_of(member_id: int) -> int:

    return db.session.get(Member, member_id).resident_id
