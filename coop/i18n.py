"""Language (Bahasa Indonesia by default, English selectable) and template helpers."""
from __future__ import annotations

import logging
import os

import flask_babel
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, gettext, refresh
from flask_login import current_user

from coop import formatting
from coop.text import (
    N_,  # (also re-exported: coop.i18n.N_)
    set_reader_locale,
)


def select_locale() -> str:
    """The request's language: the session's choice, else the user's, else Bahasa Indonesia. Outside a
    request (CLI commands, jobs) Bahasa Indonesia unless ``COOP_LANG=en`` is set in the environment, so
    text marked with ``gettext`` in command output is Indonesian by default and English on demand."""
    if not has_request_context():
        lang = os.environ.get("COOP_LANG", "")
        return lang if lang in ("id", "en") else "id"
    lang = session.get("lang")
    if lang in ("id", "en"):
        return lang
    if getattr(current_user, "is_authenticated", False) and getattr(current_user, "locale", None):
        return current_user.locale
    return "id"


def account_name(account) -> str:
    """An account's name for the reader: its English name (``name_en``, set for the standard chart) when
    the page is in English, else the Indonesian ``name``. Takes an ``Account`` or a report row (dict)."""

    get = account.get if isinstance(account, dict) else lambda key: getattr(account, key, None)
    if get("name_en") and str(get_locale() or "id") == "en":
        return get("name_en")
    return get("name")


def select_timezone() -> str:
    return "Asia/Jakarta"


log = logging.getLogger("coop.i18n")

#: A savings account's status (``SavingsAccount.status``) for the reader.
ACCOUNT_STATUS_LABELS = {"active": N_("Aktif"), "dormant": N_("Dormant"), "matured": N_("Jatuh tempo"),
                         "closed": N_("Ditutup")}


def english_catalogue_problem(app: Flask) -> str | None:
    """Why the English pages would stay Indonesian, or ``None`` when the compiled catalogue is there:
    ``messages.mo`` missing (``make run`` compiles it; a production start with gunicorn does not) or
    older than ``messages.po``. Looked for in each of ``BABEL_TRANSLATION_DIRECTORIES``."""
    dirs = app.config.get("BABEL_TRANSLATION_DIRECTORIES") or os.path.join(
        os.path.dirname(os.path.dirname(__file__)), "translations")
    for folder in dirs.split(";"):
        mo = os.path.join(folder, "en", "LC_MESSAGES", "messages.mo")
        po = os.path.join(folder, "en", "LC_MESSAGES", "messages.po")
        if os.path.exists(mo):
            if os.path.exists(po) and os.path.getmtime(po) > os.path.getmtime(mo):
                return f"{mo} is older than {po}: run `pybabel compile -d translations`"
            return None
    return (f"no compiled English catalogue (messages.mo) in {dirs}: English pages would stay Indonesian; "
            "run `pybabel compile -d translations` before starting")


def english_available() -> bool:
    return current_app.extensions.get("coop_english_ok", True)


def _reader_locale() -> str | None:
    """The locale of the page or API answer being made (coop.text.one_language's source)."""
    return str(flask_babel.get_locale() or "id") if has_app_context() else None


def register(app: Flask) -> None:
    set_reader_locale(_reader_locale)

    problem = english_catalogue_problem(app)
    # a stale catalogue still translates most pages: the switch stays, the warning asks for a compile
    app.extensions["coop_english_ok"] = problem is None or "older than" in problem
    if problem:
        log.warning("English translations: %s", problem)
        app.logger.warning("English translations: %s", problem)

    def _tanggal(d, long=False):
        return formatting.tanggal(d, str(get_locale() or "id"), long)

    def _persen(value):
        return formatting.persen(value, str(get_locale() or "id"))

    def _angka(value):
        return formatting.angka(value, str(get_locale() or "id"))

    app.jinja_env.filters["rupiah"] = formatting.rupiah
    app.jinja_env.filters["persen"] = _persen
    app.jinja_env.filters["account_status"] = lambda s: gettext(ACCOUNT_STATUS_LABELS.get(s, s)) if s else s
    app.jinja_env.filters["angka"] = _angka
    app.jinja_env.filters["tanggal"] = _tanggal
    app.jinja_env.filters["terbilang"] = formatting.terbilang
    app.jinja_env.filters["mask_nik"] = formatting.mask_nik
    app.jinja_env.filters["account_name"] = account_name
    #: Translate a string computed at run time (nav label, flash, error message); no %-formatting.
    app.jinja_env.filters["tr"] = lambda s: gettext(s) if isinstance(s, str) and s else s

    @app.before_request
    def _choose_locale_per_request():
        # Flask-Babel caches the locale on ``g`` (in ``g._flask_babel``); when an app context is already pushed
        # (tests, CLI) ``g`` outlives one request, so drop the cache and let every request choose its language
        # again. A new app context (each request under gunicorn) has cached nothing: nothing to drop (refresh()
        # would make the empty namespace and look for each key through the ``g`` proxy, ~15 us a request).
        if "_flask_babel" in g._get_current_object().__dict__:
            refresh()

    @app.context_processor
    def _inject():
        return {"current_lang": select_locale(), "request_path": request.path,
                "english_available": english_available()}
