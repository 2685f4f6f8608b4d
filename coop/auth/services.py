"""Authentication, login throttling, API tokens and user administration.

Services flush and never commit; the caller's unit of work commits.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from coop import audit
from coop.auth.models import ApiToken, Cooperative, LoginAttempt, User
from coop.auth.roles import ALL_ROLES
from coop.db import db
from coop.errors import Conflict, NotFound, ValidationError

log = logging.getLogger("coop.security")


@dataclass
class AuthResult:
    user: User | None
    throttled: bool = False


def is_throttled(username: str, address: str, now: datetime, max_failures: int, window_seconds: int) -> bool:
    """True when the username or the address has ``max_failures`` failures inside the window."""
    since = now - timedelta(seconds=window_seconds)
    failures = sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since,
        sa.or_(LoginAttempt.username == username.lower(), LoginAttempt.address == address))
    return db.session.scalar(failures) >= max_failures


def authenticate(username: str, password: str, *, address: str, now: datetime,
                 max_failures: int = 5, window_seconds: int = 60) -> AuthResult:
    """Check a login. Records the attempt; never raises for bad credentials, so the attempt is kept.

    :returns: the user on success; ``throttled=True`` when too many recent failures (the password is
        not even checked then).
    """
    username = (username or "").strip().lower()
    if is_throttled(username, address, now, max_failures, window_seconds):
        log.warning("login throttled for username=%r address=%s", username, address)
        db.session.add(LoginAttempt(username=username, address=address, succeeded=False, at=now))
        db.session.flush()
        return AuthResult(None, throttled=True)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    ok = bool(user and user.is_active and user.check_password(password or ""))
    db.session.add(LoginAttempt(username=username, address=address, succeeded=ok, at=now))
    if not ok:
        log.info("login failed for username=%r address=%s", username, address)
    db.session.flush()
    return AuthResult(user if ok else None)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, *, now: datetime, hours: int = 24) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_hash_token(raw), expires_at=now + timedelta(hours=hours))
    db.session.add(token)
    db.session.flush()
    audit.record(user, "auth.token_issue", "api_token", token.id, {"expires_at": token.expires_at},
                 cooperative_id=user.cooperative_id)
    return raw, token


@functools.cache
def _token_by_hash():
    return sa.select(ApiToken).where(ApiToken.token_hash == sa.bindparam("token_hash"))


def user_for_token(raw: str, *, now: datetime) -> User | None:
    token = db.session.scalar(_token_by_hash(), {"token_hash": _hash_token(raw)})
    if token is None or token.revoked or token.expires_at <= now or not token.user.is_active:
        return None
    return token.user


def create_cooperative(*, name: str, village_code: str, legal_number: str | None = None,
                       address: str | None = None, actor: User | None = None,
                       founded_on: date | None = None) -> Cooperative:
    """``founded_on`` (optional): no money-moving or decision date may precede it (coop.datebounds); it
    may not lie after today."""
    from coop import datebounds

    if not (village_code.isdigit() and len(village_code) == 10):
        raise ValidationError("Kode desa harus 10 digit.", fields={"village_code": ["Kode desa harus 10 digit."]})
    if founded_on is not None:
        datebounds.check_is_date(founded_on, "founded_on")
        datebounds.check_not_before_founding(founded_on, "founded_on", None)
        datebounds.check_not_future(founded_on, "founded_on", None)
    coop = Cooperative(name=name, village_code=village_code, legal_number=legal_number, address=address,
                       founded_on=founded_on)
    db.session.add(coop)
    db.session.flush()
    audit.record(actor, "cooperative.create", "cooperative", coop.id,
                 {"name": name, "village_code": village_code}, cooperative_id=coop.id)
    return coop


def create_user(*, cooperative_id: int, username: str, full_name: str, role: str, password: str,
                actor: User | None = None) -> User:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip().lower()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        errors["username"] = ["Nama pengguna hanya huruf, angka, titik dan garis bawah."]
    if role not in ALL_ROLES:
        errors["role"] = [f"Peran tidak dikenal: {role}"]
    if len(password or "") < 8:
        errors["password"] = ["Kata sandi minimal 8 karakter."]
    if errors:
        raise ValidationError("Data pengguna tidak valid.", fields=errors)
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict("Nama pengguna sudah dipakai.", code="username_taken",
                       fields={"username": ["Nama pengguna sudah dipakai."]})
    user = User(cooperative_id=cooperative_id, username=username, full_name=full_name, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, {"username": username, "role": role},
                 cooperative_id=cooperative_id)
    return user


def get_user(cooperative_id: int, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.cooperative_id != cooperative_id:
        raise NotFound("Pengguna tidak ditemukan.")
    return user
