"""``flask --app coop ...`` commands. Each command is a boundary: it opens the unit of work."""
from __future__ import annotations

import importlib
import os
import sqlite3
from datetime import date

import click
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask_babel import gettext

from coop import clock, ops
from coop.auth.models import Cooperative, User
from coop.auth.services import create_user, set_active
from coop.db import atomic, db, pooled_url
from coop.demo import DEMO_USERS, EXTRA_DEMO_USERS, load_demo
from coop.errors import CoopError
from coop.formatting import rupiah
from coop.jobs import JOBS, _load_job_modules, run_all
from coop.jobs import lock as scheduler_lock
from coop.ledger.verify import verify
from coop.onboarding import found_cooperative
from coop.ops import backup_sqlite, prune_job_history
from coop.programme.services import create_coordinator

#: Areas add their command groups here ("module:attribute" of a click command or group).
COMMAND_MODULES: list[str] = [
    "coop.ledger.cli:ledger_cli",
    "coop.registry.cli:registry_cli",
    "coop.membership.cli:members_cli",
    "coop.reports.cli:exports_cli",
    "coop.loans.cli:loans_cli",
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
@click.option("--founded-on", "founded_on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Tanggal berdiri (YYYY-MM-DD): no money-moving date may precede it.")
def cooperatives_create(name, village_code, legal_number, address, founded_on):
    """Create a cooperative with its chart of accounts and default savings products (then add its first admin with `users create`)."""

    def _create():
        return found_cooperative(name=name, village_code=village_code, legal_number=legal_number,
                                 address=address, founded_on=founded_on.date() if founded_on else None).id

    try:
        coop_id = atomic(_create)
    except CoopError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
    click.echo(f"Koperasi {name} dibuat (id {coop_id}).")


@cooperatives_cli.command("list")
def cooperatives_list():
    """List cooperatives with their ids."""

    for c in db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)):
        click.echo(f"{c.id:>4}  {c.village_code}  {c.name}")


@click.group("users")
def users_cli():
    """Manage users."""


@users_cli.command("create")
@click.option("--cooperative-id", type=int, default=None,
              help="The user's cooperative (required for every role but coordinator and service_admin).")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "treasurer", "manager", "officer",
                                                          "auditor", "member", "facilitator", "coordinator",
                                                          "service_admin"]))
@click.option("--region", default=None,
              help="A coordinator's region: province (2 digits), regency (4) or district (6) code.")
