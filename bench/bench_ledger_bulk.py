"""Benchmarks (issue 4, items 10b-10d) on one SQLite database built through the ledger's own batch
posting (so the hash chain is real and ``verify`` has something true to check):

(d) bulk opening-balance import of 100,000 entries (``import_opening_balances`` -> ``post_entries``,
    one unit of work): goal at most 30 s;
(b) a balance read (``balance_of``) with 1,000,000 postings in the database against the same read with
    1,000: goal ratio at most 1.5;
(c) ``verify`` over 1,000,000 postings: goal at least 100,000 postings per second.

    .venv/bin/python bench/bench_ledger_bulk.py [--postings 1000000] [--opening 100000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_ledger_throughput import fresh_books  # noqa: E402


def time_reads(account_ids, rounds: int = 20000) -> float:
    """Median-of-5 microseconds per ``balance_of`` call (each in its own short read)."""
    from coop.db import db
    from coop.ledger.services import balance_of

    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for i in range(rounds // 5):
            balance_of(account_ids[i % len(account_ids)])
            if i % 50 == 0:
                db.session.remove()  # a fresh session now and then, as requests would
        samples.append((time.perf_counter() - t0) / (rounds // 5) * 1e6)
    db.session.remove()
    return sorted(samples)[2]


def grow(cid: int, kas: int, subs: list[int], entries: int, start: date) -> float:
    """Add ``entries`` two-line entries through post_entries in batches; returns seconds."""
    from coop.db import atomic, db
    from coop.ledger.imports import EntrySpec, post_entries
    from coop.ledger.rules import Line

    t0 = time.perf_counter()
    done = 0
    while done < entries:
        n = min(20000, entries - done)
        specs = [EntrySpec([Line.dr(kas, 1000 + (done + i) % 7), Line.cr(subs[(done + i) % len(subs)], 1000 + (done + i) % 7)],
                           start + timedelta(days=(done + i) // 2000), f"setoran {done + i}") for i in range(n)]
        atomic(post_entries, cid, specs, actor=None, source="bench")
        db.session.remove()
        done += n
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--postings", type=int, default=1_000_000)
    ap.add_argument("--opening", type=int, default=100_000)
    args = ap.parse_args()
    from coop.db import atomic, db
    from coop.ledger.imports import OpeningRow, import_opening_balances
    from coop.ledger.verify import verify

    with tempfile.TemporaryDirectory() as tmp:
        app, cid, kas, subs = fresh_books(f"{tmp}/bulk.sqlite3", subaccounts=2000)
        with app.app_context():
            from coop.ledger.services import open_subaccounts

            # (d) opening balances: 100,000 sub-accounts (members' savings) each with one opening entry.
            t0 = time.perf_counter()
            codes = list(atomic(open_subaccounts, cid, "2101", [(f"OB-{i:06d}", f"Anggota {i}")
                                                                 for i in range(args.opening)], min_balance=0))
            t_open = time.perf_counter() - t0
            db.session.remove()
            rows = [OpeningRow(c, 50_000 + i % 1000) for i, c in enumerate(codes)]
            t0 = time.perf_counter()
            atomic(import_opening_balances, cid, rows, actor=None, value_date=date(2025, 12, 31))
            t_import = time.perf_counter() - t0
            db.session.remove()
            print(f"(d) opening-balance import: {args.opening:,} entries in {t_import:.1f} s "
                  f"({args.opening / t_import:,.0f} entries/s; opening the sub-accounts took {t_open:.1f} s) "
                  f"goal <= 30 s {'OK' if t_import <= 30 else 'ABOVE GOAL'}")

            # (b) balance read with few postings: a fresh database with ~1,000 postings.
            with tempfile.TemporaryDirectory() as tmp2:
                app2, cid2, kas2, subs2 = fresh_books(f"{tmp2}/small.sqlite3", subaccounts=2000)
                with app2.app_context():
                    grow(cid2, kas2, subs2, 500, date(2026, 1, 1))
                    small = time_reads(subs2)
            # grow the big one to the requested number of postings (2 per entry; opening added some)
            have = 2 * args.opening
            missing = max(0, (args.postings - have) // 2)
            t_grow = grow(cid, kas, subs, missing, date(2026, 1, 1))
            total = have + 2 * missing
            print(f"    (built {total:,} postings with post_entries in {t_grow:.1f} s, "
                  f"{2 * missing / max(t_grow, 1e-9):,.0f} postings/s)")
            big = time_reads(subs)
            print(f"(b) balance read: {big:.1f} us with {total:,} postings vs {small:.1f} us with 1,000: "
                  f"ratio {big / small:.2f} (goal <= 1.5) {'OK' if big / small <= 1.5 else 'ABOVE GOAL'}")

            # (c) verify everything.
            t0, c0 = time.perf_counter(), time.process_time()
            result = verify(cid)
            t_verify, c_verify = time.perf_counter() - t0, time.process_time() - c0
            rate = result["postings"] / t_verify
            print(f"(c) verify: {result['postings']:,} postings, {result['entries']:,} entries in {t_verify:.1f} s wall = "
                  f"{rate:,.0f} postings/s ({result['postings'] / c_verify:,.0f}/s of CPU time; SQLite runs in-process, "
                  f"so the gap is time spent waiting for a core), ok={result['ok']} "
                  f"(goal >= 100,000/s) {'OK' if rate >= 100_000 else 'BELOW GOAL'}")
            if not result["ok"]:
                print(result["problems"][:5])
                sys.exit(1)


if __name__ == "__main__":
    main()
