"""A resignation against a deposit into the member's savings at the same moment (real commits, both engines).

The resignation reads the member's balances, then refunds them in one entry and closes the accounts. A
deposit checks the account is open, then posts. Either way round, a deposit committing between the other
side's read and its posting was left in a closed account, refunded to nobody. Now the resignation takes the
ledger's head before it reads the accounts (and reads their balances afresh), and a deposit checks again,
under the head its posting holds, that its account was not closed meanwhile."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop.db import atomic, db
from coop.errors import Conflict, RuleViolation
from tests.concurrent import committed, cooperative_with_member, run_while

RESIGN_ON = date(2025, 6, 30)


def _member_with_pokok_and_wajib(app, name: str, nik: str, kk: str) -> tuple[int, int, int]:
    """Committed: a member who joined 2 January 2025 with pokok Rp 100.000 and wajib Rp 100.000 (January to
    May). :returns: the cooperative, the member and the wajib account ids."""
    from coop.savings import services as savings
    from tests.fixtures_ledger import fill_cash_box

    def _setup():
        c, m = cooperative_with_member(f"Koperasi {name}", nik, kk, f"Siti {name}")
        fill_cash_box(c.id, 1_000_000, date(2025, 1, 2))  # the refund is paid from the box
        pokok = savings.account_for(c.id, m.id, "pokok")
        savings.deposit(c.id, pokok.id, 100_000, actor=None, value_date=date(2025, 1, 2))
        wajib = savings.account_for(c.id, m.id, "wajib")
        savings.deposit(c.id, wajib.id, 100_000, actor=None, value_date=date(2025, 1, 2))
        return c.id, m.id, wajib.id
    ids = committed(app, _setup)
    return ids


def _after(app, cid: int, member_id: int, wajib_id: int) -> tuple[int, str, int]:
    """The refund paid, the wajib account's status and balance."""
    from coop.membership import services as members
    from coop.savings import services as savings

    with app.app_context():
        s = members.settlement_of(cid, member_id)
        acc = savings.get_account(cid, wajib_id)
        out = (s.refund, acc.status, acc.balance)
        db.session.remove()
    return out


@pytest.mark.slow
def test_a_deposit_committing_while_the_resignation_reads_is_refused_not_left_behind(committed_app, monkeypatch):
    """Pokok 100.000 + wajib 100.000. Once the resignation has read the accounts, a wajib deposit of Rp 20.000
    comes in: it waits for the resignation and is refused (the member left, the account is closed). The refund is 200.000 and the
    closed wajib account holds 0. (Read before the head, the deposit committed meanwhile: the refund was
    200.000 and 20.000 stayed in the closed account.)"""
    from coop.membership import services as members
    from coop.savings import services as savings

    cid, member_id, wajib_id = _member_with_pokok_and_wajib(committed_app, "Keluar", "3504044903880021",
                                                             "3504040107150031")

    def _deposit():
        atomic(savings.deposit, cid, wajib_id, 20_000, actor=None, value_date=date(2025, 6, 20))
    _, errors = run_while(committed_app, monkeypatch, savings, "accounts_of",
                          lambda: members.resign(cid, member_id, RESIGN_ON, actor=None), _deposit)
    with committed_app.app_context():
        engine = db.engine.dialect.name
    # SQLite: the deposit's unit of work began after the resignation committed (the writer lock) and read the
    # member as resigned; PostgreSQL: it read the member before, waited for the head, and checks again there
    assert [getattr(e, "code", e) for e in errors] == ["account_closed" if engine == "postgresql" else "not_a_member"]
    assert _after(committed_app, cid, member_id, wajib_id) == (200_000, "closed", 0)


@pytest.mark.slow
def test_a_resignation_committing_while_a_deposit_checks_leaves_nothing_behind(committed_app, monkeypatch):
    """A wajib deposit of Rp 20.000 has checked the member and the account when the resignation comes in.
    On SQLite the deposit's unit of work holds the writer lock: the resignation waits and refunds 220.000.
    On PostgreSQL the resignation commits first (it refunds 200.000) and the deposit, checking again under
    the ledger's head, is refused. Either way the closed wajib account holds 0. (Checked only before the
    head, the deposit was posted into the closed account: 20.000 refunded to nobody.)"""
    from coop.membership import services as members
    from coop.savings import services as savings

    cid, member_id, wajib_id = _member_with_pokok_and_wajib(committed_app, "Setor", "3504044903880022",
                                                             "3504040107150032")

    def _resign():
        atomic(members.resign, cid, member_id, RESIGN_ON, actor=None)
    deposit, errors = run_while(committed_app, monkeypatch, savings, "_member_must_be_current",
                                lambda: savings.deposit(cid, wajib_id, 20_000, actor=None, value_date=date(2025, 6, 20)),
                                _resign, refused=RuleViolation)
    refused = getattr(deposit, "code", None)
    assert errors == []
    with committed_app.app_context():
        engine = db.engine.dialect.name
    if engine == "postgresql":
        assert (refused, _after(committed_app, cid, member_id, wajib_id)) == ("account_closed", (200_000, "closed", 0))
    else:
        assert (refused, _after(committed_app, cid, member_id, wajib_id)) == (None, (220_000, "closed", 0))


