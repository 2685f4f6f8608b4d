"""Benchmark: savings deposits over HTTP (POST /api/v1/savings-accounts/{id}/deposits) through gunicorn
(2 workers, 4 threads each as `make run` serves, SQLite), driven from a second process, with the ledger-only throughput (the deposit service
called in-process, one unit of work per deposit) measured in the same run as the baseline.

    .venv/bin/python bench/bench_cashdesk_http.py [--deposits 3000] [--clients 8] [--members 200] [--threads 4]

Threads matter with SQLite: a thread waiting for its commit's fsync (group commit, coop/db.py) lets the
worker's other threads run, and their commits share the next fsync.

Baseline in the same run (issue 17): ``bench/wsgi_baseline.py``, a minimal WSGI app on the same gunicorn
settings doing the same SQL writes through ``sqlite3`` (same writer lock and group commit), from a copy of
the same books; plus the disk's bare commit rate. The statements of one deposit are counted once at the start
(sqlite3's trace callback on both sides) and compared in order. Prints deposits/s, p50/p99 and server CPU per
deposit of both, and their ratio.

Goals (issue 17): >= 0.33 of the minimal WSGI app; server CPU <= 3 ms a deposit; p99 < 100 ms at 8 clients.
Every deposit carries an Idempotency-Key, as a cash-desk client would send.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(db_path: str):
    """``db_path``: a SQLite file, or a database URL (bench_cashdesk_http_pg.py)."""
    from coop import create_app

    url = db_path if "://" in db_path else f"sqlite:///{db_path}"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "localhost"})


def setup(db_path: str, members: int) -> tuple[str, list[int]]:
    """A cooperative with ``members`` members (sukarela accounts) and a treasurer token."""
    from flask_migrate import upgrade

    from coop.auth.services import create_cooperative, create_user, issue_token
    from coop.db import atomic, utcnow
    from coop.ledger.services import create_chart
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings

    app = _app(db_path)
    with app.app_context():
        upgrade()

        def _do():
            c = create_cooperative(name="Koperasi Bench", village_code="3504042001")
            create_chart(c.id)
            savings.seed_defaults(c.id)
            user = create_user(cooperative_id=c.id, username="bench_kasir", full_name="Kasir Bench",
                               role="treasurer", password="bench-password-1")
            ids = []
            for i in range(1, members + 1):
                bd = date(1970 + i % 30, 1 + i % 12, 1 + i % 27)
                r = create_resident(c.id, {
                    "nik": f"350404{bd.day + 40:02d}{bd.month:02d}{bd.year % 100:02d}{i:04d}",
                    "kk_number": f"350404010715{i:04d}", "full_name": f"Anggota {i}", "sex": "F",
                    "birth_place": "Tulungagung", "birth_date": bd, "village_code": "3504042001",
                    "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
                m = register_member(c.id, r.id, date(2026, 1, 2), actor=None)
                ids.append(savings.account_for(c.id, m.id, "sukarela").id)
            raw, _ = issue_token(user, now=utcnow(), hours=24)
            return raw, ids
        return atomic(_do)


def ledger_only(db_path: str, account_ids: list[int], n: int) -> float:
    """Deposits per second calling the service directly (same database, one commit per deposit)."""
    from coop.db import atomic
    from coop.savings import services as savings

    app = _app(db_path)
    rng = random.Random(1)
    with app.app_context():
        from coop.auth.models import Cooperative
        from coop.db import db

        coop_id = db.session.query(Cooperative.id).scalar()
        t0 = time.perf_counter()
        for i in range(n):
            atomic(savings.deposit, coop_id, rng.choice(account_ids), 10_000 + i, actor=None,
                   value_date=date(2026, 11, 27), idempotency_key=f"ledger-{i}")
        return n / (time.perf_counter() - t0)


def raw_commit_ceiling(tmp: str, n: int = 300) -> float:
    """Single-row commits per second of bare sqlite3 (WAL, synchronous=FULL, BEGIN IMMEDIATE) on the
    same disk: the ceiling for any design that commits once per deposit (the ledger bench's measure)."""
    from bench_ledger_throughput import bare_commit_rate  # a sibling script, not a package

    return bare_commit_rate(tmp, n)


def _client(port, token, account_ids, n, seed, out):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, errors = [], 0
    for i in range(n):
        acc = rng.choice(account_ids)
        body = json.dumps({"amount": 25_000 + i, "value_date": "2026-11-27"})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Idempotency-Key": f"bench-{seed}-{i}"}
        t0 = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/savings-accounts/{acc}/deposits", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 201
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        lat.append(time.perf_counter() - t0)
        errors += 0 if ok else 1
    out.extend(lat)
    out.append(-errors - 1)  # sentinel carrying the error count


def driver(port, token, account_ids, total, clients, q, label="run"):
    """Runs in its own process: ``clients`` threads with keep-alive connections."""
    per = total // clients
    outs = [[] for _ in range(clients)]
    threads = [threading.Thread(target=_client, args=(port, token, account_ids, per, f"{label}{k}", outs[k]))
               for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat, errors = [], 0
    for o in outs:
        errors += -o[-1] - 1
        lat.extend(o[:-1])
    q.put((wall, sorted(lat), errors))


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of processes (Linux /proc), 0 where unreadable."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def _workers(server_pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()]
    except OSError:
        return []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 30) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def serve_and_drive(app_spec: str, env: dict, token: str, account_ids: list[int], deposits: int, clients: int,
                    threads: int, chdir: Path = ROOT) -> dict:
    """Start gunicorn (2 workers x ``threads`` threads) on ``app_spec``, warm it up, drive ``deposits``
    deposits from ``clients`` keep-alive clients in another process; wall, latencies and server CPU."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(chdir), app_spec],
        cwd=chdir, env=env, start_new_session=True)
    try:
        _wait(port)
        q: mp.Queue = mp.Queue()
        p = mp.Process(target=driver, args=(port, token, account_ids, clients * 10, clients, q, "warm"))
        p.start()
        q.get()
        p.join()
        workers = _workers(server.pid)
        cpu0 = _cpu_seconds(workers)
        p = mp.Process(target=driver, args=(port, token, account_ids, deposits, clients, q, "run"))
        p.start()
        wall, lat, errors = q.get()
        p.join()
        server_cpu = _cpu_seconds(workers) - cpu0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    n = len(lat)
    return {"n": n, "rps": n / wall, "p50": lat[n // 2] * 1000, "p99": lat[min(n - 1, int(n * 0.99))] * 1000,
            "errors": errors, "cpu_ms": server_cpu / n * 1000}


def statement_shape(sql) -> str:
    """A statement in short, for comparing the two sides' statements: its verb and first table, with FOR UPDATE
    when it locks (``SELECT api_tokens``, ``WITH accounts FOR UPDATE``); BEGIN/COMMIT/ROLLBACK as they are; the
    empty statement of a liveness check ``ping``. Shared with bench_cashdesk_http_pg.py."""
    import re

    sql = " ".join(str(sql).split())
    if sql in (";", ""):
        return "ping"
    if sql.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        return sql.upper()
    found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", sql, re.IGNORECASE)
    lock = " FOR UPDATE" if "FOR UPDATE" in sql.upper() else ""
    return f"{sql.split(None, 1)[0].upper()} {found.group(1) if found else '?'}{lock}"


def deposit_posters(app, baseline_app, token: str) -> tuple[Callable[[int, str], int], Callable[[int, str], int]]:
    """``(coop_post, minimal_post)``: one deposit of Rp 25.000 (account id, Idempotency-Key) -> its HTTP status,
    through the coop app's test client and through the minimal WSGI app called in this process (the statement
    counts of this bench and bench_cashdesk_http_pg.py)."""
    import io

    client = app.test_client()
    body = {"amount": 25_000, "value_date": "2026-11-27"}

    def coop_post(acc: int, key: str) -> int:
        return client.post(f"/api/v1/savings-accounts/{acc}/deposits", json=body,
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}).status_code

    def minimal_post(acc: int, key: str) -> int:
        raw = json.dumps(body).encode()
        status: list[str] = []
        baseline_app({"REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/savings-accounts/{acc}/deposits",
                      "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw),
                      "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": key},
                     lambda s, _h: status.append(s))
        return int(status[0].split()[0])
    return coop_post, minimal_post


def count_statements(db_path: str, base_path: str, token: str, ids: list[int]) -> dict[str, tuple[int, list[str]]]:
    """One deposit on a fresh account (after a warm one on another) through each app, in this process, each
    statement as sqlite3 runs it (its trace callback, BEGIN and COMMIT included): coop through Flask's test
    client, the minimal app called as WSGI, on copies of the books. ``{side: (status, [shape, ...])}``."""
    import sqlalchemy as sa
    import wsgi_baseline  # its DB is read at import: set it for this process only, below

    from coop.db import db

    log: list[str] = []
    app = _app(db_path)
    with app.app_context():
        sa.event.listen(db.engine, "connect", lambda dbapi_con, _rec: dbapi_con.set_trace_callback(log.append))
        db.engine.dispose()  # connections made from now on are traced
    coop_post, minimal_post = deposit_posters(app, wsgi_baseline.app, token)
    wsgi_baseline._local.raw = wsgi_baseline._Raw(base_path)
    wsgi_baseline._conn().con.set_trace_callback(log.append)
    out = {}
    for side, post in (("coop", coop_post), ("minimal", minimal_post)):
        post(ids[0], "count-warm")
        log.clear()
        status = post(ids[1], "count")
        out[side] = (status, [statement_shape(sql) for sql in log if not sql.upper().startswith("PRAGMA")])
    with app.app_context():
        db.engine.dispose()
    wsgi_baseline._local.raw.con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deposits", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--ledger-deposits", type=int, default=1500)
    ap.add_argument("--threads", type=int, default=4,
                    help="gunicorn threads per worker (gthread); 1 = the sync worker")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-cashdesk-")
    db_path = os.path.join(tmp, "bench.sqlite3")
    base_path = os.path.join(tmp, "baseline.sqlite3")
    try:
        t0 = time.perf_counter()
        token, account_ids = setup(db_path, args.members)
        _checkpoint(db_path)
        shutil.copy(db_path, base_path)  # the baseline starts from the same books
        print(f"setup: {args.members} members in {time.perf_counter() - t0:.1f} s")
        ceiling = raw_commit_ceiling(tmp)
        print(f"bare sqlite3 commits on this disk (one-row INSERT, WAL, synchronous=FULL): {ceiling:,.0f}/s")
        with tempfile.TemporaryDirectory() as scratch:  # the counting deposits go to copies of the books
            shutil.copy(db_path, os.path.join(scratch, "a.sqlite3"))
            shutil.copy(db_path, os.path.join(scratch, "b.sqlite3"))
            counted = count_statements(os.path.join(scratch, "a.sqlite3"), os.path.join(scratch, "b.sqlite3"),
                                       token, account_ids)
        (st_coop, seq_coop), (st_min, seq_min) = counted["coop"], counted["minimal"]
        same = seq_coop == seq_min and st_coop == st_min == 201
        print(f"statements of one deposit (sqlite3's trace, BEGIN and COMMIT included; HTTP {st_coop} / {st_min}): "
              f"coop {len(seq_coop)}, minimal {len(seq_min)}: "
              f"{'the same statements in the same order' if same else 'DIFFERENT'}")
        print(f"  coop:    {', '.join(seq_coop)}")
        if not same:  # the ratio would compare different work: say so and stop
            print(f"  minimal: {', '.join(seq_min)}")
            raise SystemExit("the minimal app does not send the app's statements (bench/wsgi_baseline.py)")
        env = dict(os.environ, COOP_DATABASE_URL=f"sqlite:///{db_path}", COOP_SECRET_KEY="bench")
        ours = serve_and_drive("coop:create_app()", env, token, account_ids, args.deposits, args.clients, args.threads)
        base = serve_and_drive("wsgi_baseline:app", dict(os.environ, BASELINE_DB=base_path), token, account_ids,
                               args.deposits, args.clients, args.threads, chdir=ROOT / "bench")
        ledger_rps = ledger_only(db_path, account_ids, args.ledger_deposits)
        for name, r in (("coop (Flask, SQLAlchemy)", ours), ("minimal WSGI + sqlite3, same SQL", base)):
            print(f"{name}: {r['n']} deposits via gunicorn (2 workers x {args.threads} threads, {args.clients} "
                  f"clients) = {r['rps']:,.0f}/s; p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms; errors "
                  f"{r['errors']}; server CPU {r['cpu_ms']:.2f} ms a deposit")
        print(f"ledger-only deposits (service in-process, one commit each): {ledger_rps:,.0f}/s "
              f"(machine: {os.cpu_count()} cores)")
        ratio = ours["rps"] / base["rps"]
        print(f"ratio coop / minimal WSGI = {ratio:.2f}; server CPU {ours['cpu_ms'] / base['cpu_ms']:.1f}x; "
              f"coop / bare commit rate = {ours['rps'] / ceiling:.2f}")
        print(f"goal HTTP deposit >= 0.33 of the minimal WSGI app: {ratio:.2f} -> {'MET' if ratio >= 0.33 else 'NOT MET'}")
        print(f"goal server CPU <= 3 ms a deposit: {ours['cpu_ms']:.2f} ms -> {'MET' if ours['cpu_ms'] <= 3 else 'NOT MET'}")
        print(f"goal p99 < 100 ms at {args.clients} clients, no errors: {ours['p99']:.0f} ms -> "
              f"{'MET' if ours['p99'] < 100 and ours['errors'] == 0 else 'NOT MET'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _checkpoint(db_path: str) -> None:
    """Fold the WAL into the database file (so a copy of the file is the whole database)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


if __name__ == "__main__":
    main()