@click.password_option()
def users_create(cooperative_id, username, full_name, role, region, password):
    """Create a user of a cooperative, or a coordinator (--region) or service admin without one."""

    try:
        if role == "coordinator":
            if cooperative_id is not None:
                raise click.UsageError("a coordinator has no cooperative: leave out --cooperative-id")
            user = atomic(create_coordinator, username=username, full_name=full_name, region=region,
                          password=password, actor=None)
        else:
            if cooperative_id is None and role != "service_admin":
                raise click.UsageError("--cooperative-id is required for this role")
            user = atomic(create_user, cooperative_id=cooperative_id, username=username, full_name=full_name,
                          role=role, password=password, region=region)
    except CoopError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
    click.echo(f"Pengguna {user.username} dibuat (id {user.id}).")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Deactivate a user: every session and API token of theirs ends at once."""


    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(gettext("Pengguna %(name)s tidak ditemukan.", name=username))
    atomic(set_active, user.cooperative_id, user.id, False, actor=None)
    click.echo(gettext("Pengguna %(name)s dinonaktifkan; semua sesi dan tokennya berakhir.", name=user.username))


def _sqlite_path(command: str) -> str:
    url = sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(gettext(
            "%(command)s bawaan hanya untuk SQLite. Untuk PostgreSQL lihat docs/operations.md "
            "(pg_dump -Fc / pg_restore).", command=command))
    return os.path.abspath(url.database)


def _rupiah(amount: int) -> str:

    return rupiah(amount)


@click.command("backup")
@click.argument("path", type=click.Path(file_okay=True, dir_okay=True, writable=True))
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="PATH is a folder: keep this many newest backups (timestamped names), remove older ones.")
def backup_cmd(path, keep):
    """Online backup of the SQLite database to PATH (a file, or a folder for timestamped generations).

    One consistent snapshot (VACUUM INTO) written to a temporary name, checked with integrity_check and
    renamed into place: it finishes under load and never leaves a partial file at PATH.
    PostgreSQL: pg_dump, see docs/operations.md."""

    db_path = _sqlite_path("Backup")
    try:
        res = backup_sqlite(db_path, path, keep=keep)
    except (RuntimeError, sqlite3.Error, OSError) as exc:
        raise click.ClickException(gettext("Backup gagal, tidak ada berkas yang ditulis: %(error)s",
                                           error=str(exc))) from None
    click.echo(gettext("Backup tersimpan di %(path)s (%(size)s KB, %(seconds)s detik)", path=res.path,
                       size=res.size // 1024, seconds=f"{res.seconds:.2f}"))
    for st in res.states.values():
        click.echo(gettext("  Koperasi %(id)s %(name)s: %(entries)s jurnal, terakhir %(voucher)s, head %(head)s",
                           id=st.id, name=st.name, entries=st.entries, voucher=st.head_voucher or "-",
                           head=(st.head_hash or "-")[:16]))
    for old in res.removed:
        click.echo(gettext("  Backup lama dihapus: %(path)s", path=old))


def _verify_file(path: str) -> dict:
    """``ledger verify`` of every cooperative in the database file at ``path`` (not the app's)."""

    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            db.session.remove()
            db.session.configure(bind=conn)
            try:
                return {cid: verify(cid) for cid in db.session.scalars(sa.select(Cooperative.id).order_by(Cooperative.id))}
            finally:
                db.session.remove()
                db.session.configure(bind=None)
    finally:
        engine.dispose()


def _parse_floor(values) -> dict[int, dict[int, int]]:
    floor: dict[int, dict[int, int]] = {}
    for v in values:
        try:
            cid, year, seq = (int(x) for x in v.split(":"))
        except ValueError:
            raise click.BadParameter(gettext("bentuknya KOPERASI:TAHUN:NOMOR, mis. 1:2026:5221"),
                                     param_hint="--voucher-floor") from None
        floor.setdefault(cid, {})[year] = max(seq, floor.get(cid, {}).get(year, 0))
    return floor


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, default=False, help="Do not ask for confirmation.")
@click.option("--voucher-floor", "voucher_floor", multiple=True, metavar="COOP:YEAR:SEQ",
              help="Highest voucher number printed (from the paper receipts) when the live database cannot be read.")
