"""Demo data of community parenting: a facilitator login, 2 groups, up to 30 children of PMI (aktif/purna)
households of the demo village (with consent), 12 sessions over the last ~100 days with attendance, one
caregiver workshop with pre/post scores, and parent contacts. Deterministic: its own seeded generator
(independent of the other steps' draws), dated relative to ``ctx.today``."""
from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from coop.auth import services as auth_services
from coop.auth.roles import FACILITATOR
from coop.db import atomic, db
from coop.parenting import rules, services
from coop.registry import rules as registry_rules
from coop.registry.models import Resident

CHILDREN = 30
FACILITATOR_LOGIN = ("pendamping", "Rina Marlina (Pendamping parenting)")
#: (days ago, kind, topic, group index)
SESSIONS = [
    (98, "literacy", "Membaca bersama di rumah belajar", 0), (84, "arts", "Menggambar keluarga", 1),
    (70, "counselling", "Rindu ayah dan ibu: bercerita", 0), (63, "sport", "Senam dan permainan tradisional", 1),
    (56, "caregiver_workshop", "Pengasuhan positif untuk kakek-nenek", 0),
    (49, "money_management", "Menabung uang saku", 1), (42, "internet", "Video call yang aman", 0),
    (35, "religion", "Mengaji bersama", 1), (28, "literacy", "Menulis surat untuk orang tua", 0),
    (21, "arts", "Tari daerah", 1), (14, "counselling", "Mengatasi ejekan teman", 0),
    (7, "sport", "Sepak bola anak", 1),
]


def _candidates(cooperative_id: int, today) -> list[tuple[Resident, Resident, Resident]]:
    """(child, caregiver, consent giver) for children under 15 whose parent on the KK is PMI aktif/purna."""
    people = list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cooperative_id, Resident.status == "hidup").order_by(Resident.id)))
    by_household: dict[int, list[Resident]] = {}
    for p in people:
        by_household.setdefault(p.household_id, []).append(p)
    out = []
    for members in by_household.values():
        parents = [p for p in members if p.relationship in rules.PARENT_RELATIONSHIPS]
        migrants = [p for p in parents if p.pmi_status in rules.MIGRANT_STATUSES]
        if not migrants:
            continue
        carers = [p for p in members if p not in migrants and p.relationship not in rules.CHILD_RELATIONSHIPS
                  and registry_rules.age_on(p.birth_date, today) >= 18]
        if not carers:
            continue
        carer = next((p for p in carers if p.relationship == "orang_tua"), carers[0])
        for p in members:
            if p.relationship in rules.CHILD_RELATIONSHIPS and registry_rules.age_on(p.birth_date, today) < 15:
                out.append((p, carer, carer))
    return out


def load(ctx) -> None:
    coop_id, today = ctx.cooperative.id, ctx.today
    rng = random.Random(20261203)
    username, full_name = FACILITATOR_LOGIN
    user = atomic(auth_services.create_user, cooperative_id=coop_id, username=username, full_name=full_name,
                  role=FACILITATOR, password=ctx.password)
    picked = _candidates(coop_id, today)[:CHILDREN]

    def _build():
        groups = [services.create_group(coop_id, name="Rumah Belajar Mawar", facilitator=full_name, actor=user),
                  services.create_group(coop_id, name="Rumah Belajar Melati", facilitator=full_name, actor=user)]
        children = []
        for i, (child, carer, giver) in enumerate(picked):
            x = rng.random()
            status = "dropped_out" if x < 0.07 else "not_enrolled" if x < 0.12 else "enrolled"
            c = services.create_child(
                coop_id, resident_id=child.id, caregiver_resident_id=carer.id, group_id=groups[i % 2].id,
                consent={"given_by_resident_id": giver.id, "given_on": today - timedelta(days=120 - i),
                         "method": rng.choice(rules.CONSENT_METHODS)},
                school_status=status, school_name="SDN 1 Pakel" if status == "enrolled" else None,
                as_of=today, actor=user)
            children.append((c, carer))
        for days_ago, kind, topic, g in SESSIONS:
            s = services.create_session(coop_id, kind=kind, held_on=today - timedelta(days=days_ago), topic=topic,
                                        facilitator=full_name, group_id=groups[g].id, actor=user)
            members = [(c, carer) for c, carer in children if c.group_id == groups[g].id]
            # most children come most of the time; a few rarely (they show as low_attendance)
            kids = [c.id for n, (c, _carer) in enumerate(members) if rng.random() < (0.25 if n % 7 == 3 else 0.8)]
            carers = sorted({carer.id for _c, carer in members}) if kind == "caregiver_workshop" else []
            scores = {}
            for rid in carers:
                pre = rng.randint(35, 60)
                scores[str(rid)] = {"pre": pre, "post": min(100, pre + rng.randint(15, 40))}
            services.record_attendance(coop_id, s.id, children=kids, caregivers=carers, scores=scores, actor=user)
        for n, (c, _carer) in enumerate(children):
            if n % 5 == 4:  # no contact logged in 90 days: no_parent_contact
                continue
            for _ in range(rng.randint(1, 3)):
                services.add_contact(coop_id, c.id, contacted_on=today - timedelta(days=rng.randint(1, 80)),
                                     method=rng.choice(rules.CONTACT_METHODS), as_of=today, actor=user)
        return len(children)

    n = atomic(_build)
    ctx.data["parenting_children"] = n
