"""Benchmark: one PostgreSQL database holding many cooperatives (issue 20, item 4). Not in CI, not in make test.

    scripts/with_postgres.sh sh -c '.venv/bin/python bench/bench_scale.py --url "$COOP_TEST_DATABASE_URL" --cooperatives 1000'
    (without a PostgreSQL URL, e.g. under ``make bench``, it says so and exits 0)
    .venv/bin/python bench/bench_scale.py --url postgresql+psycopg://... --cooperatives 100   # a smaller run

Builds ``--cooperatives`` cooperatives of ``--members`` members each with ``--months`` months of books: per
member the simpanan pokok and wajib in the first month (one entry, three lines) and the wajib in each later
month (two lines): 7 posting lines a member, about 2.1 million at 1,000 x 300 x 3. Each cooperative is founded
through the service (chart, products, ledger head); its residents, members and savings accounts are inserted
in bulk with the columns the services write (the services take ~0.2 s a member on a loaded machine: an hour
per 100 cooperatives); the entries go through the batch ``post_entries`` (one call a cooperative: hash
chain, vouchers, balances, audit).

Measures, each against a baseline taken in the same run:

1. treasurer pages (cash desk, a member's page, the member list, the day book, reports) and one API deposit
   for cooperative 1 with ``--baseline`` (10) cooperatives in the database, then the same with all of them:
   ratio of the medians (goal <= 1.5), and the process RSS before and after each round of requests (a web
   worker's memory: flat);
2. programme indicators for a province of ``--province`` (200) cooperatives: members, savings balances by
   kind and loans outstanding grouped by cooperative (coop/programme is not on this branch: the equivalent
   aggregate queries; goal <= 2 s), through ``coop.db.read_session``;
3. the scheduled jobs for every cooperative: the month-end run (first of the month: interest, provisions,
   snapshots and the daily jobs) and an ordinary day (daily jobs only; goal <= 10 min for 1,000 on 2 cores),
   with the per-cooperative cost and the extrapolation to 1,000.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from coop import clock, create_app  # noqa: E402
from coop.auth.services import create_user, issue_token  # noqa: E402
from coop.db import atomic, db, read_session, utcnow  # noqa: E402
from coop.jobs import run_all  # noqa: E402
from coop.ledger import chart  # noqa: E402
from coop.ledger.rules import Line  # noqa: E402
from coop.ledger.services import EntrySpec, account_by_code, open_subaccounts, post_entries  # noqa: E402
from coop.membership.models import Member  # noqa: E402
from coop.onboarding import found_cooperative  # noqa: E402
from coop.registry.models import Household, Resident  # noqa: E402
from coop.registry.services import ensure_village  # noqa: E402
from coop.savings import services as savings  # noqa: E402
from coop.savings.models import SavingsAccount  # noqa: E402

START = date(2026, 8, 1)
MONTH_END_RUN = date(2026, 11, 1)
ORDINARY_DAY = date(2026, 11, 2)
POKOK, WAJIB = 100_000, 25_000
PASSWORD = "bench-rahasia-123"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def month_starts(months: int) -> list[date]:
    out, d = [], START
    for _ in range(months):
        out.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _people(n: int, members: int) -> int:
    """The cooperative through the service (chart, products, ledger head); its residents, members and their
    pokok, wajib and sukarela accounts in bulk, with the columns the services write (one household each)."""
    coop = found_cooperative(name=f"Koperasi Bench {n:04d}", village_code="3504042001")
    cid = coop.id
    ensure_village("3504042001")
    hh, res, mem, sav = (Household.__table__, Resident.__table__, Member.__table__, SavingsAccount.__table__)
    now = utcnow()
    people = range(1, members + 1)
    hh_ids = db.session.execute(hh.insert().returning(hh.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "kk_number": f"350404010715{i:04d}", "village_code": "3504042001",
         "created_at": now, "updated_at": now} for i in people]).scalars().all()
    res_ids = db.session.execute(res.insert().returning(res.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "household_id": h, "nik": f"350404{41 + i % 27:02d}{1 + i % 12:02d}{70 + i % 30:02d}{i:04d}",
         "is_temporary_nik": False, "full_name": f"Anggota {n} {i}", "sex": "F", "birth_place": "Tulungagung",
         "birth_date": date(1970 + i % 30, 1 + i % 12, 1 + i % 27), "relationship": "kepala_keluarga",
         "status": "hidup", "village_code": "3504042001", "pmi_status": "none", "created_at": now, "updated_at": now}
        for i, h in zip(people, hh_ids, strict=True)]).scalars().all()
    mem_ids = db.session.execute(mem.insert().returning(mem.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "resident_id": r, "member_seq": i, "member_number": f"KDM-{i:06d}",
         "status": "active", "member_type": "biasa", "joined_on": START}
        for i, r in zip(people, res_ids, strict=True)]).scalars().all()
    products = {p.kind: p for p in savings.default_products(cid).values()}
    rows = []
    for kind in ("pokok", "wajib", "sukarela"):
        product = products[kind]
        codes = open_subaccounts(cid, product.control_code, [
            (f"{product.code}-{i:06d}", f"{product.name} KDM-{i:06d}") for i in people],
            min_balance=product.min_balance)
        rows += [{"cooperative_id": cid, "member_id": m, "product_id": product.id, "kind": kind,
                  "account_number": f"{product.code}-{i:06d}", "ledger_account_id": codes[f"{product.code}-{i:06d}"],
                  "status": "active", "opened_on": START, "last_activity_on": START}
                 for i, m in zip(people, mem_ids, strict=True)]
    db.session.execute(sav.insert(), rows)
    return cid


def build_cooperative(n: int, members: int, months: int) -> int:
    """One cooperative: its people in bulk, their books through one ``post_entries`` batch."""
    cid = atomic(_people, n, members)
    rows = db.session.execute(sa.text(
        "SELECT sa.member_id, sa.kind, sa.ledger_account_id FROM savings_accounts sa WHERE sa.cooperative_id = :c"),
        {"c": cid}).all()
    by_member: dict[int, dict[str, int]] = {}
    for member_id, kind, account_id in rows:
        by_member.setdefault(member_id, {})[kind] = account_id
    kas = account_by_code(cid, chart.KAS).id
    specs = []
    for k, first in enumerate(month_starts(months)):
        for member_id, acc in sorted(by_member.items()):
            day = first + timedelta(days=member_id % 25)
            if k == 0:
                lines = [Line.dr(kas, POKOK + WAJIB), Line.cr(acc["pokok"], POKOK), Line.cr(acc["wajib"], WAJIB)]
            else:
                lines = [Line.dr(kas, WAJIB), Line.cr(acc["wajib"], WAJIB)]
            specs.append(EntrySpec(lines=lines, value_date=day, memo="Setoran simpanan"))
    specs.sort(key=lambda s: s.value_date)

    def _books():
        post_entries(cid, specs, actor=None, source="bench")
        db.session.execute(sa.text("UPDATE members SET status = 'active' WHERE cooperative_id = :c"), {"c": cid})
    atomic(_books)
    db.session.remove()
    return cid


def build(app, first: int, last: int, members: int, months: int) -> list[int]:
    ids = []
    t0 = time.perf_counter()
    with app.app_context(), clock.frozen(MONTH_END_RUN - timedelta(days=1)):
        for n in range(first, last):
            ids.append(build_cooperative(n, members, months))
            if (n + 1) % 10 == 0:
                print(f"  built {n + 1} cooperatives ({time.perf_counter() - t0:.0f} s)", flush=True)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return ids


class Treasurer:
    """A treasurer of cooperative ``cid``: logged-in pages and an API token for deposits."""

    PAGES = ["/cashdesk/", "/cashdesk/members/{member}", "/members/", "/cashdesk/daybook", "/reports/"]

    def __init__(self, app, cid: int):
        self.app = app
        with app.app_context():
            user = atomic(create_user, cooperative_id=cid, username=f"bendahara_{uuid.uuid4().hex[:6]}",
                          full_name="Bendahara Bench", role="treasurer", password=PASSWORD)
            raw, _ = atomic(issue_token, user, now=utcnow())
            self.member = db.session.execute(sa.text(
                "SELECT min(id) FROM members WHERE cooperative_id = :c"), {"c": cid}).scalar()
            self.sukarela = db.session.execute(sa.text(
                "SELECT id FROM savings_accounts WHERE cooperative_id = :c AND member_id = :m AND kind = 'sukarela'"),
                {"c": cid, "m": self.member}).scalar()
            username = user.username
            db.session.remove()
        self.client = app.test_client()
        resp = self.client.post("/login", data={"username": username, "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code
        self.headers = {"Authorization": f"Bearer {raw}"}

    def round(self) -> tuple[float, float]:
        """(seconds for the pages, seconds for one deposit)."""
        t0 = time.perf_counter()
        for page in self.PAGES:
            resp = self.client.get(page.format(member=self.member))
            assert resp.status_code == 200, (page, resp.status_code)
        t1 = time.perf_counter()
        resp = self.client.post(f"/api/v1/savings-accounts/{self.sukarela}/deposits", json={"amount": 10_000},
                                headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex})
        assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
        return t1 - t0, time.perf_counter() - t1


def measure_treasurer(treasurer: Treasurer, rounds: int) -> dict:
    with clock.frozen(MONTH_END_RUN - timedelta(days=1)):
        treasurer.round()  # warm-up
        before = rss_mb()
        pages, deposits = zip(*(treasurer.round() for _ in range(rounds)), strict=True)
        after = rss_mb()
    return {"pages": statistics.median(pages), "deposit": statistics.median(deposits), "rss_before": before,
            "rss_after": after}


PROVINCE_SQL = {
    "members": "SELECT cooperative_id, count(*) FILTER (WHERE status = 'active'), count(*) FROM members "
               "WHERE cooperative_id = ANY(:ids) GROUP BY cooperative_id",
    "savings": "SELECT sa.cooperative_id, sa.kind, -sum(a.balance), count(*) FROM savings_accounts sa "
               "JOIN accounts a ON a.id = sa.ledger_account_id WHERE sa.cooperative_id = ANY(:ids) "
               "GROUP BY sa.cooperative_id, sa.kind",
    "loans": "SELECT l.cooperative_id, count(*), sum(a.balance) FROM loans l JOIN accounts a ON "
             "a.id = l.ledger_account_id WHERE l.cooperative_id = ANY(:ids) AND l.status = 'active' "
             "GROUP BY l.cooperative_id",
}


def measure_province(app, ids: list[int], rounds: int = 3) -> dict:
    out = {}
    with app.app_context():
        for name, sql in PROVINCE_SQL.items():
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                with read_session():
                    rows = db.session.execute(sa.text(sql), {"ids": ids}).all()
                times.append(time.perf_counter() - t0)
                db.session.remove()
            out[name] = (statistics.median(times), len(rows))
    return out


def run_jobs(app, day: date) -> tuple[float, int, int]:
    errors = []
    with app.app_context(), clock.frozen(day):
        t0 = time.perf_counter()
        done, failed = run_all(lambda _c: day, echo=lambda *_: None, echo_err=errors.append)
        elapsed = time.perf_counter() - t0
        db.session.remove()
    for e in errors[:5]:
        print("   job error:", e)
    return elapsed, len(done), len(failed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("COOP_BENCH_DATABASE_URL"),
                    help="an EMPTY PostgreSQL database (it is migrated and filled); default COOP_BENCH_DATABASE_URL")
    ap.add_argument("--cooperatives", type=int, default=1000)
    ap.add_argument("--members", type=int, default=300)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--baseline", type=int, default=10)
    ap.add_argument("--province", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        print("bench_scale: skipped (needs an empty PostgreSQL database: --url or COOP_BENCH_DATABASE_URL; "
              "e.g. scripts/with_postgres.sh sh -c '.venv/bin/python bench/bench_scale.py --url "
              "\"$COOP_TEST_DATABASE_URL\" --cooperatives 100')")
        return
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()
        db.session.remove()
    n, base = args.cooperatives, min(args.baseline, args.cooperatives)
    print(f"== build {base} cooperatives x {args.members} members x {args.months} months", flush=True)
    t0 = time.perf_counter()
    ids = build(app, 0, base, args.members, args.months)
    t_base_build = time.perf_counter() - t0
    treasurer = Treasurer(app, ids[0])
    b = measure_treasurer(treasurer, args.rounds)
    print(f"   built in {t_base_build:.1f} s; treasurer pages {b['pages'] * 1000:.0f} ms, deposit "
          f"{b['deposit'] * 1000:.0f} ms, RSS {b['rss_before']:.0f} -> {b['rss_after']:.0f} MB", flush=True)
    print(f"== build {n - base} more (to {n})", flush=True)
    t0 = time.perf_counter()
    ids += build(app, base, n, args.members, args.months)
    t_build = time.perf_counter() - t0
    with app.app_context():
        postings = db.session.execute(sa.text("SELECT count(*) FROM postings")).scalar()
        entries = db.session.execute(sa.text("SELECT count(*) FROM journal_entries")).scalar()
        members = db.session.execute(sa.text("SELECT count(*) FROM members")).scalar()
        db.session.remove()
    per_coop_build = (t_base_build + t_build) / n
    print(f"   {n} cooperatives, {members:,} members, {entries:,} entries, {postings:,} posting lines; "
          f"{per_coop_build:.2f} s per cooperative to build (x1000: {per_coop_build * 1000 / 60:.0f} min)")
    f = measure_treasurer(treasurer, args.rounds)
    print(f"== treasurer of cooperative 1, {base} vs {n} cooperatives in the database (median of {args.rounds})")
    print(f"   pages   {b['pages'] * 1000:7.0f} ms -> {f['pages'] * 1000:7.0f} ms   ratio {f['pages'] / b['pages']:.2f}"
          f"  (goal <= 1.5)")
    print(f"   deposit {b['deposit'] * 1000:7.0f} ms -> {f['deposit'] * 1000:7.0f} ms   ratio "
          f"{f['deposit'] / b['deposit']:.2f}  (goal <= 1.5)")
    print(f"   RSS of this worker: {b['rss_before']:.0f} -> {b['rss_after']:.0f} MB at {base}; "
          f"{f['rss_before']:.0f} -> {f['rss_after']:.0f} MB at {n}")
    k = min(args.province, n)
    small = measure_province(app, ids[:base])
    prov = measure_province(app, ids[:k])
    total = sum(t for t, _ in prov.values())
    print(f"== programme aggregates (coop/programme absent: equivalent queries), {k} cooperatives vs {base}")
    for name, (t, rows) in prov.items():
        print(f"   {name:8s} {t * 1000:7.0f} ms ({rows} rows)   vs {small[name][0] * 1000:5.0f} ms for {base}")
    print(f"   total {total * 1000:.0f} ms (goal <= 2000 ms for 200)")
    t_me, done_me, failed_me = run_jobs(app, MONTH_END_RUN)
    t_day, done_day, failed_day = run_jobs(app, ORDINARY_DAY)
    print(f"== scheduled jobs for {n} cooperatives")
    print(f"   month end  {MONTH_END_RUN}: {t_me:7.1f} s, {done_me} runs, {failed_me} failed; "
          f"{t_me / n * 1000:.0f} ms per cooperative, x1000: {t_me / n * 1000 / 60:.1f} min")
    print(f"   ordinary   {ORDINARY_DAY}: {t_day:7.1f} s, {done_day} runs, {failed_day} failed; "
          f"{t_day / n * 1000:.0f} ms per cooperative, x1000: {t_day / n * 1000 / 60:.1f} min (goal <= 10 min)")


if __name__ == "__main__":
    main()
