"""Helpers shared by the HTML blueprints: role checks, the actor's cooperative, pagination, forms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import wraps

from flask import abort, g, request
from flask_login import current_user, login_required

from coop import clock
from coop.db import db


def roles_required(*roles: str):
    """Log-in required, and one of ``roles`` (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def local_today(user=None) -> date:
    """The business date of ``user``'s cooperative (:func:`coop.clock.business_date`; the service default
    without a user)."""
    return clock.business_date(getattr(user, "cooperative", None))


def business_today() -> date:
    """Today for the request's user (a logged-in page user or the API token's user): the one "today" every
    page and API call passes down to the services."""
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    return local_today(user)


def coop_id() -> int:
    """The cooperative of the logged-in user: every query is scoped by it."""
    return current_user.cooperative_id


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


def paginate(select_stmt, per_page: int = 25) -> Page:
    """Offset pagination for HTML lists (``?page=``); the API uses cursors instead."""
    import sqlalchemy as sa

    page = request.args.get("page", 1, type=int) or 1
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select_stmt.order_by(None).subquery()))
    # a page past the end shows the last one (and ?page=10**30 never overflows the driver's OFFSET)
    page = min(max(1, page), max(1, -(-(total or 0) // per_page)))
    items = list(db.session.scalars(select_stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total or 0)


def client_address() -> str:
    return request.remote_addr or "unknown"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A ``Content-Disposition`` value whose file name cannot break the header (quotes, CR/LF, ``;``):
    anything but letters, digits, ``. _ -`` becomes ``_``."""
    import re

    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:150] or "berkas"
    return f'{"inline" if inline else "attachment"}; filename="{safe}"'
