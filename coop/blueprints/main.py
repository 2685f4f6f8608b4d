"""The dashboard: one page per role, made of the panels listed in DASHBOARD_PANELS."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from coop import jobs
from coop.auth.roles import ROLE_LABELS
from coop.blueprints import ledger, loans, members, parenting, registry, reports, training
from coop.blueprints.form_errors import form_error_summary
from coop.blueprints.nav import is_family_login
from coop.db import discard_request_session
from coop.i18n import N_

bp = Blueprint("main", __name__)
bp.add_app_template_global(form_error_summary)

#: The dashboard's panels, in the order they show. Each is ``fn(user) -> dict | None``: {"title",
#: "template", ...context}, or None for a role that should not see it. A new panel is added HERE (one
#: literal list, not a side effect of importing a blueprint, so the order never depends on import order).
DASHBOARD_PANELS: list[Callable[[Any], dict[str, Any] | None]] = [
    ledger.cash_panel,
    loans.dashboard_panel,
    members.dashboard_panel,
    parenting.dashboard_panel,
    registry.dashboard_panel,
    reports.dashboard_panel,
    training.dashboard_panel,
]


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("programme.index" if current_user.cooperative_id is None else "main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    if current_user.cooperative_id is None:  # coordinator, service admin: the programme pages are theirs
        return redirect(url_for("programme.index"))
    panels = []
    for fn in DASHBOARD_PANELS:
        panel = fn(current_user)
        if panel:
            panels.append(panel)
    # a family member (a resident with a login for training, not a cooperative member) is not "(Anggota)"
    role_label = N_("Peserta pelatihan") if is_family_login(current_user) else ROLE_LABELS[current_user.role]
    return render_template("main/dashboard.html", panels=panels, role_label=role_label)


@bp.route("/healthz")
def healthz():
    """No login: the database (one ``SELECT 1``) and the last job run (the scheduler's, or cron's
    ``jobs run``). 200 when the database answers, 503 when it does not."""

    try:
        last = jobs.last_run_anywhere()
    except SQLAlchemyError:
        try:  # request plumbing: the failed request's session, not a query
            discard_request_session()
        except SQLAlchemyError:
            pass
        return {"ok": False, "database": "unavailable", "scheduler": None}, 503
    scheduler = {"last_job": last[0], "last_run_at": last[1].isoformat()} if last else {"last_job": None,
                                                                                         "last_run_at": None}
    return {"ok": True, "database": "ok", "scheduler": scheduler}
