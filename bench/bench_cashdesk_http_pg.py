"""Benchmark (issue 17): savings deposits over HTTP on PostgreSQL, the coop app against a minimal WSGI app
doing the same statements through psycopg, in the same run.

``POST /api/v1/savings-accounts/{id}/deposits`` with an ``Idempotency-Key``, from ``--clients`` keep-alive
clients in a second process (bench_cashdesk_http.py's driver), against gunicorn with the production
settings of docs/operations.md (``--workers 3 --threads 2``; ``--workers``/``--threads`` to change):

- coop: ``coop:create_app()`` on a fresh database of the server the URL names (migrated, one cooperative,
  ``--members`` members with a sukarela account, a treasurer's API token: bench_cashdesk_http.setup), with
  the engine options the app gives PostgreSQL (pool_pre_ping, psycopg's prepared statements after 5 runs);
- minimal: ``bench/wsgi_baseline_pg.py`` on a copy of the same books (``CREATE DATABASE ... TEMPLATE``),
  the same statements through psycopg, one connection per thread, the same transaction shape.

Both commit durably as the server is configured (``synchronous_commit`` untouched: ``on`` unless the server
says otherwise; ``scripts/with_postgres.sh`` starts its cluster with ``fsync=off`` unless
``COOP_PG_FSYNC=on``, as ``make bench`` runs it). The statements of one deposit are counted once at the
start, in this process, on both sides (psycopg's cursor calls) and compared in order. The sides take turns
``--rounds`` times (default 3: coop, minimal, minimal, coop, coop, minimal; this machine's CPU speed drifts 10-20 % within
minutes). Each round starts with ``--warmup`` deposits (default 500: the books of a cooperative some weeks in, not a
new one's few rows), then its side's database is ANALYZEd, as autovacuum would (:func:`_analyze`). Printed: the server's bare commit rate (one-row INSERT per transaction into an ordinary table,
psycopg) before and after, then for both the medians of deposits/s, p50/p99, gunicorn workers' CPU per
deposit (/proc) and the PostgreSQL cluster's CPU per deposit (its processes in /proc, when the server runs
on this machine), each round's CPU and rate, errors, the ratio and the goals (on the medians), each with
the load average.

    COOP_PG_FSYNC=on scripts/with_postgres.sh .venv/bin/python bench/bench_cashdesk_http_pg.py [--deposits 3000]
    .venv/bin/python bench/bench_cashdesk_http_pg.py --url postgresql+psycopg://user@host/db

Without a URL (``--url``, ``COOP_BENCH_DATABASE_URL`` or ``COOP_TEST_DATABASE_URL``) it says so and exits 0.
Goals (issue 17): >= 0.33 of the minimal WSGI app; server CPU <= 3 ms a deposit; p99 < 100 ms at 8 clients.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import hold_probe  # noqa: E402
from bench_cashdesk_http import (  # noqa: E402
    _app,
    _cpu_seconds,
    _free_port,
    _wait,
    deposit_posters,
    driver,
    setup,
    statement_shape,
)
from bench_ledger_pg import _dsn, _with_db, bare_commit_rate  # noqa: E402


def _load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---- the statements of one deposit, counted at psycopg's cursor ----------------------------------------

@contextmanager
def _counting(log: list):
    """Every statement psycopg sends (``executemany``: one a row) and every COMMIT, as ``(shape, rows)``."""
    import psycopg

    execute, executemany, commit = psycopg.Cursor.execute, psycopg.Cursor.executemany, psycopg.Connection.commit

    def counted_execute(self, query, params=None, **kw):
        log.append((statement_shape(query), 1))
        return execute(self, query, params, **kw)

    def counted_executemany(self, query, params_seq, **kw):
        params_seq = list(params_seq)
        log.append((statement_shape(query), len(params_seq)))
        return executemany(self, query, params_seq, **kw)

    def counted_commit(self):
        log.append(("COMMIT", 1))
        return commit(self)
    psycopg.Cursor.execute, psycopg.Cursor.executemany = counted_execute, counted_executemany  # type: ignore[method-assign]
    psycopg.Connection.commit = counted_commit  # type: ignore[method-assign]
    try:
        yield log
    finally:
        psycopg.Cursor.execute, psycopg.Cursor.executemany = execute, executemany  # type: ignore[method-assign]
        psycopg.Connection.commit = commit  # type: ignore[method-assign]


def count_statements(app_url: str, base_dsn: str, token: str, ids: list[int]) -> dict[str, tuple[int, list]]:
    """One deposit on a fresh account (after a warm one on another) through each app, in this process:
    coop through Flask's test client, the minimal app called as WSGI. ``{side: (status, [(shape, rows)])}``."""
    from coop.db import db

    os.environ["BASELINE_DSN"] = base_dsn
    import wsgi_baseline_pg

    app = _app(app_url)
    coop_post, minimal_post = deposit_posters(app, wsgi_baseline_pg.app, token)
    out = {}
    for side, post in (("coop", coop_post), ("minimal", minimal_post)):
        post(ids[0], "count-warm")
        log: list = []
        with _counting(log):
            status = post(ids[1], "count")
        out[side] = (status, log)
    with app.app_context():
        db.engine.dispose()
    wsgi_baseline_pg._local.raw.con.close()
    return out


