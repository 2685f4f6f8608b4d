"""``flask --app coop ...`` commands. Each command is a boundary: it opens the unit of work."""
from __future__ import annotations

import os
import sqlite3
from datetime import date

import click
import sqlalchemy as sa
from flask import Flask, current_app

from coop import clock
from coop.db import atomic, db

#: Areas add their command groups here ("module:attribute" of a click command or group).
COMMAND_MODULES: list[str] = [
    "coop.ledger.cli:ledger_cli",
    "coop.registry.cli:registry_cli",
    "coop.membership.cli:members_cli",
    "coop.reports.cli:exports_cli",
    "coop.ledger.loans.cli:loans_cli",
    "coop.training.cli:training_cli",
]


def _today() -> date:
    """The service's business date (the default time zone's; see coop.clock) for commands without a
    cooperative."""
    return clock.business_date(None)


@click.command("demo")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference date of the demo history (default: today in Asia/Jakarta).")
def demo_cmd(as_of):
    """Load the demo cooperative (idempotent; all or nothing: a failure leaves no partial demo)."""
    from coop.demo import DEMO_USERS, load_demo

    password = current_app.config["DEMO_PASSWORD"]
    today = as_of.date() if as_of else _today()
    try:
        coop, created = load_demo(password, today, echo=click.echo)
    except BaseException:
        click.echo("Demo gagal dimuat: semuanya dibatalkan, tidak ada yang tersimpan. "
                   "Perbaiki penyebabnya lalu jalankan `flask demo` lagi.", err=True)
        raise
    click.echo(("Koperasi demo dibuat: " if created else "Koperasi demo sudah ada: ") + coop.name)
    click.echo("Pengguna demo (kata sandi: %s):" % password)
    from coop.demo import EXTRA_DEMO_USERS

    for username, full_name, role in DEMO_USERS + EXTRA_DEMO_USERS:
        click.echo(f"  {username:<10} {role:<10} {full_name}")


@click.group("cooperatives")
def cooperatives_cli():
    """Manage cooperatives (tenants)."""


@cooperatives_cli.command("create")
@click.option("--name", required=True)
@click.option("--village-code", required=True, help="Kode desa Kemendagri, 10 digits.")
@click.option("--legal-number", default=None, help="Nomor badan hukum (AHU).")
@click.option("--address", default=None)
def cooperatives_create(name, village_code, legal_number, address):
    """Create a cooperative with its chart of accounts and default savings products (then add its first admin with `users create`)."""
    from coop.auth.services import found_cooperative
    from coop.errors import CoopError

    def _create():
        return found_cooperative(name=name, village_code=village_code, legal_number=legal_number,
                                 address=address).id

    try:
        coop_id = atomic(_create)
    except CoopError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
    click.echo(f"Koperasi {name} dibuat (id {coop_id}).")


@cooperatives_cli.command("list")
def cooperatives_list():
    """List cooperatives with their ids."""
    from coop.auth.models import Cooperative

    for c in db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)):
        click.echo(f"{c.id:>4}  {c.village_code}  {c.name}")


@click.group("users")
def users_cli():
    """Manage users."""


@users_cli.command("create")
@click.option("--cooperative-id", type=int, required=True)
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "treasurer", "manager", "officer",
                                                          "auditor", "member"]))
@click.password_option()
def users_create(cooperative_id, username, full_name, role, password):
    """Create a user of a cooperative."""
    from coop.auth.services import create_user
    from coop.errors import CoopError

    try:
        user = atomic(create_user, cooperative_id=cooperative_id, username=username, full_name=full_name,
                      role=role, password=password)
    except CoopError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
    click.echo(f"Pengguna {user.username} dibuat (id {user.id}).")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Deactivate a user: every session and API token of theirs ends at once."""
    from flask_babel import gettext

    from coop.auth.models import User
    from coop.auth.services import set_active

    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(gettext("Pengguna %(name)s tidak ditemukan.", name=username))
    atomic(set_active, user.cooperative_id, user.id, False, actor=None)
    click.echo(gettext("Pengguna %(name)s dinonaktifkan; semua sesi dan tokennya berakhir.", name=user.username))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_cmd(path):
    """Online backup of the SQLite database to PATH (PostgreSQL: use pg_dump, see README)."""
    url = sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException("Backup bawaan hanya untuk SQLite. Untuk PostgreSQL gunakan: pg_dump -Fc DBNAME > PATH")
    src = sqlite3.connect(url.database)
    dst = sqlite3.connect(path)
    with click.progressbar(length=100, label="Backup") as bar:
        def progress(status, remaining, total):
            bar.update(int(100 * (total - remaining) / max(total, 1)) - bar.pos)
        src.backup(dst, pages=256, progress=progress)
        bar.update(100 - bar.pos)
    dst.close()
    src.close()
    click.echo(f"Backup tersimpan di {os.path.abspath(path)}")


@click.group("jobs")
def jobs_cli():
    """Scheduled jobs."""


@jobs_cli.command("run")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this date (default: each cooperative's business date).")
@click.option("--job", "only", default=None, help="Run only this job id.")
@click.option("--allow-future", is_flag=True, default=False,
              help="Allow --as-of more than one day after the business date (never for a wrong server clock).")
def jobs_run(as_of, only, allow_future):
    """Run every due job once for every cooperative (cron-friendly; catches up missed periods).

    Without ``--as-of`` each cooperative runs as of its own business date (its time zone). A date more than
    one day after the business date is refused, and nothing is posted, unless ``--allow-future`` is given:
    a server whose clock jumped after a power cut must not post a year of interest at once."""
    from coop.auth.models import Cooperative
    from coop.jobs import run_due

    coops = db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)).all()
    if as_of is not None and not allow_future:
        ahead = [c for c in coops if (as_of.date() - clock.business_date(c)).days > 1]
        if ahead:
            c = ahead[0]
            raise click.ClickException(
                f"--as-of {as_of.date().isoformat()} lebih dari satu hari setelah tanggal usaha "
                f"{clock.business_date(c).isoformat()} ({c.name}); tidak ada yang dijalankan. "
                f"Gunakan --allow-future bila memang disengaja.")
    for coop in coops:
        day = as_of.date() if as_of else clock.business_date(coop)
        run_due(coop.id, day, only=only, echo=click.echo)


@jobs_cli.command("list")
def jobs_list():
    from coop.jobs import JOBS, _load_job_modules

    _load_job_modules()
    for job in JOBS:
        click.echo(f"{job.id:<28} {job.frequency:<8} {job.cron}  {job.description}")


@click.command("scheduler")
def scheduler_cmd():
    """Run APScheduler's BlockingScheduler in this ONE process (never inside web workers)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from coop.auth.models import Cooperative
    from coop.jobs import JOBS, _load_job_modules, run_due

    app = current_app._get_current_object()
    _load_job_modules()
    sched = BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])

    def run_all(job_id):
        with app.app_context():
            for coop in db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)).all():
                run_due(coop.id, clock.business_date(coop), only=job_id, echo=app.logger.info)

    for job in JOBS:
        sched.add_job(run_all, "cron", args=[job.id], id=job.id, **job.cron)
    click.echo(f"Scheduler started with {len(JOBS)} jobs. Ctrl+C to stop.")
    sched.start()


def register(app: Flask) -> None:
    import importlib

    for cmd in (demo_cmd, cooperatives_cli, users_cli, backup_cmd, jobs_cli, scheduler_cmd):
        app.cli.add_command(cmd)
    for target in COMMAND_MODULES:
        module, name = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        app.cli.add_command(getattr(mod, name))
