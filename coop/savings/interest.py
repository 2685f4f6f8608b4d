"""Monthly jasa simpanan (savings interest) with PPh final, and berjangka (time deposit) opening and
maturity. Both are posted as ONE entry per cooperative and run (one line per account), so a month's
interest for thousands of accounts is a single voucher with its own idempotency key.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coop import audit, datebounds, settings
from coop.db import db
from coop.errors import InsufficientFunds, RuleViolation, ValidationError
from coop.formatting import BULAN_PANJANG, rupiah
from coop.ledger import chart
from coop.ledger import rules as ledger_rules
from coop.ledger.models import Account, JournalEntry
from coop.ledger.services import Line, account_by_code, lock_head, post_entry
from coop.membership.services import get_member
from coop.savings import accrual, rules
from coop.savings.models import SavingsAccount, SavingsProduct
from coop.savings.services import (
    Receipt,
    _check_amount,
    _member_must_be_current,
    _posting_id,
    account_for,
    get_product,
    open_account,
)


def _month_label(d: date) -> str:
    return f"{BULAN_PANJANG[d.month - 1]} {d.year}"


def compute_interest(cooperative_id: int, month_end: date) -> list[dict]:
    """Interest of every interest-bearing account for the month ending ``month_end`` (no posting): what
    the month earns in full, for the days each account was held (see :mod:`coop.savings.accrual`).

    Returns one dict per account with a positive gross: ``account``, ``gross``, ``tax``, ``net``,
    ``target_ledger_id`` (berjangka interest is paid into the member's sukarela account).
    """
    _, end = rules.month_bounds(month_end)
    accts = accrual.interest_accounts(cooperative_id, end)
    grosses = accrual.gross_by_account(accts, end)
    results: list[dict[str, Any]] = [{"account": a, "gross": grosses[a.id]} for a in accts if grosses[a.id] > 0]
    threshold = settings.get_int(cooperative_id, "pph_savings_interest_threshold", end)
    pph_rate = settings.get_decimal(cooperative_id, "pph_savings_interest_rate", end)
    per_member: dict[int, dict[int, int]] = defaultdict(dict)
    for r in results:
        per_member[r["account"].member_id][r["account"].id] = r["gross"]
    taxes = {}
    for grosses_of_member in per_member.values():
        taxes.update(rules.split_tax(grosses_of_member, threshold, pph_rate))
    cache: dict[int, int | None] = {}
    for r in results:
        r["tax"] = taxes[r["account"].id]
        r["net"] = r["gross"] - r["tax"]
        r["target_ledger_id"] = accrual.payee_ledger(cooperative_id, r["account"], cache)
    return results


def post_monthly_interest(cooperative_id: int, month_end: date) -> str:
    """Post the month's jasa simpanan: Dr 5101 Beban Jasa Simpanan (gross), Cr each account (net),
    Cr 2401 Utang PPh Final (tax). One entry, idempotent per month by its key. Accounts closed in the
    month were paid with their closing: only a difference, if any, is posted for them."""
    _, end = rules.month_bounds(month_end)
    key = f"{accrual.MONTHLY_KEY}{end:%Y-%m}"
    # the head first (settle reads under it too): a second run of the month started meanwhile waits here and
    # then finds the first one's key
    lock_head(cooperative_id)
    if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id,
                                                          JournalEntry.idempotency_key == key)):
        return f"jasa simpanan {end:%Y-%m} sudah diposting"
    accts = accrual.interest_accounts(cooperative_id, end)
    r = accrual.settle(cooperative_id, accts, end, kind="monthly", value_date=end, idempotency_key=key,
                       memo=f"Jasa simpanan {_month_label(end)}")
    if r["entry"] is None:
        return f"jasa simpanan {end:%Y-%m}: tidak ada"
    return (f"jasa simpanan {end:%Y-%m}: {r['accounts']} rekening, bruto {rupiah(r['gross'])}, "
            f"PPh {rupiah(r['tax'])}")


# --------------------------------------------------------------------------------------------
# Berjangka
# --------------------------------------------------------------------------------------------

def _may_open_berjangka(member) -> None:
    """:raises RuleViolation: not an active (or dormant) member: an applicant or a former member opens none."""
    if member.status not in ("active", "dormant"):
        raise RuleViolation("Hanya anggota aktif yang dapat membuka simpanan berjangka.", code="not_a_member")


def open_berjangka(cooperative_id: int, member_id: int, product_id: int, amount: int, *, actor,
                   opened_on: date, from_sukarela: bool = False, idempotency_key: str | None = None) -> Receipt:
    """Open a simpanan berjangka: the rate is fixed at opening (the product's current rate), maturity
    is ``term_months`` later. Funded in cash or from the member's sukarela account."""

    _check_amount(amount)
    datebounds.check_day(cooperative_id, opened_on, "opened_on")
    product = get_product(cooperative_id, product_id)
    if product.kind != "berjangka":
        raise ValidationError("Produk bukan simpanan berjangka.", fields={"product_id": ["bukan berjangka"]})
    term = _term_months(product)
    member = get_member(cooperative_id, member_id)
    _may_open_berjangka(member)
    acc = open_account(cooperative_id, member, product, opened_on, actor=actor)
    acc.principal, acc.rate, acc.term_months = amount, product.interest_rate, term
    acc.maturity_on = rules.add_months(opened_on, term)
    acc.next_action_date = acc.maturity_on
    _member_must_be_current(acc)
    source_id = (account_for(cooperative_id, member_id, "sukarela").ledger_account_id if from_sukarela
                 else account_by_code(cooperative_id, chart.KAS).id)
    entry = post_entry(cooperative_id, [Line.dr(source_id, amount), Line.cr(acc.ledger_account_id, amount)],
                       actor=actor, memo=f"Pembukaan simpanan berjangka {acc.account_number}",
                       value_date=opened_on, idempotency_key=idempotency_key,
                       source="savings.berjangka_open", source_ref=f"savings_account:{acc.id}")
    # the member was read before the head this posting holds: a resignation that committed meanwhile read the
    # member's accounts without this new one, which would stay open and funded after the member left
    db.session.refresh(member, ["status"])
    _may_open_berjangka(member)
    db.session.flush()
    moved = [acc] + ([account_for(cooperative_id, member_id, "sukarela")] if from_sukarela else [])
    accrual.adjust_backdated(cooperative_id, moved, opened_on, actor=actor)

    return Receipt(entry, acc, amount, acc.balance, _posting_id(entry, acc.ledger_account_id))


def _term_months(product: SavingsProduct) -> int:
    """A berjangka product's term. :raises ValidationError: none (create_product and update_product require
    one; a product stored before update_product refused to clear it may lack it)."""
    if product.term_months is None:
        raise ValidationError("Produk berjangka belum punya jangka waktu.",
                              fields={"product_id": ["jangka waktu wajib diisi untuk simpanan berjangka"]})
    return product.term_months


@dataclass
class BerjangkaPreview:
    """What :func:`open_berjangka` WOULD do (the confirmation page): nothing is written."""
    product: Any
    amount: int
    rate: Decimal
    term_months: int
    maturity_on: date
    #: the sukarela account it is moved from (None: paid in cash) and its balance before and after
    source: SavingsAccount | None
    source_before: int = 0
    source_after: int = 0


def berjangka_preview(cooperative_id: int, member_id: int, product_id: int, amount: int, *, opened_on: date,
                      from_sukarela: bool = False) -> BerjangkaPreview:
    """The figures of the opening's confirmation page (reads only), with the refusals of
    :func:`open_berjangka` (amount, date, product, member, the sukarela floor).

    Worked example: Rp 5.000.000 for 12 months at the product's 6 %, opened 15 March 2026: matures 15 March
    2027; moved from a sukarela of Rp 7.000.000, that account goes 7.000.000 -> 2.000.000."""
    _check_amount(amount)
    datebounds.check_day(cooperative_id, opened_on, "opened_on")
    product = get_product(cooperative_id, product_id)
    if product.kind != "berjangka":
        raise ValidationError("Produk bukan simpanan berjangka.", fields={"product_id": ["bukan berjangka"]})
    term = _term_months(product)
    member = account_for(cooperative_id, member_id, "sukarela").member  # every member has one (registration)
    if member.status not in ("active", "dormant"):
        raise RuleViolation("Hanya anggota aktif yang dapat membuka simpanan berjangka.", code="not_a_member")
    p = BerjangkaPreview(product=product, amount=amount, rate=product.interest_rate,
                         term_months=term, maturity_on=rules.add_months(opened_on, term),
                         source=None)
    if from_sukarela:
        src = account_for(cooperative_id, member_id, "sukarela")
        before, floor = src.balance, src.ledger_account.min_balance
        if floor is not None and before - amount < floor:
            message, field_msg = ledger_rules.floor_message(src.ledger_account.code, src.ledger_account.name, before,
                                                            floor, amount)
            raise InsufficientFunds(message, fields={"amount": [field_msg]})
        p.source, p.source_before, p.source_after = src, before, before - amount
    return p


def process_maturities(cooperative_id: int, as_of: date) -> str:
    """Berjangka accounts due on or before ``as_of`` (``next_action_date``): roll over for another term
    at the product's CURRENT rate, or pay the balance into the member's sukarela and close."""
    due = list(db.session.scalars(sa.select(SavingsAccount).where(
        SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.kind == "berjangka",
        SavingsAccount.status == "active", SavingsAccount.next_action_date <= as_of)
        .order_by(SavingsAccount.next_action_date, SavingsAccount.id)))
    rolled = paid = 0
    for acc in due:
        assert acc.maturity_on is not None, "open_berjangka sets it (and next_action_date from it)"
        if acc.product.maturity_action == "rollover":
            term = acc.term_months or acc.product.term_months
            assert term is not None, "open_berjangka keeps the product's term on the account"
            acc.maturity_on = rules.add_months(acc.maturity_on, term)
            acc.rate = acc.product.interest_rate
            acc.next_action_date = acc.maturity_on
            rolled += 1
            audit.record(None, "savings.berjangka.rollover", "savings_account", acc.id,
                         {"maturity_on": acc.maturity_on}, cooperative_id=cooperative_id)
            continue
        acc.closed_on = acc.maturity_on
        accrual.pay_closing(cooperative_id, [acc], acc.maturity_on, actor=None)
        bal = acc.balance
        if bal > 0:
            target = account_for(cooperative_id, acc.member_id, "sukarela")
            post_entry(cooperative_id, [Line.dr(acc.ledger_account_id, bal), Line.cr(target.ledger_account_id, bal)],
                       actor=None, memo=f"Jatuh tempo {acc.account_number} ke sukarela",
                       value_date=acc.maturity_on, idempotency_key=f"savings.maturity:{acc.id}",
                       source="savings.maturity", source_ref=f"savings_account:{acc.id}")
        acc.status, acc.closed_on, acc.next_action_date = "closed", acc.maturity_on, None
        paid += 1
    db.session.flush()
    return f"berjangka jatuh tempo: {paid} dicairkan ke sukarela, {rolled} diperpanjang"


def month_ends_between(first: date, last: date) -> list[date]:
    out, d = [], rules.month_bounds(first)[1]
    while d <= last:
        out.append(d)
        d = rules.month_bounds(d + timedelta(days=1))[1]
    return out


__all__ = ["compute_interest", "post_monthly_interest", "open_berjangka", "process_maturities",
           "month_ends_between", "Account"]