def _summary(log: list) -> tuple[int, int, str]:
    """(statements, commits, the sequence in short)."""
    statements = sum(n for shape, n in log if shape != "COMMIT")
    commits = sum(n for shape, n in log if shape == "COMMIT")
    return statements, commits, ", ".join(f"{s} x{n}" if n > 1 else s for s, n in log)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from each /proc/<pid>/stat (/proc/<pid>/task/<pid>/children
    is best effort, the kernel says, and once listed none of the postmaster's children here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


# ---- the PostgreSQL cluster's CPU (its processes, when it runs here) ----------------------------------

def _postmaster(dsn: str) -> int | None:
    """The postmaster's pid when the server runs on this machine (a backend's parent, named postgres)."""
    import psycopg

    with psycopg.connect(dsn) as con:
        pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        parent = int(fields[1])
        if Path(f"/proc/{parent}/comm").read_text().strip() in ("postgres", "postmaster"):
            return parent
    except (OSError, IndexError, ValueError):
        pass
    return None


def _cluster_cpu(postmaster: int | None) -> dict[int, float]:
    if postmaster is None:
        return {}
    return {pid: _cpu_seconds([pid]) for pid in _children(postmaster)}


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the cluster's processes used between two snapshots (a process gone by the second is left out)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# ---- one side: gunicorn, warm-up, the measured run ----------------------------------------------------

def _analyze(dsn: str) -> None:
    """``ANALYZE`` the side's database after its warm-up, as autovacuum does once a table has grown (50 rows +
    10 %). Without it the run measures a young database's transient: psycopg's prepared statements keep the
    generic plans PostgreSQL made while the tables were nearly empty (the stored response joined through
    ``ix_idempotent_requests_cooperative_id`` with a filter on the key, until migration 0029 dropped that index;
    the ledger's key lookups as sequential scans of journal_entries), so every deposit reads all of the
    cooperative's earlier ones and the database time grows with each deposit; ANALYZE invalidates those plans
    (docs/performance.md, twelfth and thirteenth sessions). The warm-up (``--warmup``) makes the tables big
    enough that the plans made after it are index plans: with 100 deposits before the ANALYZE, three seq scans
    of journal_entries still grew each deposit's database time (0.7 ms each at 3,100 entries)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")

def serve_and_drive(app_spec: str, env: dict, token: str, ids: list[int], args, chdir: Path,  # noqa: PLR0913
                    postmaster: int | None, dsn: str, tag: str = "") -> dict:
    """Serve ``app_spec`` with gunicorn, warm it up, ANALYZE its database (``dsn``: :func:`_analyze`), drive
    ``args.deposits`` deposits. ``tag``: part of every Idempotency-Key, so a later round posts new deposits
    instead of replaying this one's."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(args.workers), "--threads",
         str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(chdir),
         app_spec], cwd=chdir, env=env, start_new_session=True)
    try:
        _wait(port)
        q: mp.Queue = mp.Queue()
        p = mp.Process(target=driver, args=(port, token, ids, args.warmup, args.clients, q, f"warm{tag}-"))
        p.start()
        q.get()
        p.join()
        _analyze(dsn)
        workers = _children(server.pid)
        if not workers:
            raise SystemExit("no gunicorn workers found in /proc")
        cpu0, db0 = _cpu_seconds(workers), _cluster_cpu(postmaster)
        p = mp.Process(target=driver, args=(port, token, ids, args.deposits, args.clients, q, f"run{tag}-"))
        p.start()
        wall, lat, errors = q.get()
        p.join()
        server_cpu, db_cpu = _cpu_seconds(workers) - cpu0, _cpu_delta(db0, _cluster_cpu(postmaster))
        load = _load()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    n = len(lat)
    return {"n": n, "rps": n / wall, "p50": lat[n // 2] * 1000, "p99": lat[min(n - 1, int(n * 0.99))] * 1000,
            "errors": errors, "cpu_ms": server_cpu / n * 1000,
            "db_ms": db_cpu / n * 1000 if postmaster is not None else None, "load": load}


def _median_run(runs: list[dict]) -> dict:
    """One side's rounds as one result: the median of each figure (errors summed), each round's CPU and rate."""
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)
    out = {key: med(key) for key in ("rps", "p50", "p99", "cpu_ms")}
    out.update(n=runs[0]["n"], errors=sum(r["errors"] for r in runs), load=runs[-1]["load"], rounds=len(runs),
               db_ms=med("db_ms") if runs[0]["db_ms"] is not None else None,
               cpu_each=[r["cpu_ms"] for r in runs], rps_each=[r["rps"] for r in runs])
    return out


