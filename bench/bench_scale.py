"""Benchmark: one PostgreSQL database holding many cooperatives (issue 20, item 4). Not in CI, not in make test.

    scripts/with_postgres.sh sh -c '.venv/bin/python bench/bench_scale.py --url "$COOP_TEST_DATABASE_URL" --cooperatives 1000'
    (without a PostgreSQL URL, e.g. under ``make bench``, it says so and exits 0)
    .venv/bin/python bench/bench_scale.py --url postgresql+psycopg://... --cooperatives 100   # a smaller run

Builds ``--cooperatives`` cooperatives of ``--members`` members each with ``--months`` months of books: per
member the simpanan pokok and wajib in the first month, with a sukarela deposit for every other member (one
entry, three or four lines), and the wajib in each later month (two lines): 7.5 posting lines a member, about
2.25 million at 1,000 x 300 x 3. The first ``--province`` (200) cooperatives lie in villages spread over
Jawa Timur (35), the others in villages of other provinces; a fifth of the residents each are calon, aktif,
purna PMI and family. Each cooperative is founded through the service (chart, products, ledger head); its
residents, members and savings accounts are inserted in bulk with the columns the services write (the
services take ~0.2 s a member on a loaded machine: an hour per 100 cooperatives); the entries go through the
batch ``post_entries`` (one call a cooperative: hash chain, vouchers, balances, audit). ``--build-minutes``
stops adding cooperatives after that long (the shared machine may be too slow for the whole set) and
measures what was built; the report says how many.

Measures, each against a baseline taken in the same run, with this process's CPU time and the load average
beside every wall time (the machine is shared):

1. treasurer pages (cash desk, a member's page, the member list, the day book, reports) and one API deposit
   for cooperative 1 with ``--baseline`` (10) cooperatives in a database of their own (``<name>_base``, same
   cluster, same first cooperatives) and with all of them in the measured one, the rounds INTERLEAVED (one
   on each, in turn) so that both medians see the same load: ratio of the medians (goal <= 1.5), CPU of
   this process beside the wall time, and the process RSS before and after the rounds (a web worker's
   memory: flat). (Until 2026-12-04 the baseline was measured before the build and the full set after it:
   on the shared machine the load changed in between and the 1,000-cooperative run read 2.1-2.2 for it.)
2. the programme indicators of API.md "Programme monitoring" for a coordinator of province 35, grouped by
   regency: ``coop.programme.services.region_indicators`` (on ``read_session``) and ``GET
   /api/v1/programme/indicators``, with the baseline's cooperatives in the province and then 200 (goal <= 2 s);
3. the scheduled jobs for every cooperative: the month-end run (first of the month: jasa simpanan on the
   sukarela and its PPh, provisions, snapshots and the daily jobs) and an ordinary day (daily jobs only; goal
   <= 10 min for 1,000 on 2 cores), with the per-cooperative cost and the extrapolation to 1,000.
   ``--no-jobs`` stops before them; ``--jobs-only`` runs only them on a database built so.
"""
from __future__ import annotations

import argparse
import csv
import gzip
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
from coop.auth.models import User  # noqa: E402
from coop.auth.services import create_user, issue_token  # noqa: E402
from coop.db import atomic, db, read_session, utcnow  # noqa: E402
from coop.jobs import run_all  # noqa: E402
from coop.ledger import chart  # noqa: E402
from coop.ledger.rules import Line  # noqa: E402
from coop.ledger.services import EntrySpec, account_by_code, open_subaccounts, post_entries  # noqa: E402
from coop.membership.models import Member  # noqa: E402
from coop.onboarding import found_cooperative  # noqa: E402
from coop.programme.services import create_coordinator, region_indicators  # noqa: E402
from coop.registry.models import Household, Resident  # noqa: E402
from coop.registry.services import ensure_village  # noqa: E402
from coop.savings import services as savings  # noqa: E402
from coop.savings.models import SavingsAccount  # noqa: E402

START = date(2026, 8, 1)
MONTH_END_RUN = date(2026, 11, 1)
ORDINARY_DAY = date(2026, 11, 2)
POKOK, WAJIB = 100_000, 25_000
PASSWORD = "bench-rahasia-123"
#: The province of the first ``--province`` cooperatives (Jawa Timur); the others lie in other provinces.
PROVINCE = "35"
PMI = ("none", "calon", "aktif", "purna", "keluarga")


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


