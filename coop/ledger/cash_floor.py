"""The floor on cash: Kas (1101) and its sub-accounts may not go below zero.

A cash desk cannot pay out money that is not in the box; a negative Kas in the books means an
unrecorded receipt or a wrong entry, and auditors flag it. The floor is data: ``Account.min_balance = 0``
on every cash account, enforced by ``post_entry`` under the row lock like a member's savings floor (only
movements that LOWER the balance are refused, so receipts into a box that is already negative pass).

The stored setting :data:`SETTING` (default on) decides it. :func:`create_chart` gives a new
cooperative's Kas the floor; saving the setting calls :func:`apply`, which sets or clears
``min_balance`` on Kas and every account under it (``parent_id``, any depth) at once: the floor guards
the running balance, so it follows the latest stored value whatever its effective date.

Bank (1102) has no floor on purpose: bank entries are typed from the statement after the fact, often
not in the bank's own order (a transfer out recorded before the day's transfer in), and a cooperative
may have an overdraft facility; a floor on the posting-order balance would refuse legitimate entries.
A negative Bank is for the monthly bank reconciliation to explain.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from coop import audit, settings
from coop.db import db
from coop.ledger import chart
from coop.ledger.models import Account

#: Stored setting (bool): "cash may not go negative".
SETTING = "cash_never_negative"


def floor(cooperative_id: int) -> int | None:
    """The ``min_balance`` a cash account gets: ``0`` while the setting is on, else ``None``."""
    return 0 if settings.get_bool(cooperative_id, SETTING) else None


def cash_account_ids(cooperative_id: int) -> list[int]:
    """Kas and every account under it (sub-accounts of sub-accounts too), ascending ids."""
    kas = db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == cooperative_id,
                                                        Account.code == chart.KAS))
    if kas is None:
        return []
    found, frontier = {kas}, [kas]
    while frontier:
        frontier = [i for i in db.session.scalars(sa.select(Account.id).where(
            Account.cooperative_id == cooperative_id, Account.parent_id.in_(frontier))) if i not in found]
        found.update(frontier)
    return sorted(found)


def is_cash_account(cooperative_id: int, account_id: int | None) -> bool:
    return account_id is not None and account_id in cash_account_ids(cooperative_id)


def apply(cooperative_id: int, *, actor: Any = None) -> list[str]:
    """Set (setting on: zero, or a higher floor an account already has) or clear (off) the floor on
    every cash account. Returns the codes changed.

    The rows are locked in ascending id order, as ``post_entry`` locks them, so a posting running at
    the same time sees either the old floor or the new one, never half.
    """
    want = floor(cooperative_id)
    ids = cash_account_ids(cooperative_id)
    changed = []
    for acc in db.session.scalars(sa.select(Account).where(Account.id.in_(ids)).order_by(Account.id)
                                  .with_for_update().execution_options(populate_existing=True)):
        # on: a floor of at least zero (a higher one set on purpose stays); off: no floor
        new = None if want is None else max(want, acc.min_balance if acc.min_balance is not None else want)
        if acc.min_balance != new:
            acc.min_balance = new
            changed.append(acc.code)
    db.session.flush()
    if changed:
        audit.record(actor, "ledger.cash_floor", "account", ids[0],
                     {"min_balance": want, "accounts": changed}, cooperative_id=cooperative_id)
    return changed
