"""The deposit's account and its member read as ONE prepared row (coop.db.PreparedGet with ``also``, issue 17):
the same objects and values as the ORM's load with its joined relationships and the member's lazy load, in one
statement, and the session's rules kept (an object already loaded is the one returned; an expired related
object is filled)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.db import PreparedGet, db
from coop.errors import NotFound
from coop.ledger.models import Account
from coop.membership.models import Member
from coop.savings import services as savings
from coop.savings.models import SavingsAccount


def _columns(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in sa.inspect(type(obj)).column_attrs}


class _Statements:
    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        self.conn = db.session.connection()
        sa.event.listen(self.conn, "before_cursor_execute", self._note)
        return self.sql

    def __exit__(self, *exc):
        sa.event.remove(self.conn, "before_cursor_execute", self._note)

    def _note(self, _conn, _cursor, statement, *_a, **_k):
        self.sql.append(statement)


def test_an_account_and_its_member_come_from_one_row_with_the_orm_loads_values(coop, make_member, fund):
    """Does get_account load an account with its product, its ledger account, its member and the member's
    resident in ONE statement (two before: the member had a row of its own), with the same column values the
    ORM loads, everything in the session and nothing dirty or new?"""
    m = make_member(coop)
    fund(m, "sukarela", 125_000)
    acc_id = savings.account_for(coop.id, m.id, "sukarela").id
    db.session.expunge_all()
    orm_acc = db.session.get(SavingsAccount, acc_id)
    expected = (_columns(orm_acc), _columns(orm_acc.product), _columns(orm_acc.ledger_account))
    orm_member = db.session.get(Member, m.id)
    expected_member = (_columns(orm_member), _columns(orm_member.resident))
    db.session.expunge_all()

    with _Statements() as sql:
        acc = savings.get_account(coop.id, acc_id)
        balance, product_amount = acc.balance, acc.product.amount
        member = savings._member_must_be_current(acc)
        name = member.full_name
    assert len(sql) == 1, sql  # one row: the account, its product, ledger account, member and resident
    assert acc.member is member
    assert (_columns(acc), _columns(acc.product), _columns(acc.ledger_account)) == expected
    assert (_columns(member), _columns(member.resident)) == expected_member
    assert balance == 125_000 and product_amount == expected[1]["amount"] and name == orm_member.resident.full_name
    assert acc in db.session and acc.ledger_account in db.session and member.resident in db.session
    assert not db.session.dirty and not db.session.new


def test_a_loaded_account_is_returned_as_is_and_an_expired_ledger_account_is_filled_from_the_row(coop, make_member):
    """Does get_account fill an expired ledger account already in the session from its one row (code, balance
    0) without reading it again, and return the same account object on a second call, in one statement in
    all?"""
    m = make_member(coop)
    acc_id = savings.account_for(coop.id, m.id, "sukarela").id
    ledger_id = db.session.get(SavingsAccount, acc_id).ledger_account_id
    db.session.expunge_all()
    ledger = db.session.get(Account, ledger_id)
    db.session.expire(ledger)
    with _Statements() as sql:
        acc = savings.get_account(coop.id, acc_id)
        assert acc.ledger_account is ledger
        assert ledger.code and ledger.balance == 0  # filled from the row, not read again
        assert savings.get_account(coop.id, acc_id) is acc  # in the session: the ORM's identity-map hit
    assert len(sql) == 1, sql


def test_an_unknown_or_foreign_account_is_not_found(coop, make_member, make_coop):
    """Is get_account NotFound for id 10**12, for the account asked through another cooperative and for id 0,
    while the right cooperative gets it?"""
    m = make_member(coop)
    acc_id = savings.account_for(coop.id, m.id, "sukarela").id
    cid, other_id = coop.id, make_coop().id
    db.session.expunge_all()
    for in_coop, aid in ((cid, 10**12), (other_id, acc_id), (cid, 0)):
        with pytest.raises(NotFound):
            savings.get_account(in_coop, aid)
    assert savings.get_account(cid, acc_id).id == acc_id


def test_a_member_already_loaded_is_the_one_the_account_holds_and_is_filled_from_the_row(coop, make_member):
    """With the member already in the session but expired (a withdrawal after a page read it), does the
    account's one row give the account that same member object, its columns filled from the row (status,
    resident) without a statement of its own?"""
    m = make_member(coop)
    acc_id = savings.account_for(coop.id, m.id, "sukarela").id
    db.session.expunge_all()
    member = db.session.get(Member, m.id)
    status = member.status
    db.session.expire(member)
    with _Statements() as sql:
        acc = savings.get_account(coop.id, acc_id)
        assert savings._member_must_be_current(acc) is member
        assert member.status == status and member.resident.full_name
    assert len(sql) == 1, sql


def test_a_table_twice_in_the_join_is_refused_when_the_statement_is_built():
    """Would a PreparedGet joining the same table twice (its ``also`` naming a relationship whose table is
    already joined) be refused when built, instead of reading an ambiguous row?"""
    twice = PreparedGet(SavingsAccount, also=("member", "product"))  # product: already a joined load
    with pytest.raises(RuntimeError, match="a table twice"):
        twice._build()
