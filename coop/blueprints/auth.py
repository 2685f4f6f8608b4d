"""Log in, log out, language."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from coop.auth import services
from coop.auth.forms import LoginForm
from coop.blueprints.common import client_address
from coop.db import atomic, utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("main.dashboard")


def _clear_session_keep_language() -> None:
    """A new session on log in/out (no fixation), keeping the language the visitor chose."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config
        result = atomic(services.authenticate, form.username.data, form.password.data,
                        address=client_address(), now=utcnow(), max_failures=cfg["LOGIN_MAX_FAILURES"],
                        window_seconds=cfg["LOGIN_WINDOW_SECONDS"])
        if result.throttled:
            form.password.errors.append(_("Terlalu banyak percobaan gagal. Tunggu satu menit lalu coba lagi."))
            status = 429
        elif result.user is None:
            form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
            status = 200
        else:
            _clear_session_keep_language()
            login_user(result.user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    _clear_session_keep_language()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in ("id", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next") or request.referrer and None))
