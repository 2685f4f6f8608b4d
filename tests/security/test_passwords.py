"""Finding 3: password policy (10 characters, not a common password)."""
from __future__ import annotations

import pytest

from coop.auth import passwords
from coop.auth.services import create_user
from coop.db import atomic
from coop.errors import ValidationError


@pytest.mark.parametrize("weak", ["12345678", "password", "demo12345", "password123", "Password2024",
                                  "qwertyuiop", "1234567890", "bismillah123", "x" * 9])
def test_weak_passwords_are_refused(coop, weak):
    """Are short or common passwords refused when a user is created?"""
    with pytest.raises(ValidationError) as exc:
        atomic(create_user, cooperative_id=coop.id, username="baru", full_name="Baru", role="officer",
               password=weak)
    assert "password" in exc.value.fields


def test_a_long_uncommon_password_passes():
    """Do the new demo default and the suite's password pass the policy?"""
    assert passwords.problems("desa-migran-2026") == []
    assert passwords.problems("rahasia-123") == []
    assert len(passwords.common_passwords()) > 2000


def test_demo_default_password_passes_the_policy(app):
    """Is the configured demo password one the policy accepts (the old demo12345 was 9 characters)?"""
    assert passwords.problems(app.config["DEMO_PASSWORD"]) == []
