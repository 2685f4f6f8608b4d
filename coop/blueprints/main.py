"""The dashboard: one page per role, filled in by each area through DASHBOARD_PANELS."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.auth.roles import ROLE_LABELS

bp = Blueprint("main", __name__)

#: Callables ``fn(user) -> dict | None`` returning {"title", "template", ...context}; areas append here.
DASHBOARD_PANELS: list = []


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    panels = []
    for fn in DASHBOARD_PANELS:
        panel = fn(current_user)
        if panel:
            panels.append(panel)
    return render_template("main/dashboard.html", panels=panels, role_label=ROLE_LABELS[current_user.role])


@bp.route("/healthz")
def healthz():
    return {"ok": True}