@pytest.mark.slow
def test_a_resignation_committing_while_a_berjangka_opens_leaves_no_account_open(committed_app, monkeypatch):
    """A berjangka of Rp 1.000.000 in cash (dated 20 June) has checked the member when the resignation comes
    in. On SQLite the opening's unit of work holds the writer lock: the resignation waits and refunds it with
    the rest and its jasa for 20-29 June (6 %/yr on the lowest balance: 1.000.000 x 6 % / 12 x 10/30 =
    1.666,67 -> 1.667): 200.000 + 1.000.000 + 1.667 = 1.201.667. On PostgreSQL the resignation commits first (refund 200.000) and the opening, checking the member
    again under the ledger's head, is refused and leaves no account. Either way no account of the member is
    open or holds money. (Checked only before the head, the berjangka stayed open and funded, Rp 1.000.000
    of a member who had left.)"""
    from coop.membership import services as members
    from coop.savings import interest
    from coop.savings import services as savings

    cid, member_id, _ = _member_with_pokok_and_wajib(committed_app, "Berjangka", "3504044903880023",
                                                      "3504040107150033")
    with committed_app.app_context():
        product_id = savings.default_product(cid, "berjangka").id
        db.session.remove()

    def _resign():
        atomic(members.resign, cid, member_id, RESIGN_ON, actor=None)
    opened, errors = run_while(committed_app, monkeypatch, interest, "_member_must_be_current",
                               lambda: interest.open_berjangka(cid, member_id, product_id, 1_000_000, actor=None,
                                                               opened_on=date(2025, 6, 20)).amount,
                               _resign, refused=RuleViolation)
    assert errors == []
    with committed_app.app_context():
        engine = db.engine.dialect.name
        accounts = [(a.kind, a.status, a.balance) for a in savings.accounts_of(cid, member_id)]
        refund = members.settlement_of(cid, member_id).refund
        db.session.remove()
    if engine == "postgresql":
        assert (getattr(opened, "code", opened), refund) == ("not_a_member", 200_000)
        assert "berjangka" not in [kind for kind, _, _ in accounts]
    else:
        assert (opened, refund) == (1_000_000, 1_201_667)
    assert all(status == "closed" and balance == 0 for _, status, balance in accounts), accounts


@pytest.mark.slow
def test_a_resignation_committing_while_a_loan_is_disbursed_leaves_no_loan_to_a_former_member(committed_app,
                                                                                                monkeypatch):
    """An approved loan of Rp 1.200.000 is being disbursed in cash (it has checked the borrower) when the
    member resigns. The disbursement holds its loan (SQLite: the writer lock; PostgreSQL: the loan's row, which
    the resignation locks before anything else): it pays out, and the resignation then finds savings of 200.000
    short of the loan and is refused (loans_exceed_savings). (Checked only before the head, with the loans not
    locked by the resignation, 1.200.000 was paid out to her after her settlement, a loan left out of it; the
    disbursement also checks the borrower again under the ledger's head, refusing with not_member.)"""
    from coop.auth.services import create_user
    from coop.loans import services as loans
    from coop.membership import services as members
    from tests.fixtures_ledger import top_up_cash

    cid, member_id, _ = _member_with_pokok_and_wajib(committed_app, "Pinjam", "3504044903880024",
                                                      "3504040107150034")

    def _approved():
        t = create_user(cooperative_id=cid, username="kasir_r", full_name="Kasir", role="treasurer",
                        password="rahasia-123")
        mgr = create_user(cooperative_id=cid, username="mgr_r", full_name="Manajer", role="manager",
                          password="rahasia-123")
        p = loans.create_product(cid, actor=None, name="Flat", method="flat", rate_percent_per_month=Decimal(1))
        loan = loans.apply(cid, actor=t, member_id=member_id, product_id=p.id, principal=1_200_000, term_months=12,
                           purpose="Warung", applied_on=date(2025, 6, 2))
        loans.decide(cid, loan.id, actor=mgr, decision="approve", note=None, on=date(2025, 6, 2))
        top_up_cash(cid, 1_400_000, date(2025, 6, 2))  # the loan and the refund
        return loan.id
    loan_id = committed(committed_app, _approved)

    def _resign():
        atomic(members.resign, cid, member_id, RESIGN_ON, actor=None)
    disbursed, errors = run_while(committed_app, monkeypatch, loans, "_member",
                                  lambda: loans.disburse(cid, loan_id, actor=None, disbursed_on=date(2025, 6, 20),
                                                         first_due_date=date(2025, 7, 20)).status,
                                  _resign, refused=Conflict)
    with committed_app.app_context():
        loan = loans.get_loan(cid, loan_id)
        out = (getattr(disbursed, "code", disbursed), [getattr(e, "code", e) for e in errors], loan.status,
               members.get_member(cid, member_id).status)
        db.session.remove()
    assert out == ("active", ["loans_exceed_savings"], "active", "active")


