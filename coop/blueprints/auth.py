"""Log in, log out, language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from coop.auth import services
from coop.auth.forms import LoginForm, PasswordChangeForm
from coop.blueprints.common import client_address
from coop.db import atomic, utcnow
from coop.errors import CoopError
from coop.i18n import english_available

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a same-site relative path: no scheme, no host, no backslash and no control character
    (browsers drop tabs and newlines, so ``/\t/evil.example`` would become ``//evil.example``; a CR/LF
    would split the Location header)."""
    if (target and target.startswith("/") and not target.startswith("//")
            and not any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
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
        result = services.authenticate(form.username.data, form.password.data,
                                       address=client_address(), now=utcnow(),
                                       max_failures=cfg["LOGIN_MAX_FAILURES"],
                                       address_max_failures=cfg["LOGIN_ADDRESS_MAX_FAILURES"],
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
    if current_user.is_authenticated:
        atomic(services.log_out, current_user.id)  # every copy of this session cookie ends too
    logout_user()
    _clear_session_keep_language()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password: this session stays logged in, every other session and token ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            new_hash = services.prepare_password_change(current_user, current_password=form.current_password.data,
                                                        new_password=form.new_password.data)
            user = atomic(services.change_password, current_user.id, password_hash=new_hash)
        except CoopError as exc:
            for name, msgs in exc.fields.items():
                getattr(form, name, form.new_password).errors.extend(gettext(m) for m in msgs)
        else:
            _clear_session_keep_language()
            login_user(user)
            session.permanent = True
            flash(_("Kata sandi diubah. Sesi lain dan token API sudah diakhiri."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code == "en" and not english_available():
        # never a switch that silently does nothing: say why the page stays Indonesian
        flash(_("Bahasa Inggris belum tersedia: katalog terjemahan belum dikompilasi (pybabel compile)."),
              "warning")
    elif code in ("id", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next") or request.referrer and None))