def sukarela(i: int) -> int:
    """The sukarela a member deposits in the first month: every other member, a few of them rich enough
    for the month's jasa simpanan to pass the PPh final threshold (Rp 240.000)."""
    if i % 2:
        return 0
    return 150_000_000 if i % 50 == 0 else 50_000 + (i % 20) * 25_000


def village_codes(cooperatives: int, in_province: int) -> list[str]:
    """A village code per cooperative: the first ``in_province`` spread over the villages of
    :data:`PROVINCE` (several regencies), the others over the villages of the other provinces."""
    with gzip.open(ROOT / "coop" / "data" / "wilayah.csv.gz", "rt", encoding="utf-8") as fh:
        codes = [row[0].replace(".", "") for row in csv.reader(fh) if len(row[0]) == 13]
    inside = sorted(c for c in codes if c.startswith(PROVINCE))
    outside = sorted(c for c in codes if not c.startswith(PROVINCE))
    k, rest = min(in_province, cooperatives), max(cooperatives - in_province, 0)
    return ([inside[i * len(inside) // k] for i in range(k)]
            + [outside[i * len(outside) // rest] for i in range(rest)])


def _people(n: int, members: int, village: str) -> int:
    """The cooperative through the service (chart, products, ledger head); its residents (some of them
    PMI, to give the indicators something to count), members and their pokok, wajib and sukarela accounts
    in bulk, with the columns the services write (one household each)."""
    coop = found_cooperative(name=f"Koperasi Bench {n:04d}", village_code=village)
    cid = coop.id
    ensure_village(village)
    hh, res, mem, sav = (Household.__table__, Resident.__table__, Member.__table__, SavingsAccount.__table__)
    now = utcnow()
    people = range(1, members + 1)
    hh_ids = db.session.execute(hh.insert().returning(hh.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "kk_number": f"350404010715{i:04d}", "village_code": village,
         "created_at": now, "updated_at": now} for i in people]).scalars().all()
    res_ids = db.session.execute(res.insert().returning(res.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "household_id": h, "nik": f"350404{41 + i % 27:02d}{1 + i % 12:02d}{70 + i % 30:02d}{i:04d}",
         "is_temporary_nik": False, "full_name": f"Anggota {n} {i}", "sex": "F", "birth_place": "Tulungagung",
         "birth_date": date(1970 + i % 30, 1 + i % 12, 1 + i % 27), "relationship": "kepala_keluarga",
         "status": "hidup", "village_code": village, "pmi_status": PMI[i % len(PMI)], "created_at": now,
         "updated_at": now}
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


def build_cooperative(n: int, members: int, months: int, village: str) -> int:
    """One cooperative: its people in bulk, their books through one ``post_entries`` batch."""
    cid = atomic(_people, n, members, village)
    rows = db.session.execute(sa.text(
        "SELECT m.member_seq, sa.member_id, sa.kind, sa.ledger_account_id FROM savings_accounts sa "
        "JOIN members m ON m.id = sa.member_id WHERE sa.cooperative_id = :c"), {"c": cid}).all()
    by_member: dict[tuple[int, int], dict[str, int]] = {}
    for seq, member_id, kind, account_id in rows:
        by_member.setdefault((seq, member_id), {})[kind] = account_id
    kas = account_by_code(cid, chart.KAS).id
    specs = []
    for k, first in enumerate(month_starts(months)):
        for (seq, member_id), acc in sorted(by_member.items()):
            day = first + timedelta(days=member_id % 25)
            if k == 0:
                extra = sukarela(seq)
                lines = [Line.dr(kas, POKOK + WAJIB + extra), Line.cr(acc["pokok"], POKOK), Line.cr(acc["wajib"], WAJIB)]
                if extra:
                    lines.append(Line.cr(acc["sukarela"], extra))
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


def build(app, villages: list[str], first: int, last: int, members: int, months: int,
          minutes: float | None = None) -> list[int]:
    """Cooperatives ``first`` to ``last`` (fewer when ``minutes`` have passed: the shared machine may be
    too slow for the whole set in the time there is; the report says how many were built)."""
    ids = []
    t0 = time.perf_counter()
    with app.app_context(), clock.frozen(MONTH_END_RUN - timedelta(days=1)):
        for n in range(first, last):
            if minutes is not None and time.perf_counter() - t0 > minutes * 60:
                print(f"  stopped after {minutes:g} min (--build-minutes) at {n} cooperatives", flush=True)
                break
            ids.append(build_cooperative(n, members, months, villages[n]))
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

    def round(self) -> tuple[float, float, float, float]:
        """(wall seconds for the pages, for one deposit, CPU seconds of this process for the pages, for the
        deposit): the CPU is the app's and the test client's, not the database server's."""
        t0, c0 = time.perf_counter(), time.process_time()
        for page in self.PAGES:
            resp = self.client.get(page.format(member=self.member))
            assert resp.status_code == 200, (page, resp.status_code)
        t1, c1 = time.perf_counter(), time.process_time()
        resp = self.client.post(f"/api/v1/savings-accounts/{self.sukarela}/deposits", json={"amount": 10_000},
                                headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex})
        assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
        return t1 - t0, time.perf_counter() - t1, c1 - c0, time.process_time() - c1


def measure_treasurer(treasurer: Treasurer, rounds: int) -> dict:
    with clock.frozen(MONTH_END_RUN - timedelta(days=1)):
        treasurer.round()  # warm-up
        before = rss_mb()
        pages, deposits, pages_cpu, deposits_cpu = zip(*(treasurer.round() for _ in range(rounds)), strict=True)
        after = rss_mb()
    return {"pages": statistics.median(pages), "deposit": statistics.median(deposits),
            "pages_cpu": statistics.median(pages_cpu), "deposit_cpu": statistics.median(deposits_cpu),
            "rss_before": before, "rss_after": after}


def measure_pair(small: Treasurer, big: Treasurer, rounds: int) -> tuple[dict, dict]:
    """The same treasurer's round on the baseline database and on the full one, INTERLEAVED round by round
    (small, big, small, big...), so both medians are taken under the same load of the shared machine."""
    with clock.frozen(MONTH_END_RUN - timedelta(days=1)):
        small.round()
        big.round()  # warm-up
        before = rss_mb()
        pairs = [(small.round(), big.round()) for _ in range(rounds)]
        after = rss_mb()
    out = []
    for k in (0, 1):
        cols = list(zip(*(p[k] for p in pairs), strict=True))
        out.append({"pages": statistics.median(cols[0]), "deposit": statistics.median(cols[1]),
                    "pages_cpu": statistics.median(cols[2]), "deposit_cpu": statistics.median(cols[3]),
                    "rss_before": before, "rss_after": after})
    return out[0], out[1]


class Coordinator:
    """A programme coordinator of :data:`PROVINCE`: the indicators of API.md "Programme monitoring" through
    the service (``coop.programme.services.region_indicators``, on ``read_session`` as the API runs them)
    and through ``GET /api/v1/programme/indicators``."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            user = atomic(create_coordinator, username=f"koordinator_{uuid.uuid4().hex[:6]}",
                          full_name="Koordinator Bench", region=PROVINCE, password=PASSWORD, actor=None)
            raw, _ = atomic(issue_token, user, now=utcnow())
            self.user_id = user.id
            db.session.remove()
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def service(self) -> tuple[float, float, dict]:
        """(wall seconds, CPU seconds of this process, the indicators) of one service call, by regency."""
        with self.app.app_context():
            user = db.session.get(User, self.user_id)
            t0, c0 = time.perf_counter(), time.process_time()
            with read_session():
                data = region_indicators(user, PROVINCE, START, MONTH_END_RUN, as_of=MONTH_END_RUN,
                                         group_by="regency")
            out = time.perf_counter() - t0, time.process_time() - c0, data
            db.session.remove()
        return out

    def api(self) -> float:
        t0 = time.perf_counter()
        resp = self.client.get(f"/api/v1/programme/indicators?region={PROVINCE}&group_by=regency",
                               headers=self.headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        return time.perf_counter() - t0


def measure_province(coordinator: Coordinator, rounds: int = 5) -> dict:
    coordinator.service()  # warm-up
    calls = [coordinator.service() for _ in range(rounds)]
    with clock.frozen(MONTH_END_RUN):
        api = [coordinator.api() for _ in range(rounds)]
    data = calls[-1][2]
    return {"wall": statistics.median(c[0] for c in calls), "cpu": statistics.median(c[1] for c in calls),
            "api": statistics.median(api), "cooperatives": data["cooperatives"], "villages": data["villages"],
            "groups": len(data["groups"]), "members": data["cooperative"]["members"],
            "savings": data["cooperative"]["savings"], "pmi": sum(data["pmi"][s] for s in PMI[1:])}


def load() -> str:
    """The machine's load averages (1, 5, 15 min): it is shared, so every wall time is read beside them."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run_jobs(app, day: date) -> dict:
    """Every due job of every cooperative as of ``day``: wall and CPU seconds of this process (the
    database server's CPU is not in it), runs done and failed, the interest entries' lines."""
    errors: list[str] = []
    done: list[str] = []
    with app.app_context(), clock.frozen(day):
        before = load()
        t0, c0 = time.perf_counter(), time.process_time()
        done, failed = run_all(lambda _c: day, echo=lambda *_: None, echo_err=errors.append)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        interest = db.session.execute(sa.text(
            "SELECT count(DISTINCT e.id), count(*) FROM journal_entries e JOIN postings p ON p.entry_id = e.id "
            "WHERE e.source = 'savings.interest'")).one()
        db.session.remove()
    for e in errors[:5]:
        print("   job error:", e)
    return {"wall": wall, "cpu": cpu, "done": len(done), "failed": len(failed), "load": f"{before} -> {load()}",
            "interest_entries": interest[0], "interest_lines": interest[1]}


def main() -> None:  # noqa: PLR0915 -- one report, printed in order
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("COOP_BENCH_DATABASE_URL"),
                    help="an EMPTY PostgreSQL database (it is migrated and filled); default COOP_BENCH_DATABASE_URL")
    ap.add_argument("--cooperatives", type=int, default=1000)
    ap.add_argument("--members", type=int, default=300)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--baseline", type=int, default=10)
    ap.add_argument("--province", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--build-minutes", type=float, default=None,
                    help="stop adding cooperatives after this long and measure the set built so far")
    ap.add_argument("--no-jobs", action="store_true", help="stop before the scheduled jobs")
    ap.add_argument("--measure-only", action="store_true",
                    help="both databases already hold their sets (an earlier run on a kept cluster): measure only")
    ap.add_argument("--jobs-only", action="store_true",  # on the baseline database (``<name>_base``) too
                    help="the database already holds the set (a run with --no-jobs): run only the jobs")
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
    if args.jobs_only:
        with app.app_context():
            n = db.session.execute(sa.text("SELECT count(*) FROM cooperatives")).scalar()
            db.session.remove()
        print(f"== {n} cooperatives in the database (load {load()})", flush=True)
        jobs(app, n)
        base_url = base_database(args.url)  # the baseline's too: --measure-only compares equal job states
        base_app = create_app({"SQLALCHEMY_DATABASE_URI": base_url, "SECRET_KEY": "bench",
                               "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
        with base_app.app_context():
            upgrade()
            n = db.session.execute(sa.text("SELECT count(*) FROM cooperatives")).scalar()
            db.session.remove()
        if n:
            print(f"== the baseline database: {n} cooperatives", flush=True)
            jobs(base_app, n)
        return
    base_app = create_app({"SQLALCHEMY_DATABASE_URI": base_database(args.url), "SECRET_KEY": "bench",
                           "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
    with base_app.app_context():
        upgrade()
        db.session.remove()
    n, base = args.cooperatives, min(args.baseline, args.cooperatives)
    villages = village_codes(n, args.province)
    if args.measure_only:
        ids_small, ids = first_cooperative(base_app), first_cooperative(app)
    else:
        print(f"== build {base} cooperatives x {args.members} members x {args.months} months into the baseline "
              f"database (load {load()})", flush=True)
        t0, c0 = time.perf_counter(), time.process_time()
        ids_small = build(base_app, villages, 0, base, args.members, args.months)
        print(f"   built in {time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU)", flush=True)
        print(f"== build {n} cooperatives into the measured database (load {load()})", flush=True)
        t0, c0 = time.perf_counter(), time.process_time()
        ids = build(app, villages, 0, n, args.members, args.months, args.build_minutes)
        t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
        print(f"   {t_build / len(ids):.2f} s per cooperative to build ({c_build / len(ids):.2f} s CPU of this "
              f"process), x1000: {t_build / len(ids) * 1000 / 60:.0f} min (load {load()})", flush=True)
    with app.app_context():
        n = db.session.execute(sa.text("SELECT count(*) FROM cooperatives")).scalar()
        postings = db.session.execute(sa.text("SELECT count(*) FROM postings")).scalar()
        entries = db.session.execute(sa.text("SELECT count(*) FROM journal_entries")).scalar()
        members = db.session.execute(sa.text("SELECT count(*) FROM members")).scalar()
        db.session.remove()
    print(f"   {n} cooperatives, {members:,} members, {entries:,} entries, {postings:,} posting lines", flush=True)
    small_t, big_t = Treasurer(base_app, ids_small[0]), Treasurer(app, ids[0])
    b, f = measure_pair(small_t, big_t, args.rounds)
    print(f"== treasurer of cooperative 1, {base} vs {n} cooperatives in the database (two databases, rounds "
          f"interleaved; median of {args.rounds}; wall, and CPU of this process = app + test client; load {load()})")
    print(f"   pages   {b['pages'] * 1000:7.0f} ms -> {f['pages'] * 1000:7.0f} ms   ratio {f['pages'] / b['pages']:.2f}"
          f"  (goal <= 1.5: {'met' if f['pages'] / b['pages'] <= 1.5 else 'NOT MET'}); CPU {b['pages_cpu'] * 1000:.0f}"
          f" -> {f['pages_cpu'] * 1000:.0f} ms")
    print(f"   deposit {b['deposit'] * 1000:7.0f} ms -> {f['deposit'] * 1000:7.0f} ms   ratio "
          f"{f['deposit'] / b['deposit']:.2f}  (goal <= 1.5: {'met' if f['deposit'] / b['deposit'] <= 1.5 else 'NOT MET'})"
          f"; CPU {b['deposit_cpu'] * 1000:.1f} -> {f['deposit_cpu'] * 1000:.1f} ms")
    print(f"   RSS of this process (both apps): {b['rss_before']:.0f} -> {b['rss_after']:.0f} MB over "
          f"{2 * args.rounds} rounds", flush=True)
    small_c, big_c = Coordinator(base_app), Coordinator(app)
    small, prov = measure_province(small_c), measure_province(big_c)
    print(f"== programme indicators of province {PROVINCE} by regency (coop.programme.services.region_indicators, "
          f"median of 5, load {load()})")
    for label, m in ((f"{base} in the database", small), (f"{n} in the database", prov)):
        print(f"   {m['cooperatives']:4d} cooperatives in {m['villages']} villages, {m['groups']} regencies "
              f"({label}): service {m['wall'] * 1000:6.0f} ms ({m['cpu'] * 1000:.0f} ms CPU), API "
              f"{m['api'] * 1000:6.0f} ms; members {m['members']:,}, PMI {m['pmi']:,}, savings {m['savings']:,}")
    print(f"   goal <= 2000 ms for 200 cooperatives: {'met' if prov['api'] <= 2 else 'NOT MET'}", flush=True)
    if not args.no_jobs:
        jobs(app, n)


def base_database(url: str) -> str:
    """The URL of the baseline database beside ``url`` (its name + ``_base``), created when missing: the
    baseline's cooperatives live in their own database so that both can be measured round by round."""
    import psycopg  # noqa: PLC0415 -- only this PostgreSQL-only bench needs the driver itself

    u = sa.engine.make_url(url)
    name = f"{u.database}_base"
    with psycopg.connect(u.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            con.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


def first_cooperative(app) -> list[int]:
    with app.app_context():
        ids = list(db.session.execute(sa.text("SELECT id FROM cooperatives ORDER BY id")).scalars())
        db.session.remove()
    return ids


def jobs(app, n: int) -> None:
    """The month-end run, then an ordinary day, for every cooperative of the database."""
    for label, day in (("month end", MONTH_END_RUN), ("ordinary ", ORDINARY_DAY)):
        r = run_jobs(app, day)
        goal = "" if day == MONTH_END_RUN else " (goal <= 10 min)"
        print(f"== jobs {label} {day} for {n} cooperatives: {r['wall']:7.1f} s wall, {r['cpu']:.1f} s CPU of this "
              f"process; {r['done']} runs, {r['failed']} failed; {r['wall'] / n * 1000:.0f} ms a cooperative "
              f"({r['cpu'] / n * 1000:.0f} ms CPU), x1000: {r['wall'] / n * 1000 / 60:.1f} min{goal}; "
              f"load {r['load']}", flush=True)
        if day == MONTH_END_RUN:
            print(f"   jasa simpanan: {r['interest_entries']} entries, {r['interest_lines']:,} posting lines")


if __name__ == "__main__":
    main()
