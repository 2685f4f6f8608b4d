"""Finding 13: a daily job prunes login attempts, old idempotent responses and expired tokens."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from coop.auth.models import ApiToken, IdempotentRequest, LoginAttempt, LoginThrottle
from coop.db import atomic, db
from coop.jobs import JOBS, _load_job_modules, run_due


def _at(day, days_back):
    return datetime.combine(day, time(0), tzinfo=UTC) - timedelta(days=days_back)


def test_prune_job_is_registered():
    """Is auth.prune in the jobs list, daily?"""
    _load_job_modules()
    job = next(j for j in JOBS if j.id == "auth.prune")
    assert job.frequency == "daily"


def test_prune_deletes_only_what_is_past_its_keep_period(coop, make_coop, users, today):
    """Old rows go (idempotent response 31 days, token expired 8 days, login attempt 91 days, a stale
    counter); recent ones stay (29 days, a live token, 89 days); another cooperative's response stays."""
    other = make_coop(name="Lain")
    uid = users["treasurer"].id
    rows = [
        IdempotentRequest(cooperative_id=coop.id, key="lama", request_hash="h", status=201, response_body="{}",
                          created_at=_at(today, 31)),
        IdempotentRequest(cooperative_id=coop.id, key="baru", request_hash="h", status=201, response_body="{}",
                          created_at=_at(today, 29)),
        IdempotentRequest(cooperative_id=other.id, key="lama", request_hash="h", status=201, response_body="{}",
                          created_at=_at(today, 31)),
        ApiToken(user_id=uid, token_hash="a" * 64, expires_at=_at(today, 8)),
        ApiToken(user_id=uid, token_hash="b" * 64, expires_at=_at(today, -1)),
        LoginAttempt(username="x", address="1.1.1.1", succeeded=False, at=_at(today, 91)),
        LoginAttempt(username="x", address="1.1.1.1", succeeded=False, at=_at(today, 89)),
        LoginThrottle(key="a:1.1.1.1", window_started_at=_at(today, 2), failures=3),
    ]
    db.session.add_all(rows)
    db.session.flush()
    done = run_due(coop.id, today, only="auth.prune", echo=lambda _m: None)
    assert done == [f"auth.prune {today.isoformat()}: 1 respons idempoten, 1 token, 1 percobaan login, "
                    "1 penghitung pembatasan dihapus"]
    keys = set(db.session.execute(sa.select(IdempotentRequest.cooperative_id, IdempotentRequest.key)).all())
    assert (coop.id, "lama") not in keys and (coop.id, "baru") in keys and (other.id, "lama") in keys
    hashes = set(db.session.scalars(sa.select(ApiToken.token_hash).where(ApiToken.user_id == uid)))
    assert "a" * 64 not in hashes and "b" * 64 in hashes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == "x")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0
    assert atomic(lambda: run_due(coop.id, today, only="auth.prune", echo=lambda _m: None)) == []
