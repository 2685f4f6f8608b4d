"""Administration: users and the audit log."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coop.audit.models import AuditLog
from coop.auth import services as auth_services
from coop.auth.forms import UserForm
from coop.auth.models import User
from coop.auth.roles import ADMIN, AUDITOR, ROLE_LABELS
from coop.blueprints.common import coop_id, paginate, roles_required
from coop.db import atomic
from coop.errors import CoopError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/audit")
@roles_required(ADMIN, AUDITOR)
def audit_log():
    q = sa.select(AuditLog).where(AuditLog.cooperative_id == coop_id())
    action = request.args.get("action", "").strip()
    if action:
        q = q.where(AuditLog.action.like(f"{action}%"))
    page = paginate(q.order_by(AuditLog.id.desc()), per_page=50)
    actors = {u.id: u.username for u in auth_services.db.session.scalars(
        sa.select(User).where(User.cooperative_id == coop_id()))}
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
            flash("Pengguna dibuat.", "success")
            return redirect(url_for("admin.users"))
    rows = auth_services.db.session.scalars(
        sa.select(User).where(User.cooperative_id == coop_id()).order_by(User.username)).all()
    return render_template("admin/users.html", form=form, users=rows, role_labels=ROLE_LABELS)