def restore_cmd(backup, yes, voucher_floor):  # noqa: C901, PLR0915 -- the checks and prompts of a restore, in the order they run
    """Replace the SQLite database with BACKUP (the app must be stopped).

    Verifies the backup before and the database after; prints what the live database had beyond the
    backup (entries, last voucher, amount) and records it in the audit log; voucher numbers continue after
    the highest number ever issued."""

    db_path = _sqlite_path("Restore")
    backup = os.path.abspath(backup)
    if backup == db_path:
        raise click.ClickException(gettext("Cadangan tidak boleh berkas basis data itu sendiri."))
    floor = _parse_floor(voucher_floor)
    db.session.remove()
    db.engine.dispose()
    if not ops.try_exclusive(db_path):
        raise click.ClickException(gettext(
            "Aplikasi masih memakai basis data (web atau penjadwal). Hentikan dulu: "
            "sudo systemctl stop coop-web coop-scheduler, lalu ulangi."))
    tmp = db_path + ".restoring"
    try:
        # 1. a private copy of the backup beside the live database, checked before anything changes
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=-1)
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(gettext("Cadangan tidak dapat dibaca: %(error)s", error=str(exc))) from None
        finally:
            src.close()
            dst.close()
        conn = sqlite3.connect(tmp)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise click.ClickException(gettext("Cadangan rusak (integrity_check: %(check)s).", check=check))
            backup_states = ops.read_state(conn)
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(gettext("Cadangan bukan basis data coop: %(error)s", error=str(exc))) from None
        finally:
            conn.close()
        bad = {cid: r for cid, r in _verify_file(tmp).items() if not r["ok"]}
        if bad:
            raise click.ClickException(gettext("Cadangan gagal diverifikasi (koperasi %(ids)s); tidak dipulihkan.",
                                               ids=", ".join(map(str, bad))))
        # 2. what the live database has beyond the backup, and the highest voucher numbers it issued
        losses: list[ops.Loss] = []
        live_states: dict = {}
        if os.path.exists(db_path):
            try:
                live = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
                try:
                    live_states = ops.read_state(live)
                    losses = ops.live_loss(live, live_states, backup_states)
                finally:
                    live.close()
            except sqlite3.DatabaseError as exc:
                if not floor:
                    raise click.ClickException(gettext(
                        "Basis data yang sekarang tidak dapat dibaca (%(error)s), jadi nomor bukti tertinggi tidak "
                        "diketahui. Lihat nomor kuitansi kertas terakhir lalu ulangi dengan "
                        "--voucher-floor KOPERASI:TAHUN:NOMOR.", error=str(exc))) from None
        if not losses:
            losses = [ops.Loss(st.id, st.name, 0, None, None, 0, False, {}, {"chain_seq": st.head_seq,
                               "hash": st.head_hash, "voucher": st.head_voucher}, {})
                      for st in backup_states.values()]
        marks = ops.restore_summary_marks(live_states, backup_states, floor)
        for loss in losses:
            had = backup_states.get(loss.cooperative_id)
            for year, seq in marks.get(loss.cooperative_id, {}).items():
                base = had.vouchers.get(year, 0) if had else 0
                if seq > base:
                    loss.vouchers_skipped[year] = [base + 1, seq]
        _echo_loss(losses)
        if not yes and not click.confirm(gettext("Pulihkan dari cadangan ini?"), default=False):
            raise click.ClickException(gettext("Dibatalkan; tidak ada yang diubah."))
        # 3. the copy carries the voucher high-water mark and the restore's audit rows
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                ops.raise_voucher_counters(conn, marks)
                ops.record_restore(conn, losses, backup, ops.backup_user())
        finally:
            conn.close()
        ops._fsync(tmp)
        # 4. swap: the live database moves aside WITH its -wal/-shm (never a stale WAL beside the new file)
        stamp = clock.now_utc().strftime("%Y%m%d-%H%M%S")
        moved = ops.move_aside(db_path, f".before-restore-{stamp}")
        os.replace(tmp, db_path)
        ops._fsync(os.path.dirname(db_path), directory=True)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        ops.release(db_path)
    # 5. verify the restored database through the app itself
    db.engine.dispose()

    failed = False
    for st in backup_states.values():
        result = verify(st.id)
        failed |= not result["ok"]
        click.echo(gettext("Koperasi %(id)s setelah pemulihan: %(status)s, %(entries)s jurnal, head %(head)s",
                           id=st.id, status="OK" if result["ok"] else gettext("GAGAL"), entries=result["entries"],
                           head=(result["head_hash"] or "-")[:16]))
    if moved:
        click.echo(gettext("Basis data lama disimpan sebagai %(path)s", path=moved[0]))
    if failed:
        raise click.ClickException(gettext("Basis data hasil pemulihan gagal diverifikasi."))


def _echo_loss(losses) -> None:
    for loss in losses:
        if loss.entries:
            click.echo(gettext(
                "Koperasi %(id)s %(name)s: %(entries)s transaksi yang tercatat sesudah cadangan ini akan HILANG, "
                "nomor bukti %(first)s sampai %(last)s, jumlah %(amount)s. Masukkan lagi dari kuitansi kertasnya; "
                "nomor bukti baru dilanjutkan sesudah %(last)s (tidak ada nomor yang dipakai dua kali).",
                id=loss.cooperative_id, name=loss.name, entries=loss.entries, first=loss.first_voucher,
                last=loss.last_voucher, amount=_rupiah(loss.amount)))
        else:
            click.echo(gettext("Koperasi %(id)s %(name)s: tidak ada transaksi yang hilang.",
                               id=loss.cooperative_id, name=loss.name))
        if loss.diverged:
            click.echo(gettext("  Perhatian: riwayat basis data sekarang tidak melanjutkan cadangan ini."))


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

    coops = db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)).all()
    if as_of is not None and not allow_future:
        ahead = [c for c in coops if (as_of.date() - clock.business_date(c)).days > 1]
        if ahead:
            c = ahead[0]
            raise click.ClickException(
                f"--as-of {as_of.date().isoformat()} lebih dari satu hari setelah tanggal usaha "
                f"{clock.business_date(c).isoformat()} ({c.name}); tidak ada yang dijalankan. "
                f"Gunakan --allow-future bila memang disengaja.")
    done, failed = run_all(lambda c: as_of.date() if as_of else clock.business_date(c), only=only,
                           echo=click.echo, echo_err=lambda m: click.echo(m, err=True))
    if not done and not failed:
        click.echo(gettext("Tidak ada pekerjaan yang perlu dijalankan."))
    if failed:
        raise click.ClickException(gettext("%(count)s koperasi gagal menjalankan pekerjaannya: %(ids)s",
                                           count=len(failed), ids=", ".join(str(cid) for cid, _ in failed)))


