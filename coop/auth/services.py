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
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from coop import audit, datebounds
from coop.auth import passwords
from coop.auth.models import ApiToken, Cooperative, IdempotentRequest, LoginAttempt, LoginThrottle, User
from coop.auth.roles import ALL_ROLES, COORDINATOR, SERVICE_ROLES
from coop.db import Prepared, adopt, atomic, connection, current_session, db, dialect_name
from coop.errors import Conflict, NotFound, ValidationError
from coop.text import N_

log = logging.getLogger("coop.security")


@dataclass
class AuthResult:
    user: User | None
    throttled: bool = False
    extra: object = None


def _throttle_keys(username: str, address: str) -> tuple[str, str]:
    return f"u:{username[:80]}|a:{address[:64]}", f"a:{address[:64]}"


def _bump(key: str, now: datetime, since: datetime, delta: int) -> int:
    """Add ``delta`` to a throttling counter in one statement (a window older than ``since`` restarts at
    ``delta``) and return the new count: INSERT .. ON CONFLICT DO UPDATE .. RETURNING on both databases,
    so concurrent attempts each see a distinct count."""
    dialect = dialect_name(current_session())
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = LoginThrottle.__table__
    stmt = insert(table).values(key=key, window_started_at=now, failures=max(delta, 0))
    expired = table.c.window_started_at < since
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "failures": sa.case((expired, max(delta, 0)), else_=sa.func.max(table.c.failures + delta, 0)
                            if dialect == "sqlite" else sa.func.greatest(table.c.failures + delta, 0)),
        "window_started_at": sa.case((expired, now), else_=table.c.window_started_at),
    }).returning(table.c.failures)
    return db.session.execute(stmt).scalar_one()


def reserve_attempt(username: str, address: str, *, now: datetime, max_failures: int,
                    address_max_failures: int, window_seconds: int) -> bool:
    """Count this attempt as a failure in advance against (username, address) and against the address;
    False (throttled) when either is over its limit. A success gives the slot back (:func:`record_attempt`).

    Counting before the password check is what bounds the password checks: 40 concurrent attempts get
    40 distinct counts, and only those within the limit go on to check a password."""
    since = now - timedelta(seconds=window_seconds)
    pair, addr = _throttle_keys(username, address)
    pair_count = _bump(pair, now, since, 1)
    addr_count = _bump(addr, now, since, 1)
    return pair_count <= max_failures and addr_count <= address_max_failures


