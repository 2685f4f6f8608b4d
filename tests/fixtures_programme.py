"""Shared fixtures of programme monitoring: service-level users without a cooperative.

- ``make_coordinator(region)`` -> a coordinator of that region code (through
  :func:`coop.programme.services.create_coordinator`).
- ``make_service_admin()`` -> a service admin.
"""
from __future__ import annotations

import uuid

import pytest

#: The suite's password (tests/conftest.py PASSWORD), so ``login(user)`` works for these users too.
PASSWORD = "rahasia-123"


@pytest.fixture
def make_coordinator(app):
    from coop.db import atomic
    from coop.programme.services import create_coordinator

    def _make(region: str = "3504"):
        name = f"koord{uuid.uuid4().hex[:6]}"
        return atomic(create_coordinator, username=name, full_name=f"Koordinator {region}", region=region,
                      password=PASSWORD, actor=None)
    return _make


@pytest.fixture
def make_service_admin(app):
    from coop.auth.services import create_user
    from coop.db import atomic

    def _make():
        name = f"layanan{uuid.uuid4().hex[:6]}"
        return atomic(create_user, cooperative_id=None, username=name, full_name="Admin Layanan",
                      role="service_admin", password=PASSWORD)
    return _make
