"""coop: the Desmigratif village cooperative service.

``create_app`` only registers things (extensions, blueprints, CLI, error handlers, template helpers):
no migrations run, no scheduler starts and no clock is read here.
"""
from __future__ import annotations

import functools
import gc
import os
import secrets
from inspect import CO_COROUTINE
from types import FunctionType, MethodType

from flask import Flask
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from coop import clock
from coop.config import CONFIGS
from coop.db import configure_engine_options, init_engines
from coop.extensions import babel, bootstrap, csrf, db, login_manager, migrate


class CoopFlask(Flask):
    """Flask, with ``ensure_sync`` answering a plain function or method from its code flags: Flask asks
    ``inspect.iscoroutinefunction`` (four or five calls) for every hook, view and teardown of every
    request, 14 times on an API deposit. Anything else (a partial, a callable object, a coroutine
    function or one marked as such) goes to Flask's own check."""

    def ensure_sync(self, func):
        plain = func.__func__ if type(func) is MethodType else func
        if (type(plain) is FunctionType and not plain.__code__.co_flags & CO_COROUTINE
                and "_is_coroutine_marker" not in plain.__dict__):
            return func
        return super().ensure_sync(func)


def create_app(config: dict | str | None = None) -> Flask:
    app = CoopFlask(__name__, instance_relative_config=True, instance_path=os.environ.get("COOP_INSTANCE_PATH"),
                    template_folder=os.path.join(os.path.dirname(os.path.dirname(__file__)), "templates"))
    _configure(app, config)
    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_request_hooks(app)
    _freeze_startup_heap()
    return app


@functools.cache
def _freeze_startup_heap() -> None:
    """Once per process, after the first app is built: the objects of the imports and of the app go to the
    collector's permanent generation (``gc.freeze``), so a full collection no longer walks them. Measured
    (issue 17, in-process deposits): a full collection every ~2,000 deposits walked ~270,000 objects, ~85 us
    a deposit on average; with the start-up heap frozen the collector costs ~10 us a deposit. What is frozen
    is never collected: nearly all of it (modules, the app) lives as long as the worker anyway."""
    gc.collect()
    gc.freeze()


def _configure(app: Flask, config: dict | str | None) -> None:
    name = config if isinstance(config, str) else os.environ.get("COOP_ENV", "development")
    app.config.from_object(CONFIGS.get(name, CONFIGS["development"]))
    if isinstance(config, dict):
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "coop.sqlite3")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    production = app.config.get("ENV_NAME") == "production" or name == "production"
    if production and not os.environ.get("COOP_SECRET_KEY"):
        raise RuntimeError("COOP_SECRET_KEY must be set in production.")
    _configure_secret_key(app)

    clock.configure(env_name="production" if production else name,
                    business_date_value=app.config.get("BUSINESS_DATE"),
                    default_timezone=app.config.get("BABEL_DEFAULT_TIMEZONE"))


#: Keys that were once defaults or examples: anyone can sign a session cookie with them.
KNOWN_KEYS = frozenset({"dev-only-secret-change-me", "changeme", "secret", "..."})


def _configure_secret_key(app: Flask) -> None:
    """The session signing key: COOP_SECRET_KEY (or the config), else a random key created once in
    ``instance/secret_key`` (mode 0600) and reused. A known constant key is never accepted."""
    key = app.config.get("SECRET_KEY")
    if key in KNOWN_KEYS:
        raise RuntimeError("COOP_SECRET_KEY is a known example value; set a random one.")
    if key or app.config.get("TESTING"):
        return
    path = os.path.join(app.instance_path, "secret_key")
    os.makedirs(app.instance_path, exist_ok=True)
    if not os.path.exists(path):
        # Written whole to a private temporary file, then linked into place: several workers starting at
        # once all end up with the one key that won the link.
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path, encoding="ascii") as fh:
        key = fh.read().strip()
    if len(key) < 32 or key in KNOWN_KEYS:
        raise RuntimeError(f"{path} holds no usable key (delete it to create a new one).")
    app.config["SECRET_KEY"] = key


def register_proxy(app: Flask) -> None:
    """Behind ``COOP_TRUSTED_PROXIES`` proxies, take the client address and scheme from their headers."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop import models  # noqa: F401  (every model is known to the metadata)
    from coop.i18n import N_, select_locale, select_timezone

    configure_engine_options(app)
    db.init_app(app)
    init_engines(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Silakan masuk terlebih dahulu.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "warning"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=os.path.join(
                       os.path.dirname(os.path.dirname(__file__)), "translations"))
    bootstrap.init_app(app)

    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop.auth.services import user_for_session

    @login_manager.user_loader
    def _load_user(user_id: str):
        """``<id>.<session_version>``: a cookie from before a log out, password change or deactivation
        (or in the old id-only form) no longer loads a user."""
        ident, _, version = user_id.partition(".")
        if not (ident.isdigit() and version.isdigit()) or int(ident) > 2**63 - 1:
            return None
        return user_for_session(int(ident), int(version))


def register_blueprints(app: Flask) -> None:
    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop.blueprints import BLUEPRINTS
    from coop.blueprints.api import api, openapi

    class Int64Converter(IntegerConverter):
        """``<int:x_id>``: an id larger than a BIGINT can hold does not exist: 404 (whatever the method),
        never an overflow error from the database driver."""

        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            if number > 2**63 - 1:
                raise NotFound()
            return number

    app.url_map.converters["int"] = Int64Converter
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    csrf.exempt(api)
    openapi.init_app(app, Int64Converter)  # registers ``api`` through flask-smorest (the OpenAPI document)


def register_cli(app: Flask) -> None:
    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop.cli import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop.blueprints.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop.blueprints.nav import nav_for
    from coop.i18n import register

    register(app)

    @app.context_processor
    def _inject_nav():
        return {"nav_items": nav_for(current_user)}


def register_request_hooks(app: Flask) -> None:
    # the package root loads the app's own areas only when an app is built: at module level, every
    # `import coop.<x>` would load all the models and the web layer first
    from coop.blueprints.hooks import register

    register(app)
