"""Configuration classes. Every setting can be overridden by a ``COOP_*`` environment variable."""
from __future__ import annotations

import os
from datetime import timedelta


def _env(name: str, default=None):
    return os.environ.get(f"COOP_{name}", default)


class Config:
    #: SQLAlchemy URL; default is a SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Read-only engine (a streaming replica) for reports, exports and programme indicators
    #: (``coop.db.read_session``); unset: they read the main database.
    READ_DATABASE_URL = _env("READ_DATABASE_URL")
    #: 1 = the database URLs go through pgbouncer in transaction mode (psycopg prepares no statements);
    #: a URL may say so itself with ``?pgbouncer=1``.
    PGBOUNCER = _env("PGBOUNCER", "0") == "1"
    #: Direct connection (never through pgbouncer) on which the scheduler holds its PostgreSQL advisory
    #: lock; unset: the main URL (refused when that goes through pgbouncer).
    SCHEDULER_DATABASE_URL = _env("SCHEDULER_DATABASE_URL")
    #: Seconds a second scheduler waits between tries of the lock.
    SCHEDULER_LOCK_RETRY_SECONDS = float(_env("SCHEDULER_LOCK_RETRY_SECONDS", "30"))
    #: Session signing key. Without COOP_SECRET_KEY (outside production and tests) create_app reads, or
    #: creates once, a random key in ``instance/secret_key`` (mode 0600); production refuses to start.
    SECRET_KEY = _env("SECRET_KEY")
    ENV_NAME = _env("ENV", "development")
    BABEL_DEFAULT_LOCALE = _env("DEFAULT_LOCALE", "id")
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Jakarta")
    #: Fix the business date (YYYY-MM-DD) for demos, training sandboxes and tests; refused in production.
    BUSINESS_DATE = _env("BUSINESS_DATE")
    LANGUAGES = ("id", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(_env("SESSION_HOURS", "12")))
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = int(_env("MAX_UPLOAD_MB", "20")) * 1024 * 1024
    #: Login throttling: failures per window (seconds) per username or address.
    #: (username, address) pairs get LOGIN_MAX_FAILURES; one address, whatever the usernames, gets
    #: LOGIN_ADDRESS_MAX_FAILURES (so attempts from elsewhere never lock the real user out).
    LOGIN_MAX_FAILURES = int(_env("LOGIN_MAX_FAILURES", "5"))
    LOGIN_ADDRESS_MAX_FAILURES = int(_env("LOGIN_ADDRESS_MAX_FAILURES", "20"))
    LOGIN_WINDOW_SECONDS = int(_env("LOGIN_WINDOW_SECONDS", "60"))
    API_TOKEN_HOURS = int(_env("API_TOKEN_HOURS", "24"))
    #: The daily auth.prune job keeps stored idempotent responses, expired/revoked tokens and login
    #: attempts this many days.
    IDEMPOTENCY_KEEP_DAYS = int(_env("IDEMPOTENCY_KEEP_DAYS", "30"))
    TOKEN_KEEP_DAYS = int(_env("TOKEN_KEEP_DAYS", "7"))
    LOGIN_ATTEMPTS_KEEP_DAYS = int(_env("LOGIN_ATTEMPTS_KEEP_DAYS", "90"))
    #: Number of reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For /
    #: X-Forwarded-Proto to trust; 0 = none (direct). Login throttling by address needs the real client.
    TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", "0"))
    SQLITE_BUSY_TIMEOUT_MS = int(_env("SQLITE_BUSY_TIMEOUT_MS", "30000"))
    #: SQLite durability: "group" (default: each commit fsynced before it returns, outside the write lock,
    #: so one fsync can serve several writers) or "full" (SQLite's synchronous=FULL, fsync inside COMMIT).
    #: Both: a transaction the app reported as saved survives a power cut.
    SQLITE_SYNC = _env("SQLITE_SYNC", "group")
    #: PostgreSQL: a pooled connection idle longer than this (milliseconds) is pinged before a request gets
    #: it; one used more recently is pinged only if the server spoke to it while idle (coop.db.install_liveness_check).
    DATABASE_PING_AFTER_IDLE_MS = int(_env("DATABASE_PING_AFTER_IDLE_MS", "500"))
    #: Bounded retries of a unit of work on deadlock / serialization failure (PostgreSQL).
    TX_RETRIES = int(_env("TX_RETRIES", "5"))
    #: Largest amount of one journal line (rupiah). Exports total in Python ints, so no sum overflows.
    LEDGER_MAX_LINE_AMOUNT = int(_env("LEDGER_MAX_LINE_AMOUNT", str(10**13)))
    #: Every import (coop.uploads.ImportLimits: residents, savings and ledger opening balances): rows, columns and characters a cell; errors
    #: listed (the rest are counted by code); an XLSX is refused unpacked past IMPORT_MAX_UNPACKED_MB or
    #: when a member is compressed more than IMPORT_MAX_COMPRESSION_RATIO times; rows written per batch.
    IMPORT_MAX_ROWS = int(_env("IMPORT_MAX_ROWS", "200000"))
    IMPORT_MAX_COLUMNS = int(_env("IMPORT_MAX_COLUMNS", "100"))
    IMPORT_MAX_CELL_CHARS = int(_env("IMPORT_MAX_CELL_CHARS", "1000"))
    IMPORT_MAX_ERRORS = int(_env("IMPORT_MAX_ERRORS", "1000"))
    IMPORT_MAX_UNPACKED_MB = int(_env("IMPORT_MAX_UNPACKED_MB", "300"))
    IMPORT_MAX_COMPRESSION_RATIO = int(_env("IMPORT_MAX_COMPRESSION_RATIO", "100"))
    IMPORT_BATCH_ROWS = int(_env("IMPORT_BATCH_ROWS", "2000"))
    DEMO_PASSWORD = _env("DEMO_PASSWORD", "desa-migran-2026")
    BOOTSTRAP_SERVE_LOCAL = True
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    #: Outreach (docs/operations.md, "Messaging"): manual (wa.me links, default), gammu, whatsapp_cloud, kannel.
    MESSAGING_CHANNEL = _env("MESSAGING_CHANNEL", "manual")
    MESSAGING_MAX_ATTEMPTS = int(_env("MESSAGING_MAX_ATTEMPTS", "5"))
    MESSAGING_BACKOFF_SECONDS = int(_env("MESSAGING_BACKOFF_SECONDS", "300"))
    MESSAGING_TIMEOUT_SECONDS = int(_env("MESSAGING_TIMEOUT_SECONDS", "10"))
    #: gammu-smsd's database (empty: its tables live in the app's own database)
    GAMMU_DATABASE_URL = _env("GAMMU_DATABASE_URL")
    WHATSAPP_API_BASE_URL = _env("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v21.0")
    WHATSAPP_PHONE_NUMBER_ID = _env("WHATSAPP_PHONE_NUMBER_ID")
    WHATSAPP_ACCESS_TOKEN = _env("WHATSAPP_ACCESS_TOKEN")
    WHATSAPP_TEMPLATE_LANGUAGE = _env("WHATSAPP_TEMPLATE_LANGUAGE", "id")
    WHATSAPP_TEMPLATE_PREFIX = _env("WHATSAPP_TEMPLATE_PREFIX", "coop_")
    KANNEL_SENDSMS_URL = _env("KANNEL_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms")
    KANNEL_USERNAME = _env("KANNEL_USERNAME")
    KANNEL_PASSWORD = _env("KANNEL_PASSWORD")
    KANNEL_FROM = _env("KANNEL_FROM")


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    LOGIN_MAX_FAILURES = 5


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env("COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
