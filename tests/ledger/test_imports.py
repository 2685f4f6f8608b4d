"""Batch posting and the opening-balance import: same checks as post_entry, all-or-nothing."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import InsufficientFunds, PeriodClosed, ValidationError
from coop.ledger import periods
from coop.ledger.imports import (
    EntrySpec,
    OpeningRow,
    import_opening_balances,
    parse_opening_csv,
    post_entries,
)
from coop.ledger.models import JournalEntry
from coop.ledger.rules import Line
from coop.ledger.verify import verify

D = date(2026, 1, 1)


def test_batch_posts_all_and_verifies(coop, books):
    """Three entries in one batch: vouchers continue per year, chain continues from a single earlier entry, books verify."""
    b = books(coop)
    s = b.sub("2101")
    b.transfer("1101", "3901", 10)
    kas, cap = b.acc("1101"), b.acc("3901")
    ids = atomic(post_entries, coop.id, [
        EntrySpec([Line.dr(kas, 100), Line.cr(s, 100)], D, "a"),
        EntrySpec([Line.dr(s, 40), Line.cr(kas, 40)], D, "b"),
        EntrySpec([Line.dr(kas, 7), Line.cr(cap, 7)], date(2025, 12, 31), "c"),
    ], actor=None)
    entries = [db.session.get(JournalEntry, i) for i in ids]
    assert [e.voucher_number for e in entries] == ["JU-2026-000002", "JU-2026-000003", "JU-2025-000001"]
    assert [e.chain_seq for e in entries] == [2, 3, 4]
    assert b.balance(s) == 60 and b.balance("1101") == 77
    assert verify(coop.id)["ok"]


def test_batch_floor_checked_in_order_and_all_or_nothing(coop, books):
    """A withdrawal before the deposit that would fund it breaks the floor: nothing is written."""
    b = books(coop)
    s = b.sub("2101")
    kas = b.acc("1101")
    with pytest.raises(InsufficientFunds) as exc:
        atomic(post_entries, coop.id, [EntrySpec([Line.dr(s, 40), Line.cr(kas, 40)], D, "w"),
                                       EntrySpec([Line.dr(kas, 100), Line.cr(s, 100)], D, "d")], actor=None)
    assert exc.value.message.startswith("#1")
    assert b.balance(s) == 0 and b.balance("1101") == 0


def test_batch_reports_every_bad_entry(coop, books):
    """Does a batch of two unbalanced entries fail with one message per bad entry, numbered #1 and #2?"""
    b = books(coop)
    kas = b.acc("1101")
    with pytest.raises(ValidationError) as exc:
        atomic(post_entries, coop.id, [EntrySpec([Line.dr(kas, 1)], D, "x"),
                                       EntrySpec([Line.dr(kas, 1), Line.cr(kas, 2)], D, "y")], actor=None)
    msgs = exc.value.fields["entries"]
    assert any(m.startswith("#1") for m in msgs) and any(m.startswith("#2") for m in msgs)


def test_batch_respects_closed_periods_and_idempotency(coop, books, users):
    """Is a batch entry dated in the closed year 2025 refused with PeriodClosed, and does posting the same
    batch twice with idempotency key "imp-1" return the same result and book Kas only once (balance 5)?"""
    b = books(coop)
    kas, cap = b.acc("1101"), b.acc("3901")
    atomic(periods.close_period, coop.id, actor=users["manager"], year=2025)
    with pytest.raises(PeriodClosed):
        atomic(post_entries, coop.id, [EntrySpec([Line.dr(kas, 1), Line.cr(cap, 1)], date(2025, 5, 1), "x")],
               actor=None)
    spec = EntrySpec([Line.dr(kas, 5), Line.cr(cap, 5)], D, "k", idempotency_key="imp-1")
    first = atomic(post_entries, coop.id, [spec], actor=None)
    again = atomic(post_entries, coop.id, [spec], actor=None)
    assert first == again and b.balance("1101") == 5


def test_opening_balance_import_worked(coop, books):
    """Kas 2,500,000, a contra provision of 100,000 (credit side) and savings 400,000 against 3901:
    3901 ends at 2,500,000 - 100,000 - 400,000 = 2,000,000 credit."""
    b = books(coop)
    s_code = "2101.OPEN1"
    from coop.ledger.services import open_subaccount
    atomic(open_subaccount, coop.id, "2101", s_code, "Sukarela A", min_balance=0)
    rows = parse_opening_csv("code,amount,memo\n1101,2.500.000,kas\n1209,100000,\n2101.OPEN1,400000,\n")
    ids = atomic(import_opening_balances, coop.id, rows, actor=None, value_date=date(2025, 12, 31))
    assert len(ids) == 3
    assert b.balance("1101") == 2_500_000
    assert b.balance("1209") == 100_000
    assert b.balance(s_code) == 400_000
    assert b.balance("3901") == 2_000_000
    assert verify(coop.id)["ok"]


def test_opening_balance_import_names_bad_rows(coop):
    """Does an opening-balance import name each bad row ("baris 2: akun 9999 tidak dikenal", "baris 3: jumlah
    nol"), and is a CSV amount written as 1.5e3 refused?"""
    with pytest.raises(ValidationError) as exc:
        atomic(import_opening_balances, coop.id, [OpeningRow("1101", 5), OpeningRow("9999", 5),
                                                  OpeningRow("1102", 0)], actor=None, value_date=D)
    assert exc.value.fields["rows"] == ["baris 2: akun 9999 tidak dikenal", "baris 3: jumlah nol"]
    with pytest.raises(ValidationError):
        parse_opening_csv("code,amount\n1101,1.5e3\n")


def test_open_subaccounts_bulk(coop, books):
    """Bulk-opened sub-accounts take the parent's type and side and refuse taken codes."""
    from coop.ledger.services import open_subaccounts

    ids = atomic(open_subaccounts, coop.id, "2101", [("2101.B1", "A"), ("2101.B2", "B")], min_balance=0)
    b = books(coop)
    b.transfer("1101", ids["2101.B1"], 10)
    with pytest.raises(InsufficientFunds):
        b.transfer(ids["2101.B2"], "1101", 1)
    with pytest.raises(ValidationError):
        atomic(open_subaccounts, coop.id, "2101", [("2101.B1", "again")])
