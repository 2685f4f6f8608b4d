"""The demo step closes last year, allocates and pays its SHU, and the RAT pack renders afterwards."""
from __future__ import annotations

import random
from datetime import date

from coop.db import atomic
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, post_entry


def test_demo_step_closes_allocates_pays_and_rat_renders(app, coop, users, make_member, fund):
    """Does the reports demo step close 2025 with surplus 390.000 (500.000 less 22 % PPh badan), allocate jasa
    anggota 156.000 (40 %) all as jasa modal (no loans), pay the member's 156.000 into sukarela, and render a
    RAT PDF?"""
    from coop.demo import DemoContext
    from coop.reports import demo
    from coop.yearend import closing as yearend
    from coop.yearend import rat, shu

    m = make_member(coop)
    fund(m, "wajib", 240_000, date(2025, 6, 1))
    kas = account_by_code(coop.id, chart.KAS).id
    atomic(post_entry, coop.id, [Line.dr(kas, 500_000), Line.cr(account_by_code(coop.id, chart.PENDAPATAN_LAIN).id,
                                                              500_000)],
           actor=users["treasurer"], memo="Sewa tenda", value_date=date(2025, 8, 1))
    ctx = DemoContext(cooperative=coop, users={"admin": users["admin"], "manajer": users["manager"],
                                              "bendahara": users["treasurer"]},
                      rng=random.Random(1), today=date(2026, 11, 27), echo=lambda *_: None)
    demo.load(ctx)
    # 500.000 less PPh badan 22 % (110.000) = 390.000; members 40 % = 156.000, all jasa modal (no loans)
    assert yearend.get_year_end(coop.id, 2025).surplus == 390_000
    dist = shu.get_distribution(coop.id, 2025)
    assert dist.jasa_anggota == 156_000 and dist.jasa_modal == 156_000  # no loans: all by savings
    rows = shu.member_rows(coop.id, 2025)
    assert [r["total"] for r in rows] == [156_000] and rows[0]["paid_via"] == "sukarela"
    pdf = rat.rat_pdf(rat.rat_data(coop.id, 2025))
    assert pdf.startswith(b"%PDF")
