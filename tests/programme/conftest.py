"""Three cooperatives in two regencies with numbers small enough to check by hand (see ``programme_data``).

- A, Pakel 3504042001 (Tulungagung 3504, Jawa Timur 35): PMI aktif HK (F) and TW (M, not procedural),
  calon HK (F), purna HK (F) with one family member; members: two (pokok Rp 100.000 each) plus
  sukarela Rp 150.000 = savings Rp 350.000; a loan of Rp 1.200.000 disbursed 200 days ago, never repaid
  (non-performing); a training enrolment (the purna's daughter) and a business started today.
- B, Pucung Lor 3504042002 (same district 350404): PMI aktif MY (F); one member (pokok Rp 100.000); a loan
  of Rp 600.000 disbursed 10 days ago (performing); a desk case at consultation.
- C, Haurkolot 3212012007 (Indramayu 3212, Jawa Barat 32): PMI purna SA (M); one member (pokok Rp
  100.000); one parenting session today.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

A_VILLAGE, B_VILLAGE, C_VILLAGE = "3504042001", "3504042002", "3212012007"


@pytest.fixture
def programme_data(app, today, make_coop, make_pmi, make_member, fund, make_loan, make_cohort, make_business,
                   make_case):
    from coop.db import atomic
    from coop.parenting.services import create_session
    from coop.training.services import enrol

    a = make_coop("Koperasi Pakel", village_code=A_VILLAGE)
    b = make_coop("Koperasi Pucung Lor", village_code=B_VILLAGE)
    c = make_coop("Koperasi Haurkolot", village_code=C_VILLAGE)
    people = []
    people.append(make_pmi(a, "aktif", "HK", sex="F"))
    people.append(make_pmi(a, "aktif", "TW", sex="M", record={"procedural": False}))
    calon = make_pmi(a, "calon", "HK", sex="F")
    people.append(calon)
    family = make_pmi(a, "keluarga", "HK", sex="F")  # a purna (F, HK) and a child of hers
    people.append(family)
    people.append(make_pmi(b, "aktif", "MY", sex="F"))
    people.append(make_pmi(c, "purna", "SA", sex="M"))

    a1, a2 = make_member(a), make_member(a)
    fund(a1, "sukarela", 150_000)
    b1 = make_member(b)
    c1 = make_member(c)
    people += [a1, a2, b1, c1]
    make_loan(a, a1, principal=1_200_000, term_months=12, applied_on=today - timedelta(days=200))
    make_loan(b, b1, principal=600_000, term_months=6, applied_on=today - timedelta(days=10))

    cohort = make_cohort(a, starts_on=today + timedelta(days=10))
    atomic(enrol, a.id, cohort.id, family.id, applied_on=today)
    make_business(a, family, started_on=today)
    people.append(make_case(b).resident)
    atomic(create_session, c.id, kind="literacy", held_on=today, topic="Membaca bersama", facilitator="Bu Rina")
    return {"a": a, "b": b, "c": c, "people": people}