def _running_loan(app, cid: int, member_id: int, tag: str) -> int:
    """Committed: a loan of Rp 100.000 (flat 1 % x 12) paid out in cash on 2 June 2025, first due 2 July.
    :returns: its id."""
    from coop.auth.services import create_user
    from coop.loans import services as loans
    from tests.fixtures_ledger import top_up_cash

    def _running():
        t = create_user(cooperative_id=cid, username=f"kasir_{tag}", full_name="Kasir", role="treasurer",
                        password="rahasia-123")
        mgr = create_user(cooperative_id=cid, username=f"mgr_{tag}", full_name="Manajer", role="manager",
                          password="rahasia-123")
        p = loans.create_product(cid, actor=None, name="Flat", method="flat", rate_percent_per_month=Decimal(1))
        loan = loans.apply(cid, actor=t, member_id=member_id, product_id=p.id, principal=100_000, term_months=12,
                           purpose="Warung", applied_on=date(2025, 6, 2))
        loans.decide(cid, loan.id, actor=mgr, decision="approve", note=None, on=date(2025, 6, 2))
        top_up_cash(cid, 100_000, date(2025, 6, 2))
        loans.disburse(cid, loan.id, actor=t, disbursed_on=date(2025, 6, 2), first_due_date=date(2025, 7, 2))
        return loan.id
    loan_id = committed(app, _running)
    return loan_id


@pytest.mark.slow
def test_a_repayment_in_flight_while_the_member_resigns_waits_instead_of_deadlocking(committed_app, monkeypatch):
    """A running loan of Rp 100.000 (flat 1 % x 12, paid out 2 June) nets against pokok + wajib 200.000 when the
    member resigns on 30 June. Once the resignation has read the accounts, a cashier records a repayment of
    20.000 on that loan. The resignation locked the member's loans before the ledger's head (a repayment's
    order: its loan, then the head), so the repayment waits, then finds the loan settled by the netting and is
    refused with 409 loan_settled_at_resignation (its replay would pay the 20.000 back into a sukarela account
    she no longer has): no database error on either side, with retries off. (Head first, as before: the repayment held
    its loan and waited for the head, the netting held the head and waited for the loan: a deadlock, which
    PostgreSQL broke by aborting one of them.)"""
    from sqlalchemy.exc import DBAPIError

    from coop.loans import services as loans
    from coop.membership import services as members
    from coop.savings import services as savings

    committed_app.config["TX_RETRIES"] = 0
    cid, member_id, _ = _member_with_pokok_and_wajib(committed_app, "Netting", "3504044903880025",
                                                      "3504040107150035")

    loan_id = _running_loan(committed_app, cid, member_id, "n")

    def _repay():
        atomic(loans.repay, cid, loan_id, 20_000, actor=None, paid_on=date(2025, 6, 25))
    settled, errors = run_while(committed_app, monkeypatch, savings, "accounts_of",
                                lambda: members.resign(cid, member_id, RESIGN_ON, actor=None).loans_total, _repay)
    assert not [e for e in errors if isinstance(e, DBAPIError)], errors
    # refused as a repayment to a loan settled at resignation is, saying so (replayed, it would pay the 20.000
    # back into a sukarela account the member no longer has); nothing was posted
    assert [(type(e).__name__, getattr(e, "code", None)) for e in errors] == [
        ("Conflict", "loan_settled_at_resignation")], errors
    with committed_app.app_context():
        loan = loans.get_loan(cid, loan_id)
        assert (loan.status, loan.close_reason, members.get_member(cid, member_id).status) == (
            "closed", "netting", "resigned")
        assert settled > 0
        db.session.remove()

