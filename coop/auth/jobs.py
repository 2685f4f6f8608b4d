"""Pruning of the tables that otherwise grow without bound: login attempts and throttling counters,
stored idempotent responses, and expired or revoked API tokens (a daily job)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from coop.auth.models import ApiToken, IdempotentRequest, LoginAttempt, LoginThrottle, User
from coop.db import db


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def prune(cooperative_id: int, as_of: date) -> str:
    """Delete what is older than the keep periods, counted back from the business date ``as_of``:

    - the cooperative's stored ``Idempotency-Key`` responses after ``IDEMPOTENCY_KEEP_DAYS`` (30): a
      client retrying a request later than that is no longer recognised as a replay;
    - tokens of the cooperative's users expired (or revoked and issued) more than ``TOKEN_KEEP_DAYS`` (7) ago;
    - login attempts (the security log) after ``LOGIN_ATTEMPTS_KEEP_DAYS`` (90) and throttling counters
      whose window ended a day ago (both installation-wide: the first cooperative's run does it).
    Idempotent: a second run the same day deletes nothing more.
    """
    cfg = current_app.config
    today = _start_of(as_of)
    users = sa.select(User.id).where(User.cooperative_id == cooperative_id)
    idem = db.session.execute(sa.delete(IdempotentRequest).where(
        IdempotentRequest.cooperative_id == cooperative_id,
        IdempotentRequest.created_at < today - timedelta(days=cfg.get("IDEMPOTENCY_KEEP_DAYS", 30)))).rowcount
    token_cutoff = today - timedelta(days=cfg.get("TOKEN_KEEP_DAYS", 7))
    tokens = db.session.execute(sa.delete(ApiToken).where(
        ApiToken.user_id.in_(users),
        sa.or_(ApiToken.expires_at < token_cutoff,
               sa.and_(ApiToken.revoked.is_(True), ApiToken.created_at < token_cutoff)))).rowcount
    attempts = db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.at < today - timedelta(days=cfg.get("LOGIN_ATTEMPTS_KEEP_DAYS", 90)))).rowcount
    throttles = db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.window_started_at < today - timedelta(days=1))).rowcount
    return (f"{idem} respons idempoten, {tokens} token, {attempts} percobaan login, "
            f"{throttles} penghitung pembatasan dihapus")