@jobs_cli.command("prune")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count the retention back from this date (default: each cooperative's business date).")
def jobs_prune(as_of):
    """Delete job history (job_runs) older than each cooperative's job_runs_keep_days setting (400), keeping
    every job's latest run (the daily job jobs.prune does the same)."""
    coops = db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)).all()
    days = [(c.id, as_of.date() if as_of else clock.business_date(c)) for c in coops]
    deleted = 0
    with click.progressbar(days, label=gettext("Koperasi")) as bar:
        for cid, day in bar:
            deleted += atomic(prune_job_history, cid, day)
    click.echo(gettext("%(count)s riwayat pekerjaan dihapus.", count=deleted))


@jobs_cli.command("list")
def jobs_list():

    _load_job_modules()
    for job in JOBS:
        click.echo(f"{job.id:<28} {job.frequency:<8} {job.cron}  {job.description}")


@click.command("scheduler")
def scheduler_cmd():
    """Run APScheduler's BlockingScheduler in this ONE process (never inside web workers)."""


    app = current_app._get_current_object()
    _load_job_modules()
    lock = _scheduler_lock(app)
    sched = BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])

    def run_jobs(job_id=None):
        with app.app_context():
            try:
                run_all(clock.business_date, only=job_id, echo=app.logger.info, echo_err=app.logger.error)
            finally:
                db.session.remove()

    # catch up first: a scheduler (re)started after a run time would otherwise wait for the next one
    run_jobs()
    for job in JOBS:
        # a run missed by less than a day (machine asleep, restart) still runs once when it comes back
        sched.add_job(run_jobs, "cron", args=[job.id], id=job.id, misfire_grace_time=24 * 3600, coalesce=True,
                      **job.cron)
    lost = []
    if lock is not None:
        def check_lock():
            # the lock died with its connection (server restart): another scheduler may take it now, so
            # this one stops (systemd restarts it, and it waits for the lock like any second scheduler)
            if not lock.alive():
                lost.append(True)
                app.logger.error("Koneksi kunci scheduler terputus; scheduler berhenti.")
                sched.shutdown(wait=False)
        sched.add_job(check_lock, "interval", seconds=max(1.0, min(60.0, lock_retry(app))), id="scheduler.lock")
    click.echo(f"Scheduler started with {len(JOBS)} jobs. Ctrl+C to stop.")
    try:
        sched.start()
    finally:
        if lock is not None:
            lock.release()
    if lost:
        raise click.ClickException(gettext("Kunci scheduler hilang; jalankan ulang scheduler."))


def lock_retry(app: Flask) -> float:
    return float(app.config.get("SCHEDULER_LOCK_RETRY_SECONDS", 30))


def _scheduler_lock(app: Flask):
    """On PostgreSQL, wait for the scheduler's advisory lock on a direct connection (coop/jobs/lock.py);
    on SQLite None (one machine, one process)."""
    main = app.config["SQLALCHEMY_DATABASE_URI"]
    through_pgbouncer = bool(app.config.get("DATABASE_THROUGH_PGBOUNCER"))
    direct = app.config.get("SCHEDULER_DATABASE_URL")
    if direct:
        url, direct_pooled = pooled_url(direct)
        if direct_pooled:
            raise click.ClickException(gettext("COOP_SCHEDULER_DATABASE_URL harus koneksi langsung ke PostgreSQL, "
                                               "bukan lewat pgbouncer."))
    elif through_pgbouncer:
        raise click.ClickException(gettext("Basis data lewat pgbouncer: setel COOP_SCHEDULER_DATABASE_URL ke koneksi "
                                           "langsung PostgreSQL untuk kunci scheduler."))
    else:
        url = main
    if sa.engine.make_url(url).get_backend_name() != "postgresql":
        return None
    return scheduler_lock.acquire(url, lock_retry(app), echo=click.echo)


def register(app: Flask) -> None:

    for cmd in (demo_cmd, cooperatives_cli, users_cli, backup_cmd, restore_cmd, jobs_cli, scheduler_cmd):
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
