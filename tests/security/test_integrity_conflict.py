"""Finding 9: a database IntegrityError is a 409 conflict, never a 500."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coop.auth import services


@pytest.fixture
def duplicate_insert(monkeypatch):
    """Make user (de)activation run a real duplicate INSERT (unique key refused by the database)."""
    from coop.auth.models import LoginThrottle
    from coop.db import db

    def boom(*args, **kwargs):
        now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
        db.session.execute(LoginThrottle.__table__.insert(), {"key": "dup", "window_started_at": now, "failures": 1})
        db.session.execute(LoginThrottle.__table__.insert(), {"key": "dup", "window_started_at": now, "failures": 1})

    monkeypatch.setattr(services, "set_active", boom)


def test_api_integrity_error_is_a_409_conflict_envelope(api, users, duplicate_insert):
    """Does the API answer 409 with code 'conflict' (and nothing half-written) instead of a 500?"""
    resp = api(users["admin"]).patch(f"/users/{users['member'].id}", json={"active": False})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "conflict"
    assert api(users["admin"]).get("/me").status_code == 200


def test_page_integrity_error_is_a_409_page(client, users, login, duplicate_insert):
    """Does a page answer a 409 page instead of a 500?"""
    login(users["admin"])
    resp = client.post(f"/admin/users/{users['member'].id}/active", data={"active": "0"})
    assert resp.status_code == 409