def record_attempt(username: str, address: str, *, succeeded: bool, now: datetime, window_seconds: int) -> None:
    """The security log row; a success clears the (username, address) counter and returns the address's
    reserved slot."""
    db.session.add(LoginAttempt(username=username[:80], address=address[:64], succeeded=succeeded, at=now))
    if succeeded:
        since = now - timedelta(seconds=window_seconds)
        pair, addr = _throttle_keys(username, address)
        if _bump(addr, now, since, -1) == 0:
            db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_((pair, addr))))
        else:
            db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == pair))
    db.session.flush()


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def check_credentials(username: str, password: str) -> User | None:
    """The active user with this username and password, else None. An unknown (or inactive) username
    costs one scrypt check too, so the answer time does not tell which usernames exist. Read-only: call it
    outside any write transaction (scrypt takes ~0.2 s)."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.is_active:
        check_password_hash(_dummy_hash(), password or "")
        return None
    return user if user.check_password(password or "") else None


def authenticate(username: str, password: str, *, address: str, now: datetime,
                 max_failures: int = 5, window_seconds: int = 60, address_max_failures: int | None = None,
                 then=None) -> AuthResult:
    """Check a login: a boundary like :func:`coop.db.atomic` (call it outside a unit of work).

    1. one short unit of work reserves the attempt in the throttling counters (refused: ``throttled``,
       the password is not even checked);
    2. the password is checked with no write transaction open;
    3. one short unit of work records the attempt (and runs ``then(user)`` on success, e.g. issuing a
       token), whose result is returned as ``AuthResult.extra``.
    """

    username = (username or "").strip().lower()
    address = address or "unknown"
    if address_max_failures is None:
        address_max_failures = max_failures * 4
    allowed = atomic(reserve_attempt, username, address, now=now, max_failures=max_failures,
                     address_max_failures=address_max_failures, window_seconds=window_seconds)
    if not allowed:
        log.warning("login throttled for username=%r address=%s", username, address)
        atomic(record_attempt, username, address, succeeded=False, now=now, window_seconds=window_seconds)
        return AuthResult(None, throttled=True)
    user = check_credentials(username, password)
    if user is None:
        log.info("login failed for username=%r address=%s", username, address)

    def _record():
        record_attempt(username, address, succeeded=user is not None, now=now, window_seconds=window_seconds)
        return then(user) if (then is not None and user is not None) else None

    return AuthResult(user, extra=atomic(_record))


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


_IDENTITY = (("t_", ApiToken), ("u_", User), ("c_", Cooperative))


def _split(row, prefixes=_IDENTITY) -> list[dict]:
    mapping = row._mapping
    return [{col.key: mapping[prefix + col.key] for col in model.__table__.c} for prefix, model in prefixes]


@functools.cache
def _column_keys(prefixes=_IDENTITY) -> tuple[tuple[tuple[str, ...], int, int], ...]:
    """Per model of ``prefixes``: its column keys and where they sit in a row (computed once: iterating a
    table's columns costs more than the split itself)."""
    out, at = [], 0
    for _, model in prefixes:
        keys = tuple(col.key for col in model.__table__.c)
        out.append((keys, at, at + len(keys)))
        at += len(keys)
    return tuple(out)


def _split_tuple(row: tuple, prefixes=_IDENTITY) -> list[dict]:
    """:func:`_split` for a plain tuple in the select's column order (a :class:`coop.db.Prepared` row)."""
    return [dict(zip(keys, row[start:end], strict=True)) for keys, start, end in _column_keys(prefixes)]


@functools.cache
def _identity_by_token(with_stored: bool = False) -> Prepared:
    """Token, user and cooperative in one row (an ORM query with two joined loads costs four times the
    Python), on the DBAPI cursor (:class:`coop.db.Prepared`): authentication runs on every API request.
    ``with_stored``: and the response stored in the user's cooperative for Idempotency-Key ``key`` (its last
    three columns, NULL when none: :mod:`coop.auth.idempotency`), a money-moving request's first read."""
    t, u, c = (model.__table__ for _, model in _IDENTITY)
    columns = [col.label(prefix + col.key) for prefix, model in _IDENTITY for col in model.__table__.c]
    source = t.join(u, u.c.id == t.c.user_id).outerjoin(c, c.c.id == u.c.cooperative_id)
    if with_stored:
        r = IdempotentRequest.__table__
        columns += [r.c.request_hash, r.c.status, r.c.response_body]
        source = source.outerjoin(r, sa.and_(r.c.cooperative_id == u.c.cooperative_id,
                                             r.c.key == sa.bindparam("key", type_=r.c.key.type)))
    return Prepared(sa.select(*columns).select_from(source)
                    .where(t.c.token_hash == sa.bindparam("token_hash", type_=t.c.token_hash.type)))


@functools.cache
def _identity_by_user():
    u, c = User.__table__, Cooperative.__table__
    return (sa.select(*(col.label(prefix + col.key) for prefix, model in _IDENTITY[1:] for col in model.__table__.c))
            .select_from(u.outerjoin(c, c.c.id == u.c.cooperative_id)).where(u.c.id == sa.bindparam("user_id")))


def token_for_raw(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token (not revoked, not expired, its user active) for a raw bearer value, else None.
    Revocation, expiry and deactivation are read from the database on every call (one Core row); the
    objects are the session's (:func:`coop.db.adopt`)."""
    return token_and_stored(raw, now=now)[0]


def token_and_stored(raw: str, *, now: datetime, idempotency_key: str | None = None
                     ) -> tuple[ApiToken | None, tuple[str, int, str] | None]:
    """:func:`token_for_raw`, and with ``idempotency_key`` the response stored for it in the user's
    cooperative (``(request_hash, status, response_body)`` or None, as
    :func:`coop.auth.idempotency.stored_response` reads it) from the SAME row: one statement instead of two
    for a money-moving request (issue 17). Nothing stored is returned without a live token."""
    params = {"token_hash": _hash_token(raw)}
    if idempotency_key is not None:
        params["key"] = idempotency_key
    rows = _identity_by_token(idempotency_key is not None).run(connection(), params)
    if not rows:
        return None, None
    row = rows[0]
    token, user, cooperative = _split_tuple(row)
    if token["revoked"] or token["expires_at"] <= now or not user["is_active"]:
        return None, None
    user_obj = adopt(User, {**user, "cooperative": _adopt_cooperative(cooperative)})
    stored = None
    if idempotency_key is not None and row[-3] is not None:
        stored = (row[-3], row[-2], row[-1])
    return adopt(ApiToken, {**token, "user": user_obj}), stored


def user_for_session(user_id: int, session_version: int) -> User | None:
    """The user a session cookie names, if still active and the cookie's version is the user's current one
    (log out, password change and deactivation move it on), else None. One Core row, like a token."""
    row = connection().execute(_identity_by_user(), {"user_id": user_id}).first()
    if row is None:
        return None
    user, cooperative = _split(row, _IDENTITY[1:])
    if not user["is_active"] or user["session_version"] != session_version:
        return None
    return adopt(User, {**user, "cooperative": _adopt_cooperative(cooperative)})


def _adopt_cooperative(values: dict) -> Cooperative | None:
    """The user's cooperative, or None for a service-level user (coordinator, service admin: the outer
    join gave NULLs)."""
    return None if values["id"] is None else adopt(Cooperative, values)


def user_for_token(raw: str, *, now: datetime) -> User | None:
    token = token_for_raw(raw, now=now)
    return token.user if token is not None else None


def revoke_token(token_id: int, *, actor: User) -> None:
    """Revoke one token (the caller's own: ``DELETE /auth/tokens/current``)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound("Token tidak ditemukan.")
    token.revoked = True
    db.session.flush()
    audit.record(actor, "auth.token_revoke", "api_token", token.id, {}, cooperative_id=actor.cooperative_id)


def end_sessions(user_id: int, *, keep_token_id: int | None = None) -> User:
    """Every session cookie of the user stops working (the session version moves on) and every token but
    ``keep_token_id`` is revoked. Returns the user (its new version is what a kept session must carry)."""
    user = db.session.get(User, user_id)
    user.session_version = (user.session_version or 0) + 1
    revoke = sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
    if keep_token_id is not None:
        revoke = revoke.where(ApiToken.id != keep_token_id)
    db.session.execute(revoke.values(revoked=True).execution_options(synchronize_session=False))
    db.session.flush()
    return user


def log_out(user_id: int) -> None:
    """Log out: every copy of the user's session cookie ends (tokens are kept: revoke them by API)."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.session_version = (user.session_version or 0) + 1
        db.session.flush()


def prepare_password_change(user: User, *, current_password: str, new_password: str) -> str:
    """Check the current password and the new one's policy and hash the new one: read-only and slow
    (two scrypt runs), so it runs BEFORE the unit of work (no write lock held meanwhile). A wrong
    ``current_password`` is a 422 naming that field (not a 401)."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(current_password or ""):
        errors["current_password"] = [N_("Kata sandi sekarang salah.")]
    weak = passwords.problems(new_password, user.username)
    if weak:
        errors["new_password"] = weak
    if errors:
        raise ValidationError("Kata sandi tidak diubah.", fields=errors)
    return generate_password_hash(new_password, method="scrypt")


def change_password(user_id: int, *, password_hash: str, keep_token_id: int | None = None) -> User:
    """Store a new password hash (from :func:`prepare_password_change`). Every other session and token
    ends; the caller keeps ``keep_token_id`` (API) or logs its own session in again with the returned
    user's new version (page)."""
    user = db.session.get(User, user_id)
    user.password_hash = password_hash
    end_sessions(user.id, keep_token_id=keep_token_id)
    audit.record(user, "user.password_change", "user", user.id, {}, cooperative_id=user.cooperative_id)
    return user


def set_active(cooperative_id: int, user_id: int, active: bool, *, actor: User | None) -> User:
    """Activate or deactivate a user. Deactivation ends every session and token of the user at once."""
    user = get_user(cooperative_id, user_id)
    if not active and actor is not None and actor.id == user.id:
        raise Conflict(N_("Anda tidak dapat menonaktifkan akun Anda sendiri."), code="self_deactivation",
                       fields={"active": [N_("Anda tidak dapat menonaktifkan akun Anda sendiri.")]})
    if user.is_active == active:
        return user
    user.is_active = active
    if not active:
        end_sessions(user.id)
    db.session.flush()
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id,
                 {"username": user.username}, cooperative_id=cooperative_id)
    return user


def create_cooperative(*, name: str, village_code: str, legal_number: str | None = None,
                       address: str | None = None, actor: User | None = None,
                       founded_on: date | None = None) -> Cooperative:
    """``founded_on`` (optional): no money-moving or decision date may precede it (coop.datebounds); it
    may not lie after today."""

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


REGION_FORMAT = N_("Kode wilayah: provinsi 2 digit, kabupaten/kota 4 digit atau kecamatan 6 digit.")


def create_user(*, cooperative_id: int | None, username: str, full_name: str, role: str, password: str,
                actor: User | None = None, region: str | None = None) -> User:
    """A user of a cooperative (``role`` one of ``ALL_ROLES``), or a service-level user without one
    (``cooperative_id=None``, role ``coordinator`` with a ``region`` code, or ``service_admin``)."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip().lower()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        errors["username"] = ["Nama pengguna hanya huruf, angka, titik dan garis bawah."]
    if role in SERVICE_ROLES:
        if cooperative_id is not None:
            errors["cooperative_id"] = ["Peran layanan tidak terikat pada satu koperasi."]
        if role == COORDINATOR:
            # the format only: coop.programme.services.create_coordinator checks the code is a known region
            if not (region and region.isdigit() and len(region) in (2, 4, 6)):
                errors["region"] = [REGION_FORMAT]
        elif region is not None:
            errors["region"] = ["Hanya koordinator yang punya wilayah."]
    elif role not in ALL_ROLES:
        errors["role"] = [f"Peran tidak dikenal: {role}"]
    elif cooperative_id is None:
        errors["cooperative_id"] = ["Pengguna koperasi harus punya koperasi."]
    elif region is not None:
        errors["region"] = ["Hanya koordinator yang punya wilayah."]
    weak = passwords.problems(password, username)
    if weak:
        errors["password"] = weak
    if errors:
        raise ValidationError("Data pengguna tidak valid.", fields=errors)
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict("Nama pengguna sudah dipakai.", code="username_taken",
                       fields={"username": ["Nama pengguna sudah dipakai."]})
    user = User(cooperative_id=cooperative_id, username=username, full_name=full_name, role=role,
                region=region if role == COORDINATOR else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, {"username": username, "role": role, "region": user.region},
                 cooperative_id=cooperative_id)
    return user


def users_of(cooperative_id: int) -> list[User]:
    """The cooperative's users by user name (the admin's user list and the audit log's actor names)."""
    return list(db.session.scalars(
        sa.select(User).where(User.cooperative_id == cooperative_id).order_by(User.username)))


def get_user(cooperative_id: int, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.cooperative_id != cooperative_id:
        raise NotFound("Pengguna tidak ditemukan.")
    return user
