"""Administration: users and the audit log."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from coop import settings as coop_settings
from coop.audit.models import AuditLog
from coop.auth import services as auth_services
from coop.auth.forms import UserForm
from coop.auth.roles import ADMIN, AUDITOR, ROLE_LABELS
from coop.blueprints.common import coop_id, paginate, roles_required
from coop.db import atomic
from coop.errors import Conflict, CoopError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/audit")
@roles_required(ADMIN, AUDITOR)
def audit_log():
    q = sa.select(AuditLog).where(AuditLog.cooperative_id == coop_id())
    action = request.args.get("action", "").strip()
    if action:
        q = q.where(AuditLog.action.like(f"{action}%"))
    page = paginate(q.order_by(AuditLog.id.desc()), per_page=50)
    actors = {u.id: u.username for u in auth_services.users_of(coop_id())}
    return render_template("admin/audit.html", page=page, actors=actors, action=action)


@bp.route("/users", methods=["GET", "POST"])
@roles_required(ADMIN)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            atomic(auth_services.create_user, cooperative_id=coop_id(), username=form.username.data,
                   full_name=form.full_name.data, role=form.role.data, password=form.password.data,
                   actor=current_user)
        except CoopError as exc:
            for field, msgs in exc.fields.items():
                getattr(form, field, form.username).errors.extend(msgs)
        else:
            flash(gettext("Pengguna dibuat."), "success")
            return redirect(url_for("admin.users"))
    rows = auth_services.users_of(coop_id())
    return render_template("admin/users.html", form=form, users=rows, role_labels=ROLE_LABELS)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(ADMIN)
def user_active(user_id: int):
    """Deactivate (or reactivate) a user: every session and API token of theirs ends at once."""
    active = request.form.get("active") == "1"
    try:
        atomic(auth_services.set_active, coop_id(), user_id, active, actor=current_user)
    except Conflict as exc:  # NotFound (another cooperative's user) stays a 404
        flash(gettext(exc.message), "danger")
    else:
        flash(gettext("Pengguna diaktifkan.") if active else
              gettext("Pengguna dinonaktifkan; semua sesi dan tokennya berakhir."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(ADMIN)
def settings_page():
    """Stored settings, versioned by effective date (the value in force is the latest on or before a date).

    Each row's input comes from the setting's spec; an optional setting saved empty is cleared."""
    error = error_key = None
    if request.method == "POST":
        key = request.form.get("key", "")
        raw = request.form.get("value", "").strip()
        try:
            effective_on = date.fromisoformat(request.form.get("effective_on", ""))
        except ValueError:
            error, error_key = "Tanggal berlaku tidak valid (format YYYY-MM-DD).", key
        else:
            try:
                value = coop_settings.parse_value(key, raw)
                atomic(coop_settings.set_value, coop_id(), key, value, effective_on=effective_on,
                       actor=current_user)
            except CoopError as exc:
                error, error_key = exc.message, key
            else:
                flash(gettext("Pengaturan disimpan."), "success")
                return redirect(url_for("admin.settings_page"))
    rows = coop_settings.current_values(coop_id())
    return render_template("admin/settings.html", rows=rows, error=error, error_key=error_key), (
        422 if error else 200)
