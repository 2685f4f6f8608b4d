"""Helpers shared by the HTML blueprints: role checks, the actor's cooperative, pagination, forms."""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from flask import abort, flash, g, request
from flask_babel import gettext
from flask_login import current_user, login_required

from coop import clock
from coop.db import atomic
from coop.errors import CoopError
from coop.paging import Page, fetch_page

__all__ = ["Confirmation", "Outcome", "Page", "business_today", "carried_fields", "confirming", "editing", "client_address", "content_disposition", "coop_id",
           "local_today", "page_number", "paginate", "roles_required", "submit"]


def roles_required(*roles: str):
    """Log-in required, and one of ``roles`` (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped._coop_roles = roles
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


def page_number() -> int:
    """The ``?page=`` of the request (1 when absent or not a number)."""
    return request.args.get("page", 1, type=int) or 1


def paginate(select_stmt, per_page: int = 25) -> Page:
    """Offset pagination for HTML lists (``?page=``); the API uses cursors instead."""
    return fetch_page(select_stmt, page_number(), per_page)


@dataclass
class Outcome:
    """What :func:`submit` did: ``ok`` with the service's ``value``, or the ``error`` it flashed."""
    ok: bool
    value: Any = None
    error: CoopError | None = None

    def __bool__(self) -> bool:
        return self.ok


def submit(fn, *args, success: str | None = None, form=None, field_names: dict[str, str] | None = None,
           quiet: Collection[str] = (), **kwargs) -> Outcome:
    """The act-then-flash pattern of the HTML views, in one place: run ``atomic(fn, *args, **kwargs)`` (one
    unit of work; a refusal rolled all of it back) and tell the user.

    - success: flash ``success`` (a msgid, translated here) as "success"; the :class:`Outcome` is true and
      carries the service's return value;
    - a 403 refusal aborts with 403 (unless its code is in ``quiet``);
    - any other :class:`CoopError`: with ``form``, its message goes to the form's own errors and its
      ``fields`` onto the form's fields (``field_names`` maps a service field name to the form's), so the
      page's error summary lists them; without a form, the message is flashed ("danger"), a 422's field
      messages appended (a conflict's message is whole). An error whose ``code`` is in ``quiet`` is not told:
      the caller says it its own way (``outcome.error``).
    """
    try:
        value = atomic(fn, *args, **kwargs)
    except CoopError as exc:
        if exc.code in quiet:  # the caller tells it its own way (even a 403: "menunggu persetujuan kedua")
            return Outcome(False, error=exc)
        if exc.status == 403:
            abort(403)
        if form is not None:
            form.form_errors.append(exc.message)
            for name, msgs in exc.fields.items():
                base = name.split(".")[0]
                field = getattr(form, (field_names or {}).get(base, base), None)
                if field is not None:
                    field.errors = list(field.errors) + list(msgs)
        else:
            message = exc.message
            if exc.fields and exc.status == 422:
                message += " " + "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
            flash(message, "danger")
        return Outcome(False, error=exc)
    if success:
        flash(gettext(success), "success")
    return Outcome(True, value)


# --- the confirmation step of money-moving forms (issue 15, item 1) ----------------------------------------
#: form fields never carried from the first submit to the confirmation page's hidden fields
_NOT_CARRIED = frozenset({"csrf_token", "confirm", "edit"})


@dataclass
class Confirmation:
    """What ``confirm.html`` shows before money moves: the amount (in figures and in words), the account,
    its balance before and after, more ``rows`` of (label, text), ``warnings`` ([{"text", "url"?, "label"?,
    "fields"?}]: an action offered with it, e.g. "Lunasi sekarang"), and the form to post again: ``action``
    (URL) with ``fields`` [(name, value)]. ``can_confirm`` False shows only "Ubah". ``lines`` (a journal
    entry's): rows with ``code``, ``name``, ``debit``, ``credit``, ``balance_before``, ``balance_after``,
    shown as a table with the totals."""
    title: str
    amount: int
    account: str
    action: str
    fields: list[tuple[str, str]]
    balance_label: str = ""
    balance_before: int | None = None
    balance_after: int | None = None
    rows: list[tuple[str, str]] | None = None
    warnings: list[dict] | None = None
    can_confirm: bool = True
    lines: list | None = None


def confirming() -> bool:
    """The second submit: "Konfirmasi" pressed on the confirmation page (only then does money move)."""
    return request.form.get("confirm") == "1"


def editing() -> bool:
    """"Ubah" pressed on the confirmation page: back to the form, its values kept."""
    return request.form.get("edit") == "1"


def carried_fields(**override: str) -> list[tuple[str, str]]:
    """The submitted form's fields (as typed; the one-time nonce included) for the confirmation page's hidden
    inputs, ``override`` replacing or adding values (e.g. a nonce the first submit lacked)."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in _NOT_CARRIED and k not in override]
    return fields + list(override.items())


def client_address() -> str:
    return request.remote_addr or "unknown"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A ``Content-Disposition`` value whose file name cannot break the header (quotes, CR/LF, ``;``):
    anything but letters, digits, ``. _ -`` becomes ``_``."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:150] or "berkas"
    return f'{"inline" if inline else "attachment"}; filename="{safe}"'
