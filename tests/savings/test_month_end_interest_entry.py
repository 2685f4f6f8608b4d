"""The month-end jasa simpanan run, line by line: ONE entry a cooperative (one line per paying account), the
per-account ``savings_interest`` rows written in one statement, re-runnable without posting twice. Pins what
the run posted before the per-payee pass and the batched rows of issue 20 (same entry, same lines, same
line memos, same rows), on a worked example checked by hand."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop.db import atomic, db
from coop.jobs import run_due
from coop.ledger import chart
from coop.ledger.models import JournalEntry, Posting
from coop.ledger.services import account_by_code
from coop.ledger.verify import verify
from coop.savings import interest
from coop.savings import services as savings
from coop.savings.models import SavingsInterest
from tests.fixtures_ledger import top_up_cash

JOINED = date(2026, 9, 1)
OCTOBER = date(2026, 10, 31)


def _interest_entries(coop) -> list[JournalEntry]:
    return list(db.session.scalars(sa.select(JournalEntry).where(
        JournalEntry.cooperative_id == coop.id, JournalEntry.source == "savings.interest").order_by(JournalEntry.id)))


def test_october_interest_of_four_members_is_one_entry_checked_by_hand(coop, make_member, fund):
    """Sukarela at 3 %/yr on the daily balance, October 2026 (31 days), everything held since September:

    - A: Rp 10.000.000: 10.000.000 x 0,03 x 31 / 365 = 25.479,45 -> Rp 25.479, no PPh.
    - B: Rp 150.000.000: 139.500.000 / 365 = 382.191,78 -> Rp 382.192, over Rp 240.000: PPh final 10 % of
      the whole = 38.219,2 -> Rp 38.219; B's account gets 343.973.
    - C: Rp 20.000.000 all month and Rp 7.300.000 more on 17 October (held 17-31: 15 days):
      (20.000.000 x 31 + 7.300.000 x 15) x 0,03 / 365 = 21.885.000 / 365 = 59.958,90 -> Rp 59.959.
    - D: Rp 1.000.000 sukarela: 930.000 / 365 = 2.547,95 -> Rp 2.548; and a berjangka of Rp 12.000.000 at 6 %
      (lowest monthly balance, full month): 12.000.000 x 0,06 / 12 = Rp 60.000, paid into D's sukarela:
      one line of 62.548 naming both accounts; D's month is 62.548, no PPh.

    Dr 5101 530.178 = Cr A 25.479 + B 343.973 + C 59.959 + D 62.548 + Cr 2401 PPh 38.219."""
    members = {name: make_member(coop, joined_on=JOINED) for name in "ABCD"}
    atomic(top_up_cash, coop.id, 200_000_000, JOINED)
    for name, amount in (("A", 10_000_000), ("B", 150_000_000), ("C", 20_000_000), ("D", 1_000_000)):
        fund(members[name], "sukarela", amount, JOINED)
    fund(members["C"], "sukarela", 7_300_000, date(2026, 10, 17))
    sb12 = next(p for p in savings.default_products(coop.id).values() if p.kind == "berjangka")
    atomic(interest.open_berjangka, coop.id, members["D"].id, sb12.id, 12_000_000, actor=None, opened_on=JOINED)
    ss = {name: savings.account_for(coop.id, m.id, "sukarela") for name, m in members.items()}
    sb = savings.account_for(coop.id, members["D"].id, "berjangka")
    before = {name: acc.balance for name, acc in ss.items()}

    done = run_due(coop.id, date(2026, 11, 1), only="savings.interest", echo=lambda *_: None)
    assert done == ["savings.interest 2026-10: jasa simpanan 2026-10: 5 rekening, bruto Rp 530.178, PPh Rp 38.219"]

    [entry] = _interest_entries(coop)
    assert (entry.value_date, entry.memo, entry.idempotency_key) == (OCTOBER, "Jasa simpanan Oktober 2026",
                                                                     "savings.interest:2026-10")
    lines = [(p.account_id, p.debit, p.credit, p.memo) for p in db.session.scalars(
        sa.select(Posting).where(Posting.entry_id == entry.id).order_by(Posting.line_no))]
    expense = account_by_code(coop.id, chart.BEBAN_JASA_SIMPANAN).id
    pph = account_by_code(coop.id, chart.UTANG_PPH).id
    assert lines == [
        (expense, 530_178, 0, None),
        (ss["A"].ledger_account_id, 0, 25_479, f"jasa {ss['A'].account_number} 25479 pph 0"),
        (ss["B"].ledger_account_id, 0, 343_973, f"jasa {ss['B'].account_number} 382192 pph 38219"),
        (ss["C"].ledger_account_id, 0, 59_959, f"jasa {ss['C'].account_number} 59959 pph 0"),
        (ss["D"].ledger_account_id, 0, 62_548,
         f"jasa {ss['D'].account_number} 2548 pph 0 jasa {sb.account_number} 60000 pph 0"),
        (pph, 0, 38_219, "PPh final jasa simpanan"),
    ]
    rows = [(r.account_id, r.member_id, r.month_end, r.gross, r.tax, r.kind, r.entry_id) for r in db.session.scalars(
        sa.select(SavingsInterest).where(SavingsInterest.cooperative_id == coop.id).order_by(SavingsInterest.account_id))]
    assert rows == [
        (ss["A"].id, members["A"].id, OCTOBER, 25_479, 0, "monthly", entry.id),
        (ss["B"].id, members["B"].id, OCTOBER, 382_192, 38_219, "monthly", entry.id),
        (ss["C"].id, members["C"].id, OCTOBER, 59_959, 0, "monthly", entry.id),
        (ss["D"].id, members["D"].id, OCTOBER, 2_548, 0, "monthly", entry.id),
        (sb.id, members["D"].id, OCTOBER, 60_000, 0, "monthly", entry.id),
    ]
    db.session.expire_all()
    assert {name: acc.balance - before[name] for name, acc in ss.items()} == {
        "A": 25_479, "B": 343_973, "C": 59_959, "D": 62_548}
    assert verify(coop.id)["ok"]

    # re-run: the job's period is recorded, and the service itself finds the month's key: nothing posted twice
    assert run_due(coop.id, date(2026, 11, 1), only="savings.interest", echo=lambda *_: None) == []
    assert atomic(interest.post_monthly_interest, coop.id, OCTOBER) == "jasa simpanan 2026-10 sudah diposting"
    assert len(_interest_entries(coop)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavingsInterest)
                             .where(SavingsInterest.cooperative_id == coop.id)) == 5
