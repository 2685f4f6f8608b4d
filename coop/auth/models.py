"""Cooperatives (tenants), their stored settings, users, API tokens and login attempts."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from coop.auth.roles import KNOWN_ROLES, SERVICE_ROLES
from coop.db import Base, TimestampMixin, UTCDateTime, intpk


class Cooperative(TimestampMixin, Base):
    """A koperasi: the tenant. Every tenant-owned row points here."""

    #: Read at authentication and kept loaded when a unit of work starts (coop.db._end_read_transaction).
    KEEP_LOADED_ACROSS_WRITES = True

    __tablename__ = "cooperatives"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    legal_number: Mapped[str | None] = mapped_column(String(100))
    #: 10-digit Kemendagri village code (PPKKCCDDDD).
    village_code: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    #: The founding date (akta pendirian): when set, no money moves and no decision is dated before it
    #: (coop.datebounds). NULL: no bound but coop.datebounds.FLOOR.
    founded_on: Mapped[date | None] = mapped_column(sa.Date)


class User(TimestampMixin, Base):

    #: Read at authentication and kept loaded when a unit of work starts (coop.db._end_read_transaction).
    KEEP_LOADED_ACROSS_WRITES = True
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in KNOWN_ROLES) + ")", name="role_known"),
        # a cooperative's roles have a cooperative; the service roles have none
        sa.CheckConstraint("(cooperative_id IS NULL) = (role IN (" + ", ".join(f"'{r}'" for r in SERVICE_ROLES)
                           + "))", name="service_roles_without_cooperative"),
        sa.CheckConstraint("region IS NULL OR role = 'coordinator'", name="region_only_for_coordinator"),
    )

    id: Mapped[intpk]
    #: NULL for the service roles (coordinator, service_admin: coop.auth.roles.SERVICE_ROLES).
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    #: A coordinator's scope: a Kemendagri province (2 digits), regency (4) or district (6) code.
    region: Mapped[str | None] = mapped_column(String(6))
    #: Login name, unique across the installation.
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    #: A resident's own login when they are not (yet) a member, e.g. a training applicant the officer
    #: gave a login (a member's resident is ``Member.resident_id``).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: Stored in the session cookie with the id (``get_id``) and compared on every request: log out,
    #: password change and deactivation bump it, so every copied cookie of the user stops working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    cooperative: Mapped[Cooperative | None] = relationship(lazy="joined")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version or 0}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class ApiToken(TimestampMixin, Base):
    """A bearer token; only its SHA-256 is stored."""

    #: Read at authentication and kept loaded when a unit of work starts (coop.db._end_read_transaction).
    KEEP_LOADED_ACROSS_WRITES = True

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Every login attempt, for throttling and for the security log."""

    __tablename__ = "login_attempts"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LoginThrottle(Base):
    """One throttling counter (key ``u:<username>|a:<address>`` or ``a:<address>``): failures inside the
    window that started at ``window_started_at``. Incremented atomically (INSERT .. ON CONFLICT DO UPDATE
    .. RETURNING) BEFORE the password is checked, so concurrent attempts cannot overrun the limit."""

    __tablename__ = "login_throttles"

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(200), unique=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int]


class IdempotentRequest(Base):
    """A money-moving API request made with an ``Idempotency-Key``: its fingerprint and response.

    Written in the same unit of work as the request's effects, so a replay returns the stored response
    and a concurrent duplicate fails on the unique key, rolls back and then replays.
    """

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("cooperative_id", "key"),)

    id: Mapped[intpk]
    # no index of its own: the unique key (cooperative_id, key) serves the cooperative's rows (migration 0029)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
