"""The demo cooperative "Koperasi Desmigratif Demo": deterministic (seeded), loaded through the services.

Each area appends a step ``fn(ctx)`` to :data:`STEPS`; ``ctx`` carries the cooperative, the demo users,
a seeded ``random.Random`` and the reference date. ``load_demo`` is idempotent: it does nothing when
the demo cooperative exists.

All or nothing: the whole load is ONE unit of work. The steps still wrap their chunks in ``atomic(...)``,
which inside the open unit of work simply calls through, so the only commit is at the very end and a
failure anywhere (a bug, a refused posting, Ctrl-C) rolls everything back: no half-built demo
cooperative is left to make the next run say "already exists". A step that tries something and goes on
when it is refused uses :func:`coop.db.attempt` (a SAVEPOINT), so the refused part alone is undone. One
transaction is also faster than one commit per chunk (no fsync per chunk on SQLite).
"""
from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from coop.auth import services as auth_services
from coop.auth.models import Cooperative, User
from coop.auth.roles import ADMIN, AUDITOR, COORDINATOR, MANAGER, OFFICER, TREASURER
from coop.db import atomic, attempt, db, refresh_statistics, unit_of_work  # noqa: F401  (attempt: the steps' SAVEPOINT helper)
from coop.onboarding import found_cooperative
from coop.programme.services import create_coordinator

DEMO_NAME = "Koperasi Desmigratif Demo"
#: Desa Pakel (35.04.04.2001), Kabupaten Tulungagung, a PMI pocket in East Java.
DEMO_VILLAGE = "3504042001"
DEMO_USERS = [
    ("admin", "Admin Koperasi", ADMIN),
    ("bendahara", "Siti Rahayu", TREASURER),
    ("manajer", "Bambang Sutrisno", MANAGER),
    ("petugas", "Dewi Lestari", OFFICER),
    ("auditor", "Agus Wibowo", AUDITOR),
]

#: Logins that area steps create (e.g. a member login), printed with the staff logins.
EXTRA_DEMO_USERS: list[tuple[str, str, str]] = [
    ("anggota", "Sri Wahyuni (Anggota, PMI purna)", "member"),
    ("pendamping", "Rina Marlina (Pendamping parenting)", "facilitator"),
    ("koordinator", "Hendra Wijaya (Koordinator Disnaker Kab. Tulungagung)", COORDINATOR),
]
#: The demo coordinator (programme monitoring) sees the demo cooperative's regency: Tulungagung, 3504.
DEMO_COORDINATOR_REGION = DEMO_VILLAGE[:4]

#: Dotted "module:function" of each area's demo step, in dependency order.
# the tables the demo's steps fill by the thousand (PostgreSQL statistics refreshed between steps)
_BULK_TABLES = ("residents", "members", "accounts", "journal_entries", "postings", "loans",
                "loan_instalments", "savings_accounts")

STEPS: list[str] = [
    "coop.registry.demo:load",
    "coop.membership.demo:load",
    "coop.loans.demo:load",
    # interest of the months that ran, settled after past-dated postings on savings (before last year closes)
    "coop.savings.demo:load",
    "coop.training.demo:load",
    "coop.desk.demo:load",
    "coop.ledger.demo:load",
    "coop.reports.demo:load",
    "coop.parenting.demo:load",
    # and again after the SHU payouts into sukarela (this year's months only differ by then)
    "coop.savings.demo:load",
]


@dataclass
class DemoContext:
    cooperative: Cooperative
    users: dict[str, User]
    rng: random.Random
    today: date
    echo: object = print
    data: dict = field(default_factory=dict)
    #: Password of every demo login (COOP_DEMO_PASSWORD).
    password: str = ""


def _resolve(step: str):
    module, name = step.split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return getattr(mod, name, None)


def load_demo(password: str, today: date, echo=print) -> tuple[Cooperative, bool]:
    """Create the demo cooperative, its users and every area's demo data in ONE unit of work (all or
    nothing: any exception leaves no trace of the demo cooperative). Returns (coop, created)."""
    with unit_of_work():
        existing = db.session.scalar(sa.select(Cooperative).where(Cooperative.name == DEMO_NAME))
        if existing is not None:
            return existing, False
        coop = _load(password, today, echo)
    return coop, True


def _coordinator(password: str, echo) -> None:
    """The demo coordinator (no cooperative; region: the demo's regency), unless the installation already
    has a user of that name (usernames are unique across it)."""
    username, full_name, _role = next(u for u in EXTRA_DEMO_USERS if u[2] == COORDINATOR)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        echo(f"  demo: pengguna {username} sudah ada; koordinator demo tidak dibuat")
        return
    create_coordinator(username=username, full_name=full_name, region=DEMO_COORDINATOR_REGION,
                       password=password, actor=None)


def _load(password: str, today: date, echo) -> Cooperative:
    def _base():
        coop = found_cooperative(name=DEMO_NAME, village_code=DEMO_VILLAGE,
                                                legal_number="AHU-0001234.AH.01.29.TAHUN 2024",
                                                address="Balai Desa Pakel, Kabupaten Tulungagung, Jawa Timur",
                                                # the start of its history (membership/demo.py): no
                                                # money-moving date may precede it
                                                founded_on=date(today.year - 1, 1, 1))
        users = {}
        for username, full_name, role in DEMO_USERS:
            users[username] = auth_services.create_user(cooperative_id=coop.id, username=username,
                                                        full_name=full_name, role=role, password=password)
        _coordinator(password, echo)
        return coop.id

    coop_id = atomic(_base)
    coop = db.session.get(Cooperative, coop_id)
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.cooperative_id == coop_id))}
    ctx = DemoContext(cooperative=coop, users=users, rng=random.Random(20261127), today=today, echo=echo,
                      password=password)
    for step in STEPS:
        fn = _resolve(step)
        if fn is None:
            continue
        echo(f"  demo: {step.split(':')[0]} ...")
        # the earlier steps' rows are uncommitted in this one transaction, so autovacuum never analyses
        # them: without this PostgreSQL plans the next step's queries for empty tables (nested loops; the
        # savings interest and year-end queries took minutes each)
        refresh_statistics(*_BULK_TABLES)
        fn(ctx)
    echo("  demo: menyimpan ...")
    return coop
