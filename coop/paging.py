"""Offset pagination for the read services (``queries.py`` of each area): one page of a SELECT and its
count. Flask-free: the blueprint reads ``?page=`` and passes the number down."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coop.db import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def fetch_page(select_stmt, page: int = 1, per_page: int = 25) -> Page:
    """Page ``page`` (1-based) of ``select_stmt``; a page past the end shows the last one (and
    ``page=10**30`` never overflows the driver's OFFSET)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select_stmt.order_by(None).subquery())) or 0
    page = min(max(1, page or 1), max(1, -(-total // per_page)))
    items = list(db.session.scalars(select_stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def page_of_list(items: list, page: int = 1, per_page: int = 50) -> Page:
    """Page ``page`` of a list already in memory (a statement with its running balances, a day book): the
    same clamping as :func:`fetch_page`."""
    total = len(items)
    page = min(max(1, page or 1), max(1, -(-total // per_page)))
    return Page(items[(page - 1) * per_page:page * per_page], page, per_page, total)


def keyset_rows(select_stmt, id_column, limit: int, after: int | None) -> tuple[list, bool]:
    """Keyset pagination on an ascending integer id: up to ``limit`` rows with ``id_column > after`` and
    whether more follow (the API's ``?cursor=``; the blueprint encodes the cursor)."""
    if after is not None:
        select_stmt = select_stmt.where(id_column > after)
    rows = list(db.session.scalars(select_stmt.order_by(id_column).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
