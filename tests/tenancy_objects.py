"""Factories for the tenant-isolation test (tests/test_tenancy.py).

Every route argument named ``<int:NAME>`` must have a factory here that creates such an object in
ANOTHER cooperative and returns its id. The isolation test walks the URL map and fails for any route
whose argument has no factory, so routes added later are covered automatically.

A factory is ``fn(ctx) -> int`` where ``ctx`` has ``coop`` (cooperative B), ``users`` (B's users by
role), ``today`` and ``cache`` (a dict to share objects between factories).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

FACTORIES: dict[str, Callable] = {}


@dataclass
class Ctx:
    """What a factory gets: the cooperative to create objects in, its users by role, today, a cache."""

    coop: object
    users: dict
    today: date
    cache: dict = field(default_factory=dict)


def factory(*arg_names: str):
    def decorator(fn):
        for name in arg_names:
            FACTORIES[name] = fn
        return fn
    return decorator


@factory("user_id")
def _user(ctx):
    return ctx.users["treasurer"].id


@factory("ledger_account_id")
def _ledger_account(ctx):
    from coop.ledger.services import account_by_code

    return account_by_code(ctx.coop.id, "1101").id


# Areas register their factories in tests/<area>/tenancy.py; import them here so the registry is full.
import importlib  # noqa: E402
from pathlib import Path  # noqa: E402

for _sub in sorted(p.name for p in Path(__file__).parent.iterdir() if (p / "tenancy.py").exists()):
    importlib.import_module(f"tests.{_sub}.tenancy")
