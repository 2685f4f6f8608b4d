"""Monthly jasa simpanan (savings interest) with PPh final, and berjangka (time deposit) opening and
maturity. Both are posted as ONE entry per cooperative and run (one line per account), so a month's
interest for thousands of accounts is a single voucher with its own idempotency key.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coop import audit, datebounds, settings
from coop.db import db
from coop.errors import RuleViolation, ValidationError
from coop.formatting import rupiah
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, Posting
from coop.ledger.services import Line, account_by_code, post_entry
from coop.savings import rules
from coop.savings.models import SavingsAccount, SavingsProduct
from coop.savings.services import Receipt, _check_amount, _member_must_be_current, account_for


def _month_label(d: date) -> str:
    from coop.formatting import BULAN_PANJANG

    return f"{BULAN_PANJANG[d.month - 1]} {d.year}"


def compute_interest(cooperative_id: int, month_end: date) -> list[dict]:
    """Interest of every interest-bearing account for the month ending ``month_end`` (no posting).

    Returns one dict per account with a positive gross: ``account``, ``gross``, ``tax``, ``net``,
    ``target_ledger_id`` (berjangka interest is paid into the member's sukarela account).
    """
    start, end = rules.month_bounds(month_end)
    accts = list(db.session.scalars(
        sa.select(SavingsAccount).join(SavingsProduct, SavingsProduct.id == SavingsAccount.product_id)
        .where(SavingsAccount.cooperative_id == cooperative_id,
               SavingsAccount.status.in_(("active", "dormant")), SavingsAccount.opened_on <= end,
               SavingsProduct.interest_method != "none")))
    if not accts:
        return []
    ids = [a.ledger_account_id for a in accts]
    opening = defaultdict(int)
    moves: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for acc_id, total in db.session.execute(
                sa.select(Posting.account_id, sa.func.sum(Posting.credit - Posting.debit))
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                .where(Posting.account_id.in_(chunk), JournalEntry.value_date < start)
                .group_by(Posting.account_id)):
            opening[acc_id] = int(total)
        for acc_id, vd, total in db.session.execute(
                sa.select(Posting.account_id, JournalEntry.value_date, sa.func.sum(Posting.credit - Posting.debit))
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                .where(Posting.account_id.in_(chunk), JournalEntry.value_date >= start,
                       JournalEntry.value_date <= end,
                       # this month's own interest must not earn interest
                       JournalEntry.source != "savings.interest")
                .group_by(Posting.account_id, JournalEntry.value_date)):
            moves[acc_id][vd] = int(total)
    results: list[dict[str, Any]] = []
    for acc in accts:
        rate = acc.rate if acc.kind == "berjangka" and acc.rate is not None else acc.product.interest_rate
        balances = rules.daily_balances(opening[acc.ledger_account_id], moves[acc.ledger_account_id], start, end)
        if acc.opened_on > start:
            balances = balances[(acc.opened_on - start).days:]
        gross = rules.interest_for_month(acc.product.interest_method, Decimal(rate), balances)
        if gross > 0:
            results.append({"account": acc, "gross": gross})
    threshold = int(settings.get(cooperative_id, "pph_savings_interest_threshold", end))
    pph_rate = Decimal(settings.get(cooperative_id, "pph_savings_interest_rate", end))
    per_member: dict[int, dict[int, int]] = defaultdict(dict)
    for r in results:
        per_member[r["account"].member_id][r["account"].id] = r["gross"]
    taxes = {}
    for grosses in per_member.values():
        taxes.update(rules.split_tax(grosses, threshold, pph_rate))
    sukarela_of = {}
    for r in results:
        acc = r["account"]
        r["tax"] = taxes[acc.id]
        r["net"] = r["gross"] - r["tax"]
        target = acc.ledger_account_id
        if acc.kind == "berjangka":
            if acc.member_id not in sukarela_of:
                sukarela_of[acc.member_id] = account_for(cooperative_id, acc.member_id, "sukarela")
            target = sukarela_of[acc.member_id].ledger_account_id
        r["target_ledger_id"] = target
    return results


def post_monthly_interest(cooperative_id: int, month_end: date) -> str:
    """Post the month's jasa simpanan: Dr 5101 Beban Jasa Simpanan (gross), Cr each account (net),
    Cr 2401 Utang PPh Final (tax). One entry, idempotent per month by its key."""
    _, end = rules.month_bounds(month_end)
    key = f"savings.interest:{end:%Y-%m}"
    if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id,
                                                          JournalEntry.idempotency_key == key)):
        return f"jasa simpanan {end:%Y-%m} sudah diposting"
    results = compute_interest(cooperative_id, end)
    if not results:
        return f"jasa simpanan {end:%Y-%m}: tidak ada"
    gross = sum(r["gross"] for r in results)
    tax = sum(r["tax"] for r in results)
    lines = [Line.dr(account_by_code(cooperative_id, chart.BEBAN_JASA_SIMPANAN).id, gross)]
    for r in results:
        if r["net"] > 0:
            lines.append(Line.cr(r["target_ledger_id"], r["net"],
                                 f"jasa {r['account'].account_number} {r['gross']} pph {r['tax']}"))
    if tax:
        lines.append(Line.cr(account_by_code(cooperative_id, chart.UTANG_PPH).id, tax, "PPh final jasa simpanan"))
    post_entry(cooperative_id, lines, actor=None, memo=f"Jasa simpanan {_month_label(end)}", value_date=end,
               idempotency_key=key, source="savings.interest", source_ref=f"{end:%Y-%m}")
    return (f"jasa simpanan {end:%Y-%m}: {len(results)} rekening, bruto {rupiah(gross)}, "
            f"PPh {rupiah(tax)}")


# --------------------------------------------------------------------------------------------
# Berjangka
# --------------------------------------------------------------------------------------------

def open_berjangka(cooperative_id: int, member_id: int, product_id: int, amount: int, *, actor,
                   opened_on: date, from_sukarela: bool = False, idempotency_key: str | None = None) -> Receipt:
    """Open a simpanan berjangka: the rate is fixed at opening (the product's current rate), maturity
    is ``term_months`` later. Funded in cash or from the member's sukarela account."""
    from coop.membership.services import get_member
    from coop.savings.services import get_product, open_account

    _check_amount(amount)
    datebounds.check_day(cooperative_id, opened_on, "opened_on")
    product = get_product(cooperative_id, product_id)
    if product.kind != "berjangka":
        raise ValidationError("Produk bukan simpanan berjangka.", fields={"product_id": ["bukan berjangka"]})
    member = get_member(cooperative_id, member_id)
    if member.status not in ("active", "dormant"):
        raise RuleViolation("Hanya anggota aktif yang dapat membuka simpanan berjangka.", code="not_a_member")
    acc = open_account(cooperative_id, member, product, opened_on, actor=actor)
    acc.principal, acc.rate, acc.term_months = amount, product.interest_rate, product.term_months
    acc.maturity_on = rules.add_months(opened_on, product.term_months)
    acc.next_action_date = acc.maturity_on
    _member_must_be_current(acc)
    source_id = (account_for(cooperative_id, member_id, "sukarela").ledger_account_id if from_sukarela
                 else account_by_code(cooperative_id, chart.KAS).id)
    entry = post_entry(cooperative_id, [Line.dr(source_id, amount), Line.cr(acc.ledger_account_id, amount)],
                       actor=actor, memo=f"Pembukaan simpanan berjangka {acc.account_number}",
                       value_date=opened_on, idempotency_key=idempotency_key,
                       source="savings.berjangka_open", source_ref=f"savings_account:{acc.id}")
    db.session.flush()
    from coop.savings.services import _posting_id

    return Receipt(entry, acc, amount, acc.balance, _posting_id(entry, acc.ledger_account_id))


def process_maturities(cooperative_id: int, as_of: date) -> str:
    """Berjangka accounts due on or before ``as_of`` (``next_action_date``): roll over for another term
    at the product's CURRENT rate, or pay the balance into the member's sukarela and close."""
    due = list(db.session.scalars(sa.select(SavingsAccount).where(
        SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.kind == "berjangka",
        SavingsAccount.status == "active", SavingsAccount.next_action_date <= as_of)
        .order_by(SavingsAccount.next_action_date, SavingsAccount.id)))
    rolled = paid = 0
    for acc in due:
        if acc.product.maturity_action == "rollover":
            acc.maturity_on = rules.add_months(acc.maturity_on, acc.term_months or acc.product.term_months)
            acc.rate = acc.product.interest_rate
            acc.next_action_date = acc.maturity_on
            rolled += 1
            audit.record(None, "savings.berjangka.rollover", "savings_account", acc.id,
                         {"maturity_on": acc.maturity_on}, cooperative_id=cooperative_id)
            continue
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
