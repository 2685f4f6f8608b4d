"""Password policy: at least 10 characters and not a common password (a packaged list, offline)."""
from __future__ import annotations

import functools
from importlib import resources

from coop.text import N_

MIN_LENGTH = 10
TOO_SHORT = N_("Kata sandi minimal 10 karakter.")
TOO_COMMON = N_("Kata sandi ini terlalu umum (ada di daftar kata sandi yang sering dipakai).")
LIKE_USERNAME = N_("Kata sandi tidak boleh sama dengan nama pengguna.")


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("coop.data").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def problems(password: str | None, username: str | None = None) -> list[str]:
    """What is wrong with ``password`` (Indonesian messages, marked for translation); empty when fine."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if password.lower() in common_passwords():
        return [TOO_COMMON]
    if username and password.strip().lower() == username.strip().lower():
        return [LIKE_USERNAME]
    return []
