"""Demo data of the training area: three programmes with past cohorts (attendance, completions,
certificates, allowance receipts, follow-up outcomes, businesses, some loans to them) and open cohorts
with places left (a one-day class today and a cohort next week; the demo member 'anggota', Sri
Wahyuni, has joined neither).

Everything goes through the services, dated relative to ``ctx.today``, one commit per cohort.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop import settings
from coop.db import atomic, attempt, db
from coop.loans import services as loans
from coop.loans.models import LoanProduct
from coop.membership.models import Member
from coop.registry.models import Resident
from coop.training import followup as fu
from coop.training import rules, services
from coop.training.models import Business, Enrolment, FollowUp

PROGRAMS = [
    {"name": "Pengolahan Pangan: Keripik dan Sambal", "topic": "Pengolahan pangan",
     "organiser": "Disnaker Kabupaten Tulungagung", "funder": "Kemnaker (Desmigratif)",
     "description": "Produksi keripik pisang, mocaf dan sambal kemasan; HPP, PIRT dan halal."},
    {"name": "Batik Tulis dan Kerajinan", "topic": "Kerajinan",
     "organiser": "Disperindag Provinsi Jawa Timur", "funder": "APBD Provinsi",
     "description": "Batik tulis motif lokal, pewarnaan alami, pemasaran."},
    {"name": "Literasi Keuangan dan Pemasaran Online", "topic": "Keuangan dan pemasaran",
     "organiser": "OJK dan BP3MI Jawa Timur", "funder": "OJK",
     "description": "Mengelola remitansi, pembukuan usaha sederhana, jualan lewat lokapasar."},
]

#: (programme index, months before today it started, sessions, capacity, allowance, participants)
PAST_COHORTS = [
    (0, 10, 4, 20, 100_000, 14),
    (1, 8, 3, 15, 75_000, 12),
    (2, 5, 2, 25, 0, 16),
    (0, 3, 4, 20, 100_000, 12),
]

BUSINESSES = {
    0: [("Keripik Pisang", "keripik pisang", "pangan"), ("Sambal Bawang", "sambal kemasan", "pangan"),
        ("Tepung Mocaf", "tepung mocaf", "pangan")],
    1: [("Batik Tulis", "batik tulis", "kerajinan"), ("Tas Anyaman", "anyaman pandan", "kerajinan")],
    2: [("Toko Online", "reseller sembako online", "perdagangan"), ("Ternak Bebek", "ternak bebek petelur", "peternakan")],
}


#: Selection weights (DOMAIN.md: participants are mostly PMI purna, mostly women; families too).
WEIGHTS = {("purna", "F"): 6, ("purna", "M"): 3, ("keluarga", "F"): 2, ("keluarga", "M"): 1}


def _resident_pool(ctx) -> tuple[list[tuple[int, int]], int | None]:
    """Living PMI purna and keluarga PMI residents with their selection weight."""

    coop_id = ctx.cooperative.id
    given = set(ctx.data.get("purna_ids") or []) | set(ctx.data.get("keluarga_ids") or [])
    rows = db.session.execute(sa.select(Resident.id, Resident.pmi_status, Resident.sex).where(
        Resident.cooperative_id == coop_id, Resident.status == "hidup",
        Resident.pmi_status.in_(("purna", "keluarga"))).order_by(Resident.id))
    pool = [(rid, WEIGHTS.get((pmi, sex), 1)) for rid, pmi, sex in rows if not given or rid in given]
    return pool, ctx.data.get("sri_wahyuni_id")


def _pick(rng, pool: list[tuple[int, int]], n: int, exclude=()) -> list[int]:
    """``n`` distinct residents, drawn with integer weights (a weighted bag, shuffled, first seen)."""
    bag = [rid for rid, w in pool if rid not in exclude for _ in range(w)]
    rng.shuffle(bag)
    out: list[int] = []
    for rid in bag:
        if rid not in out:
            out.append(rid)
            if len(out) == n:
                break
    return out


def load(ctx) -> None:
    coop_id = ctx.cooperative.id
    officer = ctx.users.get("petugas")
    cashier = ctx.users.get("bendahara")
    rng = ctx.rng
    pool, sri = _resident_pool(ctx)
    if not pool:
        ctx.echo("    training: no PMI residents in the registry, skipped")
        return

    program_ids = atomic(lambda: [services.create_program(coop_id, actor=officer, **p).id for p in PROGRAMS])
    completed_by_program: dict[int, list[int]] = {}
    used_sri = False
    for p_idx, months_ago, n_sessions, capacity, allowance, n_part in PAST_COHORTS:
        start = rules.add_months(ctx.today, -months_ago)
        while start.weekday() >= 5:  # trainings run on weekdays
            start += timedelta(days=1)
        days = [start + timedelta(days=i) for i in range(n_sessions)]
        if sri and not used_sri and p_idx == 0:
            people = [sri] + _pick(rng, pool, n_part - 1, exclude={sri})
            used_sri = True
        else:
            people = _pick(rng, pool, n_part, exclude={sri})

        def _cohort(p_idx=p_idx, days=days, capacity=capacity, allowance=allowance, people=people):
            c = services.create_cohort(coop_id, program_id=program_ids[p_idx], starts_on=days[0], ends_on=days[-1],
                                       capacity=capacity, venue=rng.choice(["Balai Desa Pakel", "Gedung BLK Tulungagung",
                                                                            "Pendopo Kecamatan"]),
                                       sessions=days, allowance_amount=allowance, actor=officer,
                                       trainers="Narasumber " + PROGRAMS[p_idx]["organiser"] + "\nPendamping desa")
            enrolments = []
            for rid in people:
                enrolments.append(services.enrol(coop_id, c.id, rid, applied_on=days[0] - timedelta(days=14),
                                                 actor=officer, channel=rng.choice(["self", "officer"])))
            for d in days:
                present = [e.id for e in enrolments if e.resident_id == sri or rng.random() < 0.93]
                services.mark_attendance(coop_id, c.id, d, present, actor=officer)
            done = []
            for e in enrolments:
                attended, total = services.attendance_of(e)
                if allowance:
                    services.pay_allowance(coop_id, e.id, paid_on=days[-1], actor=cashier)
                if rules.meets_completion(attended, total, rules_percent(coop_id, days[-1])):
                    services.complete_enrolment(coop_id, e.id, completed_on=days[-1], actor=officer)
                    done.append(e.id)
            services.close_cohort(coop_id, c.id, actor=officer)
            return done
        completed_by_program.setdefault(p_idx, []).extend(atomic(_cohort))

    atomic(fu.create_due_followups, coop_id, ctx.today)
    business_ids = atomic(_record_followups, ctx, completed_by_program, officer)
    _open_cohort(ctx, program_ids, pool, sri, officer)
    _loans_to_businesses(ctx, business_ids)


def rules_percent(coop_id: int, on: date):

    return settings.get_decimal(coop_id, "training_completion_percent", as_of=on)


def _record_followups(ctx, completed_by_program, officer) -> list[int]:
    """Officers visited most due follow-ups; about half the trainees started a business."""

    coop_id = ctx.cooperative.id
    rng = ctx.rng
    program_of = {eid: p for p, eids in completed_by_program.items() for eid in eids}
    sri = ctx.data.get("sri_wahyuni_id")
    business_ids = []
    open_tasks = list(db.session.scalars(sa.select(FollowUp).where(
        FollowUp.cooperative_id == coop_id, FollowUp.status == "open").order_by(FollowUp.due_on, FollowUp.id)))
    started: dict[int, dict] = {}
    for f in open_tasks:
        e = db.session.get(Enrolment, f.enrolment_id)
        is_sri = e.resident_id == sri
        if not is_sri and rng.random() < 0.15:
            continue  # not visited yet: stays on the officer's list
        begun = started.get(e.id)
        if begun is None and (is_sri or rng.random() < 0.55):
            name, kind, sector = rng.choice(BUSINESSES[program_of.get(e.id, 0) % 3])
            begun = {"name": f"{name} {'Sri' if is_sri else rng.choice(['Mawar', 'Melati', 'Berkah', 'Lestari', 'Makmur'])}",
                     "kind": kind, "sector": sector, "started_on": e.completed_on + timedelta(days=rng.randint(20, 60)),
                     "business_group": rng.choice(["KUBE Mawar", "KUBE Sejahtera", None]),
                     "monthly_revenue": rng.randrange(1_000_000, 6_000_000, 250_000), "workers": rng.randint(1, 3)}
            started[e.id] = begun
        if begun is not None and f.months == 6:
            begun = dict(begun, nib=f"91200{rng.randint(10**7, 10**8 - 1)}",
                         monthly_revenue=begun["monthly_revenue"] + 500_000)
            if begun["sector"] == "pangan":
                begun["pirt"] = f"P-IRT 2{rng.randint(10**12, 10**13 - 1)}-{(ctx.today.year + 5) % 100:02d}"
        f_done = fu.record_outcome(coop_id, f.id, done_on=min(ctx.today, f.due_on + timedelta(days=rng.randint(0, 10))),
                                   is_business_started=begun is not None, business=begun,
                                   notes="Kunjungan rumah oleh pendamping desa.", actor=officer)
        if f_done.business_id and f_done.business_id not in business_ids:
            business_ids.append(f_done.business_id)
    return business_ids


def _open_cohort(ctx, program_ids, pool, sri, officer) -> None:
    """Two open cohorts the demo member can apply to (neither has her yet): a one-day financial-literacy
    class running today (walk-in registration still open) and a food-processing cohort next week."""
    coop_id = ctx.cooperative.id
    nxt = ctx.today + timedelta(days=7)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    plans = [(2, "Angkatan 2 (kelas satu hari)", [ctx.today], 50_000, 6, "Balai Desa Pakel",
              "Fasilitator OJK Kediri\nPetugas BP3MI Jawa Timur"),
             (0, "Angkatan 3", [nxt + timedelta(days=i) for i in range(3)], 100_000, 4, "Gedung BLK Tulungagung",
              "Instruktur BLK Tulungagung\nPendamping PIRT Dinkes")]
    ids = []
    for p_idx, name, days, allowance, n_first, venue, trainers in plans:
        first = _pick(ctx.rng, pool, n_first, exclude={sri})

        def _do(p_idx=p_idx, name=name, days=days, allowance=allowance, first=first, venue=venue, trainers=trainers):
            c = services.create_cohort(coop_id, program_id=program_ids[p_idx], starts_on=days[0], ends_on=days[-1],
                                       capacity=20, venue=venue, sessions=days, allowance_amount=allowance,
                                       actor=officer, name=name, trainers=trainers)
            for rid in first:
                services.enrol(coop_id, c.id, rid, applied_on=ctx.today - timedelta(days=ctx.rng.randint(0, 5)),
                               actor=officer, channel="officer")
            return c.id
        ids.append(atomic(_do))
    ctx.data["training_open_cohort_ids"] = ids


def _loans_to_businesses(ctx, business_ids: list[int]) -> None:
    """A few businesses borrowed from the cooperative (only owners who are active members)."""

    coop_id = ctx.cooperative.id
    product = db.session.scalar(sa.select(LoanProduct).where(LoanProduct.cooperative_id == coop_id)
                                .order_by(LoanProduct.id).limit(1))
    if product is None or not business_ids:
        return
    maker, checker = ctx.users.get("bendahara"), ctx.users.get("manajer")
    made = 0
    for bid in business_ids:
        if made >= 4:
            break
        b = db.session.get(Business, bid)
        member = db.session.scalar(sa.select(Member).where(Member.cooperative_id == coop_id,
                                                           Member.resident_id == b.resident_id,
                                                           Member.status == "active"))
        if member is None or b.started_on is None:
            continue
        # the owner applies a week after starting the business, but not before joining the cooperative
        applied = max(b.started_on, member.joined_on) + timedelta(days=7)
        if applied > ctx.today - timedelta(days=33):
            continue

        def _loan(b=b, member=member, applied=applied):
            term = max(product.min_term_months, min(10, product.max_term_months))
            loan = loans.apply(coop_id, actor=maker, member_id=member.id, product_id=product.id, principal=3_000_000,
                               term_months=term, purpose=f"Modal usaha {b.name}", applied_on=applied,
                               business_id=b.id)
            loans.decide(coop_id, loan.id, actor=checker, decision="approve", note="Usaha binaan pelatihan",
                         on=applied + timedelta(days=2))
            first_due = rules.add_months(applied + timedelta(days=3), 1)
            loans.disburse(coop_id, loan.id, actor=maker, disbursed_on=applied + timedelta(days=3),
                           first_due_date=first_due)
            for inst in loans.instalments(loan):
                if inst.due_on > ctx.today:
                    break
                loans.repay(coop_id, loan.id, inst.principal_due + inst.interest_due + inst.fee_due, actor=maker,
                            paid_on=inst.due_on)
            return loan.id
        try:
            attempt(_loan)
            made += 1
        except Exception as exc:  # the loans area may refuse (e.g. product limits): the demo goes on
            ctx.echo(f"    training: loan for business {b.id} skipped: {exc}")
