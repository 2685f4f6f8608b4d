"""Demo step of the ledger: the cooperative's own (non-member) bookkeeping, through the services.

Start-up capital in the bank on the first day of the history (January 1 of last year), monthly board
honoraria, electricity and stationery paid from the cash box, monthly bank interest, and one stationery
entry posted twice by mistake and corrected by a reversal that the manager approved (maker-checker). Dated relative to ``ctx.today``; deterministic; one commit per chunk.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from coop.db import atomic
from coop.ledger import chart, periods
from coop.ledger.models import JournalEntry
from coop.ledger.rules import Line
from coop.ledger.services import account_by_code, post_entry

#: Beban Gaji dan Honor (no constant in coop.ledger.chart yet).
BEBAN_HONOR = "5203"


def _month_start(d: date, back: int) -> date:
    y, m = d.year, d.month - back
    while m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def load(ctx: Any) -> None:
    cid = ctx.cooperative.id
    treasurer = ctx.users.get("bendahara")
    manager = ctx.users.get("manajer")
    rng = ctx.rng

    def _books() -> JournalEntry:
        acc = {code: account_by_code(cid, code).id for code in
               (chart.KAS, chart.BANK, chart.SALDO_AWAL, chart.BEBAN_OPERASIONAL, chart.PENDAPATAN_LAIN, BEBAN_HONOR)}
        start = ctx.data.get("history_start") or date(ctx.today.year - 1, 1, 1)
        months = (ctx.today.year - start.year) * 12 + ctx.today.month - start.month
        post_entry(cid, [Line.dr(acc[chart.BANK], 25_000_000), Line.cr(acc[chart.SALDO_AWAL], 25_000_000)],
                   actor=treasurer, memo="Modal awal koperasi (hibah desa) di rekening bank", value_date=start,
                   source="manual")
        entries = []
        for back in range(months, 0, -1):
            m = _month_start(ctx.today, back)
            honor = 400_000 if m.year < ctx.today.year else 500_000
            post_entry(cid, [Line.dr(acc[BEBAN_HONOR], honor), Line.cr(acc[chart.KAS], honor)],
                       actor=treasurer, memo=f"Honor pengurus dan pengawas {m:%m/%Y}",
                       value_date=m + timedelta(days=24), source="manual")
            listrik = 120_000 + rng.randrange(0, 60) * 1_000
            entries.append(post_entry(cid, [Line.dr(acc[chart.BEBAN_OPERASIONAL], listrik),
                                            Line.cr(acc[chart.KAS], listrik)], actor=treasurer,
                                      memo=f"Bayar listrik sekretariat {m:%m/%Y}", value_date=m + timedelta(days=4),
                                      source="manual"))
            atk = 35_000 + rng.randrange(0, 40) * 1_000
            entries.append(post_entry(cid, [Line.dr(acc[chart.BEBAN_OPERASIONAL], atk), Line.cr(acc[chart.KAS], atk)],
                                      actor=treasurer, memo=f"Beli ATK {m:%m/%Y}", value_date=m + timedelta(days=9),
                                      source="manual"))
            bunga = 8_000 + rng.randrange(0, 20) * 500
            post_entry(cid, [Line.dr(acc[chart.BANK], bunga), Line.cr(acc[chart.PENDAPATAN_LAIN], bunga)],
                       actor=treasurer, memo=f"Jasa giro bank {m:%m/%Y}", value_date=m + timedelta(days=27),
                       source="manual")
        return entries[-1]

    last_atk = atomic(_books)
    if treasurer is not None and manager is not None:
        def _correct() -> None:
            # The last stationery purchase was keyed twice: post the duplicate, then reverse it (4 eyes).
            dup = post_entry(cid, [Line(p.account_id, debit=p.debit, credit=p.credit) for p in last_atk.postings],
                             actor=treasurer, memo=last_atk.memo + " (tercatat dua kali)",
                             value_date=last_atk.value_date, source="manual")
            req = periods.request_reversal(cid, dup.id, actor=treasurer, reason="Nota ATK tercatat dua kali")
            periods.decide(cid, req.id, actor=manager, approve=True, note="Cocok dengan nota")
        atomic(_correct)
