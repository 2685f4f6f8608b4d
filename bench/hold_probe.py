"""The head-lock hold of a deposit on PostgreSQL (issue 17): from the moment the cooperative's ledger head is
locked (``SELECT ... FROM ledger_heads ... FOR UPDATE`` returns) to the start of COMMIT, and the COMMIT itself
(which waits for the WAL flush with the lock still held). Measured at psycopg's cursor, so the coop app and
the minimal psycopg app (bench/wsgi_baseline_pg.py) are measured the same way.

Two uses:

- ``install(out)``: patch psycopg in this process; every hold is recorded as one line of ``out`` (appended):
  ``hold_ms commit_ms cpu_ms shapes`` (``cpu_ms``: this thread's CPU in the hold; ``shapes``: the statements
  run in the hold, with the milliseconds since the lock at which each returned). The gunicorn wrapper below
  calls it; bench_cashdesk_http_pg.py ``--hold`` serves both apps through it and prints :func:`summary`.
- As a gunicorn app: ``hold_probe:app`` with ``HOLD_PROBE_APP`` (``coop:create_app()`` or
  ``wsgi_baseline_pg:app``) and ``HOLD_PROBE_OUT`` (a folder: one file a worker).
"""
from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "bench")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

_state = threading.local()


def install(out: str) -> None:
    """Record every hold of this process in the file ``out`` (one line each)."""
    import psycopg
    from bench_cashdesk_http_pg import _shape

    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
    commit, rollback = psycopg.Connection.commit, psycopg.Connection.rollback
    lock = threading.Lock()
    sink = open(out, "a", buffering=1)  # noqa: SIM115 -- open for the process's life

    def _after(query) -> None:
        text = str(query)
        now = time.perf_counter()
        if "ledger_heads" in text and "FOR UPDATE" in text.upper():
            _state.locked, _state.cpu, _state.steps = now, time.thread_time(), []
        elif getattr(_state, "locked", None) is not None:
            _state.steps.append((query, now))  # shaped after the COMMIT, outside the hold

    def probed_execute(self, query, params=None, **kw):
        result = execute(self, query, params, **kw)
        _after(query)
        return result

    def probed_executemany(self, query, params_seq, **kw):
        result = executemany(self, query, params_seq, **kw)
        _after(query)
        return result

    def probed_commit(self):
        locked = getattr(_state, "locked", None)
        if locked is None:
            return commit(self)
        t0, cpu0 = time.perf_counter(), time.thread_time()
        try:
            return commit(self)
        finally:
            t1 = time.perf_counter()
            steps = ",".join(f"{_shape(q).replace(' ', '_')}@{(t - locked) * 1000:.2f}" for q, t in _state.steps)
            line = f"{(t0 - locked) * 1000:.3f} {(t1 - t0) * 1000:.3f} {(cpu0 - _state.cpu) * 1000:.3f} {steps}\n"
            _state.locked = None
            with lock:
                sink.write(line)

    def probed_rollback(self):
        _state.locked = None
        return rollback(self)

    psycopg.Cursor.execute, psycopg.Cursor.executemany = probed_execute, probed_executemany  # type: ignore[method-assign]
    psycopg.Connection.commit, psycopg.Connection.rollback = probed_commit, probed_rollback  # type: ignore[method-assign]


def read(folder: str | Path) -> list[tuple[float, float, float, str]]:
    rows = []
    for path in Path(folder).glob("*.txt"):
        for line in path.read_text().splitlines():
            hold, commit, cpu, *steps = line.split(" ")
            rows.append((float(hold), float(commit), float(cpu), steps[0] if steps else ""))
    return rows


def summary(rows: list[tuple[float, float, float, str]]) -> str:
    """Median and p99 of the hold (lock to COMMIT start), of the COMMIT, and the median CPU in the hold."""
    if not rows:
        return "no holds recorded"
    holds = sorted(r[0] for r in rows)
    commits = sorted(r[1] for r in rows)
    total = sorted(r[0] + r[1] for r in rows)
    p99 = lambda xs: xs[min(len(xs) - 1, int(len(xs) * 0.99))]  # noqa: E731
    return (f"hold (lock -> COMMIT) median {statistics.median(holds):.2f} ms, mean {statistics.fmean(holds):.2f}, "
            f"p99 {p99(holds):.2f}; COMMIT median {statistics.median(commits):.2f} ms; lock held in all "
            f"(mean) {statistics.fmean(total):.2f} ms -> at most {1000 / statistics.fmean(total):,.0f} deposits/s "
            f"into one cooperative; thread CPU in the hold median {statistics.median(r[2] for r in rows):.2f} ms "
            f"({len(rows)} holds)")


def timeline(rows: list[tuple[float, float, float, str]]) -> str:
    """The statements of the most frequent sequence in the hold, each with the median milliseconds since the
    lock at which it returned, then COMMIT's start: where the hold goes (gaps are Python, or a wait for a core)."""
    by_shape: dict[tuple[str, ...], list[list[float]]] = {}
    for hold, _commit, _cpu, steps in rows:
        names, times = [], []
        for step in filter(None, steps.split(",")):
            name, _, at = step.rpartition("@")
            names.append(name)
            times.append(float(at))
        by_shape.setdefault(tuple(names), []).append([*times, hold])
    if not by_shape:
        return "no holds recorded"
    names, runs = max(by_shape.items(), key=lambda kv: len(kv[1]))
    medians = [statistics.median(col) for col in zip(*runs, strict=True)]
    return ", ".join(f"{n.replace('_', ' ')} {t:.2f}" for n, t in zip([*names, "COMMIT"], medians, strict=True))


def _load_app():
    spec = os.environ["HOLD_PROBE_APP"]
    module, _, attr = spec.partition(":")
    mod = __import__(module, fromlist=["_"])
    if attr.endswith("()"):
        return getattr(mod, attr[:-2])()
    return getattr(mod, attr)


if os.environ.get("HOLD_PROBE_OUT") and os.environ.get("HOLD_PROBE_APP"):
    # gunicorn imports the app module in each worker (no --preload): patch there, then load the app
    install(os.path.join(os.environ["HOLD_PROBE_OUT"], f"{os.getpid()}.txt"))
    app = _load_app()
