"""The tables every cash-desk deposit adds rows to keep no index that another index of theirs already holds: an index
on a leading part of another index's columns answers nothing the longer one does not, yet each write pays for it,
and it can mislead the planner (``ix_idempotent_requests_cooperative_id``: migration 0029)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import coop.models  # noqa: F401  (every model on the metadata)
from coop.db import db

#: The tables one deposit adds rows to (each index of theirs is one more index entry a deposit writes): the entry,
#: its postings, its audit row, the stored response. The rows it updates (the head, the two accounts' balances,
#: the voucher counter, the savings account's last activity) change no indexed column: PostgreSQL updates them
#: in place of the heap page (HOT), whatever their indexes.
WRITE_PATH = ("idempotent_requests", "journal_entries", "postings", "audit_log")


def _keys(table: sa.Table) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, columns, unique) of every index, unique constraint and the primary key of ``table``."""
    keys = [(ix.name, tuple(c.name for c in ix.columns), bool(ix.unique)) for ix in table.indexes if ix.columns]
    keys += [(uc.name, tuple(c.name for c in uc.columns), True) for uc in table.constraints
             if isinstance(uc, sa.UniqueConstraint)]
    keys.append(("primary key", tuple(c.name for c in table.primary_key.columns), True))
    return keys


def redundant(table: sa.Table) -> list[str]:
    """The non-unique indexes of ``table`` whose columns lead another index, unique key or the primary key."""
    keys = _keys(table)
    return sorted(name for name, cols, unique in keys if not unique and any(
        other != name and len(ocols) >= len(cols) and ocols[:len(cols)] == cols for other, ocols, _u in keys))


@pytest.mark.parametrize("name", WRITE_PATH)
def test_no_write_path_table_keeps_an_index_another_one_holds(name):
    """Each table a deposit adds rows to: no non-unique index is a leading part of another of its keys."""
    assert redundant(db.metadata.tables[name]) == []


def test_the_check_finds_an_index_the_unique_key_holds():
    """A table shaped as idempotent_requests was before 0029 is flagged; the same table without it is not."""
    md = sa.MetaData()
    cols = lambda: [sa.Column("id", sa.Integer, primary_key=True), sa.Column("cooperative_id", sa.Integer),  # noqa: E731
                    sa.Column("key", sa.String(128))]
    before = sa.Table("before", md, *cols(), sa.UniqueConstraint("cooperative_id", "key"),
                      sa.Index("ix_before_cooperative_id", "cooperative_id"))
    after = sa.Table("after", md, *cols(), sa.UniqueConstraint("cooperative_id", "key"))
    assert redundant(before) == ["ix_before_cooperative_id"]
    assert redundant(after) == []