def main() -> None:  # noqa: PLR0915 -- one script
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=os.environ.get("COOP_BENCH_DATABASE_URL") or os.environ.get("COOP_TEST_DATABASE_URL"))
    ap.add_argument("--deposits", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=500,
                    help="deposits a round before the measured ones, shared by the clients (rounded down to a "
                         "multiple of --clients), then ANALYZE; default 500")
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--workers", type=int, default=3, help="gunicorn workers (docs/operations.md: 3)")
    ap.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker (docs/operations.md: 2)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs a side, taking turns; the figures and goals are the medians (default 3)")
    ap.add_argument("--hold", action="store_true",
                    help="serve both apps through bench/hold_probe.py and print the head lock's hold (costs CPU)")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if args.warmup < args.clients:
        ap.error("--warmup must be at least --clients (each client warms up with --warmup // --clients deposits)")
    if not args.url or not args.url.startswith("postgresql"):
        print("SKIPPED: no PostgreSQL URL (--url, COOP_BENCH_DATABASE_URL or COOP_TEST_DATABASE_URL); "
              "`scripts/with_postgres.sh .venv/bin/python bench/bench_cashdesk_http_pg.py` starts a throwaway cluster")
        return
    import psycopg

    url = args.url if "+psycopg" in args.url else args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    name, base_name = f"coop_bench_http_{os.getpid()}", f"coop_bench_http_base_{os.getpid()}"
    with psycopg.connect(_dsn(url), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        version, fsync, sync = (admin.execute(f"SHOW {s}").fetchone()[0]
                                for s in ("server_version", "fsync", "synchronous_commit"))
    app_url, base_url = _with_db(url, name), _with_db(url, base_name)
    try:
        t0 = time.perf_counter()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        token, ids = setup(app_url, args.members)
        with psycopg.connect(_dsn(url), autocommit=True) as admin:  # the baseline starts from the same books
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            admin.execute(f"CREATE DATABASE {base_name} TEMPLATE {name}")
        print(f"setup: {args.members} members in {time.perf_counter() - t0:.1f} s; PostgreSQL {version}, "
              f"fsync={fsync}, synchronous_commit={sync} (both sides); psycopg prepares a statement on its 5th run "
              f"on both sides (its default, the app's without COOP_PGBOUNCER); {os.cpu_count()} cores")
        bare = bare_commit_rate(_dsn(app_url))
        print(f"bare commits (one-row INSERT into a table, psycopg): {bare:,.0f}/s ({_load()})")
        counted = count_statements(app_url, _dsn(base_url), token, ids)
        (s_coop, log_coop), (s_min, log_min) = counted["coop"], counted["minimal"]
        n_coop, c_coop, seq_coop = _summary(log_coop)
        n_min, c_min, seq_min = _summary(log_min)
        same = log_coop == log_min
        print(f"statements of one deposit (psycopg cursor calls, counted once; HTTP {s_coop} / {s_min}): coop "
              f"{n_coop} + {c_coop} COMMIT, minimal {n_min} + {c_min} COMMIT: "
              f"{'the same statements in the same order' if same else 'DIFFERENT'}")
        print(f"  coop:    {seq_coop}")
        if not same:
            print(f"  minimal: {seq_min}")
        postmaster = _postmaster(_dsn(app_url))
        env = dict(os.environ, COOP_DATABASE_URL=app_url, COOP_SECRET_KEY="bench", COOP_PGBOUNCER="0")
        base_env = dict(os.environ, BASELINE_DSN=_dsn(base_url))
        holds = {}
        if args.hold:
            with tempfile.TemporaryDirectory() as ours_dir, tempfile.TemporaryDirectory() as base_dir:
                ours = serve_and_drive("hold_probe:app", dict(env, HOLD_PROBE_APP="coop:create_app()",
                                                              HOLD_PROBE_OUT=ours_dir), token, ids, args, ROOT / "bench",
                                       postmaster, _dsn(app_url))
                base = serve_and_drive("hold_probe:app", dict(base_env, HOLD_PROBE_APP="wsgi_baseline_pg:app",
                                                              HOLD_PROBE_OUT=base_dir), token, ids, args, ROOT / "bench",
                                       postmaster, _dsn(base_url))
                holds = {"coop": hold_probe.read(ours_dir), "minimal": hold_probe.read(base_dir)}
        else:
            # the sides take turns (coop, minimal, coop, ...): this machine's CPU speed drifts by 10-20 % within
            # minutes, so one run a side says more about the minute than about the code; the goals read medians
            rounds: dict[str, list[dict]] = {"coop": [], "minimal": []}
            sides = {"coop": ("coop:create_app()", env, ROOT, _dsn(app_url)),
                     "minimal": ("wsgi_baseline_pg:app", base_env, ROOT / "bench", _dsn(base_url))}
            for k in range(args.rounds):
                for side in ("coop", "minimal") if k % 2 == 0 else ("minimal", "coop"):  # ABBA: no side always first
                    spec, side_env, chdir, dsn = sides[side]
                    rounds[side].append(serve_and_drive(spec, side_env, token, ids, args, chdir, postmaster, dsn,
                                                        tag=str(k)))
            ours, base = _median_run(rounds["coop"]), _median_run(rounds["minimal"])
        bare_after = bare_commit_rate(_dsn(base_url))
        for side, rows in holds.items():
            print(f"{side} head lock (warm-up included): {hold_probe.summary(rows)}")
            print(f"  ms since the lock: {hold_probe.timeline(rows)}")
        for label, r in (("coop (Flask, SQLAlchemy)", ours), ("minimal WSGI + psycopg, same statements", base)):
            db = f"; PostgreSQL CPU {r['db_ms']:.2f} ms" if r["db_ms"] is not None else ""
            median = f"median of {r['rounds']} rounds: " if r.get("rounds", 1) > 1 else ""
            print(f"{label}: {median}{r['n']} deposits via gunicorn ({args.workers} workers x {args.threads} threads, "
                  f"{args.clients} clients) = {r['rps']:,.0f}/s; p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms; "
                  f"errors {r['errors']}; server CPU {r['cpu_ms']:.2f} ms a deposit{db} ({r['load']})")
            if r.get("rounds", 1) > 1:
                print(f"  each round: server CPU {' / '.join(f'{x:.2f}' for x in r['cpu_each'])} ms, "
                      f"{' / '.join(f'{x:,.0f}' for x in r['rps_each'])} deposits/s")
        print(f"bare commits after the runs: {bare_after:,.0f}/s ({_load()})")
        ratio = ours["rps"] / base["rps"]
        print(f"ratio coop / minimal WSGI = {ratio:.2f}; server CPU {ours['cpu_ms'] / base['cpu_ms']:.1f}x; "
              f"coop / bare commit rate = {ours['rps'] / bare:.2f}")
        print(f"goal HTTP deposit >= 0.33 of the minimal WSGI app (PostgreSQL): {ratio:.2f} -> "
              f"{'MET' if ratio >= 0.33 else 'NOT MET'}")
        print(f"goal server CPU <= 3 ms a deposit (PostgreSQL): {ours['cpu_ms']:.2f} ms -> "
              f"{'MET' if ours['cpu_ms'] <= 3 else 'NOT MET'}")
        print(f"goal p99 < 100 ms at {args.clients} clients, no errors (PostgreSQL): {ours['p99']:.0f} ms -> "
              f"{'MET' if ours['p99'] < 100 and ours['errors'] == 0 else 'NOT MET'}")
    finally:
        with psycopg.connect(_dsn(url), autocommit=True) as admin:
            for db_name in (base_name, name):
                admin.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")


if __name__ == "__main__":
    main()
