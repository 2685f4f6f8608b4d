"""Benchmark: the treasurer's cash-desk pages at scale against demo size and raw sqlite3 (issue 17).

    .venv/bin/python bench/bench_cashdesk_pages.py                 # 20,000 members, ~2,000,000 posting lines
    .venv/bin/python bench/bench_cashdesk_pages.py --quick         # 2,000 members, ~200,000 lines (smoke run)
    .venv/bin/python bench/bench_cashdesk_pages.py --arrears --pages arrears   # 10 % in wajib arrears, one page
    COOP_BENCH_MEMBERS=5000 COOP_BENCH_POSTINGS=500000 .venv/bin/python bench/bench_cashdesk_pages.py

Goal (issue 17): every page a treasurer uses at the cash desk renders in <= 50 ms of server time, with demo-sized
data and with a cooperative of 20,000 members and 2,000,000 postings, the ratio of the two <= 1.5.

Two SQLite books are generated with the SAME history per member (so only the size of the cooperative differs):
a demo-sized one (``--small-members``, 200) and the large one. Per member: simpanan pokok and wajib in the first
of 24 months (one entry, three lines), wajib every later month (every tenth member stopped three months ago; at
25.000 a month against the product's 20.000 they are still ahead, so the wajib arrears list is EMPTY; ``--arrears``
measures copies of both sets with the wajib amount set to 25.000 from the first month, which puts those 10 % in
arrears), and sukarela deposits and withdrawals spread over every day up to "today" until the
member has ``postings / members`` lines; one member in twenty has a loan (12 monthly instalments). The
cooperative, its users and products go through the services; people, accounts and loans are bulk-inserted with
the columns the services write, entries and postings by ``executemany`` with ``synchronous=OFF`` (the hash chain
is not computed: no page reads it), then every account's running balance is set from its postings, and the
nightly ``savings.arrears`` job writes the stored wajib arrears. Each set is
cached in ``--cache-dir`` under a name made of its parameters (a rerun starts in seconds; ``upgrade`` is run on a
cached copy, so a new migration applies to it).

Measured per page, in-process (Flask test client, logged in as the treasurer): CPU per request
(``time.process_time``, median of ``--repeat``; the test client's own work is included), on the demo-sized and
the large set, their ratio, and the physical baseline: raw ``sqlite3`` replaying the SELECTs the page ran (captured
from the engine) on the same file, same process.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from coop import clock, create_app, settings  # noqa: E402
from coop.auth.services import create_user  # noqa: E402
from coop.db import atomic, db, utcnow  # noqa: E402
from coop.ledger import chart  # noqa: E402
from coop.ledger.models import Account  # noqa: E402
from coop.ledger.rules import voucher_number  # noqa: E402
from coop.ledger.services import account_by_code, open_subaccounts  # noqa: E402
from coop.loans import schedule  # noqa: E402
from coop.loans import services as loans  # noqa: E402
from coop.loans.models import Loan, LoanInstalment  # noqa: E402
from coop.membership.models import Member  # noqa: E402
from coop.onboarding import found_cooperative  # noqa: E402
from coop.registry.models import Household, Resident  # noqa: E402
from coop.registry.services import ensure_village  # noqa: E402
from coop.savings import services as savings  # noqa: E402
from coop.savings.models import SavingsAccount  # noqa: E402

#: "today" of every run (the clock is frozen on it); 24 months of history end here
TODAY = date(2026, 11, 27)
MONTHS = 24
POKOK, WAJIB, SETOR, TARIK = 100_000, 25_000, 50_000, 20_000
PASSWORD = "bench-rahasia-123"
DATA_VERSION = 1
GOAL_MS, GOAL_RATIO = 50.0, 1.5
NAMES = ("Siti", "Sri", "Dewi", "Budi", "Agus", "Wahyuni", "Slamet", "Rina", "Joko", "Yuli", "Eko", "Nur",
         "Tri", "Heru", "Lestari", "Bambang", "Ani", "Dwi", "Rudi", "Endang")


def _month(k: int) -> date:
    """The first day of the k-th of the MONTHS months ending with TODAY's."""
    y, m = divmod(TODAY.year * 12 + TODAY.month - 1 - (MONTHS - 1 - k), 12)
    return date(y, m + 1, 1)


def _app(path: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                       "WTF_CSRF_ENABLED": False})


# --------------------------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------------------------

def _people(members: int) -> int:
    """The cooperative, its treasurer and loan product through the services; residents, members and their
    pokok, wajib and sukarela accounts in bulk (one household each)."""
    coop = found_cooperative(name="Koperasi Bench Kas", village_code="3504042001", founded_on=_month(0))
    cid = coop.id
    create_user(cooperative_id=cid, username="bendahara", full_name="Bendahara Bench", role="treasurer",
                password=PASSWORD)
    ensure_village("3504042001")
    hh, res, mem, sav = (Household.__table__, Resident.__table__, Member.__table__, SavingsAccount.__table__)
    now = utcnow()
    people = range(1, members + 1)
    hh_ids = db.session.execute(hh.insert().returning(hh.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "kk_number": f"35040401{i:08d}", "village_code": "3504042001",
         "created_at": now, "updated_at": now} for i in people]).scalars().all()
    res_ids = db.session.execute(res.insert().returning(res.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "household_id": h, "nik": f"3504{41 + i % 27:02d}{1 + i % 12:02d}{70 + i % 30:02d}{i:06d}",
         "is_temporary_nik": False, "full_name": f"{NAMES[i % len(NAMES)]} {NAMES[i * 7 % len(NAMES)]} {i}",
         "sex": "F", "birth_place": "Tulungagung", "birth_date": date(1970 + i % 30, 1 + i % 12, 1 + i % 27),
         "relationship": "kepala_keluarga", "status": "hidup", "village_code": "3504042001", "pmi_status": "none",
         "created_at": now, "updated_at": now} for i, h in zip(people, hh_ids, strict=True)]).scalars().all()
    mem_ids = db.session.execute(mem.insert().returning(mem.c.id, sort_by_parameter_order=True), [
        {"cooperative_id": cid, "resident_id": r, "member_seq": i, "member_number": f"KDM-{i:06d}",
         "status": "active", "member_type": "biasa", "joined_on": _month(0)}
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
                  "status": "active", "opened_on": _month(0), "last_activity_on": TODAY}
                 for i, m in zip(people, mem_ids, strict=True)]
    db.session.execute(sav.insert(), rows)
    _loans(cid, mem_ids[::20])
    return cid


def _loans(cid: int, member_ids: list[int]) -> None:
    """A flat 12-month loan of Rp 5.000.000 for each of ``member_ids``, disbursed four months ago (the
    disbursement is not in the books: its sub-account's balance is set directly, as bench_loans_daily does)."""
    product = loans.create_product(cid, actor=None, name="Bench", method="flat",
                                   rate_percent_per_month=Decimal("1.5"))
    terms = loans.terms_of(product)
    parent = account_by_code(cid, "1201")
    disbursed = _month(MONTHS - 5) + timedelta(days=9)
    plan = schedule.build_schedule(5_000_000, loans.schedule_terms(terms, 12), disbursed + timedelta(days=30))
    now = utcnow()
    db.session.execute(sa.insert(Account), [
        {"cooperative_id": cid, "code": f"1201.B{i:06d}", "name": f"Pinjaman B{i:06d}", "type": "asset",
         "normal_side": "D", "parent_id": parent.id, "balance": 5_000_000, "min_balance": 0, "is_control": False,
         "is_open": True, "created_at": now} for i in range(len(member_ids))])
    acc = dict(db.session.execute(sa.select(Account.code, Account.id).where(
        Account.cooperative_id == cid, Account.code.like("1201.B%"))).all())
    db.session.execute(sa.insert(Loan), [
        {"cooperative_id": cid, "number": f"B{i:06d}", "member_id": m, "product_id": product.id, "purpose": "usaha",
         "principal": 5_000_000, "term_months": 12, "terms": terms, "method": "flat",
         "rate_percent_per_month": Decimal("1.5"), "frequency": "monthly", "status": "active",
         "applied_on": disbursed - timedelta(days=7), "disbursed_on": disbursed, "first_due_date": plan[0].due_date,
         "fee_amount": 0, "ledger_account_id": acc[f"1201.B{i:06d}"], "schedule_version": 1, "collectibility": 1,
         "days_past_due": 0, "written_off_amount": 0, "created_at": now, "next_action_date": TODAY}
        for i, m in enumerate(member_ids)])
    ids = dict(db.session.execute(sa.select(Loan.number, Loan.id).where(Loan.cooperative_id == cid)).all())
    db.session.execute(sa.insert(LoanInstalment), [
        {"cooperative_id": cid, "loan_id": ids[f"B{i:06d}"], "version": 1, "number": inst.number,
         "due_on": inst.due_date, "principal_due": inst.principal, "interest_due": inst.interest, "fee_due": 0,
         "penalty_due": 0, "principal_paid": 0, "interest_paid": 0, "fee_paid": 0, "penalty_paid": 0,
         "interest_waived": 0} for i in range(len(member_ids)) for inst in plan])


def _entries(accounts: dict[int, dict[str, int]], lines: int) -> list[tuple]:
    """(day ordinal, member seq, source, [(account, debit, credit)]) of the whole history, by date."""
    per_member = max(lines // max(len(accounts), 1), 5)
    first, end = _month(0).toordinal(), TODAY.toordinal()
    span = end - first + 1
    out = []
    for seq, (_member_id, acc) in enumerate(sorted(accounts.items()), start=1):
        kas = acc["kas"]
        day0 = first + seq % 25
        out.append((day0, seq, "savings.pokok", ((kas, POKOK + WAJIB, 0), (acc["pokok"], 0, POKOK),
                                                 (acc["wajib"], 0, WAJIB))))
        used = 3
        stop = MONTHS - 3 if seq % 10 == 0 else MONTHS
        for k in range(1, stop):
            day = min(_month(k).toordinal() + seq % 25, end)
            out.append((day, seq, "savings.wajib", ((kas, WAJIB, 0), (acc["wajib"], 0, WAJIB))))
            used += 2
        n = max((per_member - used) // 2, 0)
        days = sorted(first + (seq * 7919 + j * 104729) % span for j in range(n))
        for j, day in enumerate(days):
            if j % 5 == 4:
                out.append((day, seq, "savings.withdrawal", ((acc["sukarela"], TARIK, 0), (kas, 0, TARIK))))
            else:
                out.append((day, seq, "savings.deposit", ((kas, SETOR, 0), (acc["sukarela"], 0, SETOR))))
    out.sort(key=lambda e: (e[0], e[1]))
    return out


def _books(path: Path, cid: int, lines: int) -> None:
    """Entries and postings by executemany on one sqlite3 connection (``synchronous=OFF``), then the running
    balances from the postings."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    kas = con.execute("SELECT id FROM accounts WHERE cooperative_id = ? AND code = ?", (cid, chart.KAS)).fetchone()[0]
    accounts: dict[int, dict[str, int]] = {}
    for member_id, kind, ledger_id in con.execute(
            "SELECT member_id, kind, ledger_account_id FROM savings_accounts WHERE cooperative_id = ?", (cid,)):
        accounts.setdefault(member_id, {"kas": kas})[kind] = ledger_id
    memos = {"savings.pokok": "Setoran simpanan pokok", "savings.wajib": "Setoran simpanan wajib",
             "savings.deposit": "Setoran", "savings.withdrawal": "Penarikan"}
    entry_id = con.execute("SELECT coalesce(max(id), 0) FROM journal_entries").fetchone()[0]
    posting_id = con.execute("SELECT coalesce(max(id), 0) FROM postings").fetchone()[0]
    chain = con.execute("SELECT coalesce(max(chain_seq), 0) FROM journal_entries WHERE cooperative_id = ?",
                        (cid,)).fetchone()[0]
    year_seq: dict[int, int] = {}
    entries, postings = [], []

    def flush():
        con.executemany(
            "INSERT INTO journal_entries (id, cooperative_id, voucher_year, voucher_seq, voucher_number, chain_seq, "
            "value_date, posted_at, memo, source, payload_hash, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entries)
        con.executemany("INSERT INTO postings (id, cooperative_id, entry_id, line_no, account_id, debit, credit) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", postings)
        entries.clear()
        postings.clear()

    for day, _seq, source, plines in _entries(accounts, lines):
        d = date.fromordinal(day)
        entry_id += 1
        chain += 1
        year_seq[d.year] = year_seq.get(d.year, 0) + 1
        posted = datetime(d.year, d.month, d.day, 2, 0).isoformat(" ", "microseconds")
        entries.append((entry_id, cid, d.year, year_seq[d.year], voucher_number(d.year, year_seq[d.year]), chain,
                        d.isoformat(), posted, memos[source], source, "0" * 64, "0" * 64, "0" * 64))
        for no, (account, debit, credit) in enumerate(plines, start=1):
            posting_id += 1
            postings.append((posting_id, cid, entry_id, no, account, debit, credit))
        if len(entries) >= 50_000:
            flush()
    flush()
    con.execute("UPDATE ledger_heads SET chain_seq = ? WHERE cooperative_id = ?", (chain, cid))
    for year, seq in year_seq.items():
        con.execute("INSERT OR REPLACE INTO voucher_counters (cooperative_id, year, last_seq) VALUES (?, ?, ?)",
                    (cid, year, seq))
    con.execute("UPDATE accounts SET balance = coalesce((SELECT sum(p.debit - p.credit) FROM postings p "
                "WHERE p.account_id = accounts.id), 0) WHERE cooperative_id = ? AND code NOT LIKE '1201.B%'", (cid,))
    con.commit()
    con.close()  # no ANALYZE: the app never runs it, so the pages are planned without statistics here too


def dataset(cache_dir: Path, members: int, lines: int, arrears: bool = False) -> Path:
    """The cached SQLite file of (members, lines), generated on first use; migrations applied either way.
    ``arrears``: a copy of it with :data:`ARREARS_SETTING` (every tenth member in wajib arrears), cached too."""
    path = cache_dir / f"cashdesk-pages-v{DATA_VERSION}-{members}m-{lines}p.sqlite3"
    if arrears:
        return _with_arrears(dataset(cache_dir, members, lines), path.with_suffix(".arrears.sqlite3"))
    app = _app(path)
    if not path.exists():
        t0 = time.perf_counter()
        tmp = path.with_suffix(".building")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        app = _app(tmp)
        with app.app_context(), clock.frozen(TODAY):
            _upgrade()
            cid = atomic(_people, members)
            db.session.remove()
            db.engine.dispose()
        _books(tmp, cid, lines)
        shutil.move(tmp, path)
        for lock in tmp.parent.glob(f"{tmp.name}-*.lock"):
            lock.unlink()
        app = _app(path)
        print(f"  generated {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    with app.app_context(), clock.frozen(TODAY):
        _upgrade()
        _daily_jobs()
        db.engine.dispose()
    return path


#: ``--arrears``: ``simpanan_wajib_amount`` 25.000 from the history's first month (December 2024). Members pay
#: 25.000 a month, so the tenth who stopped three months ago owe two months (this month is not over): 10 % of
#: the members are in the wajib arrears list (20 of 200, 2,000 of 20,000).
ARREARS_SETTING = ("simpanan_wajib_amount", WAJIB, _month(0))


def _with_arrears(base: Path, path: Path) -> Path:
    """``path``: a copy of ``base`` with :data:`ARREARS_SETTING` (made once), migrated and refreshed."""
    if not path.exists():
        tmp = path.with_suffix(".building")
        shutil.copy(base, tmp)
        with _app(tmp).app_context(), clock.frozen(TODAY):
            cid = db.session.scalar(sa.text("SELECT id FROM cooperatives WHERE name = 'Koperasi Bench Kas'"))
            key, amount, effective_on = ARREARS_SETTING
            atomic(settings.set_value, cid, key, amount, effective_on=effective_on)
            db.session.remove()
            db.engine.dispose()
        shutil.move(tmp, path)
        for lock in tmp.parent.glob(f"{tmp.name}-*.lock"):
            lock.unlink()
    with _app(path).app_context(), clock.frozen(TODAY):
        _upgrade()
        _daily_jobs()
        db.engine.dispose()
    return path


def _daily_jobs() -> None:
    """What the nightly jobs have done on a live book: the stored wajib arrears written (``savings.arrears``;
    the bulk-inserted accounts, and every account after revision 0025, start marked stale)."""
    cid = db.session.scalar(sa.text("SELECT id FROM cooperatives WHERE name = 'Koperasi Bench Kas'"))
    atomic(savings.refresh_arrears, cid)


def _upgrade() -> None:
    upgrade()


# --------------------------------------------------------------------------------------------
# The pages
# --------------------------------------------------------------------------------------------

class Desk:
    """The treasurer logged in on the set in ``path``, with the ids the pages need."""

    def __init__(self, path: Path):
        self.path = path
        self.app = _app(path)
        with self.app.app_context():
            q = lambda sql, **kw: db.session.execute(sa.text(sql), kw).scalar()  # noqa: E731
            cid = q("SELECT id FROM cooperatives WHERE name = 'Koperasi Bench Kas'")
            loan_id, member_id = db.session.execute(sa.text(
                "SELECT id, member_id FROM loans WHERE cooperative_id = :c ORDER BY id LIMIT 1 OFFSET "
                "(SELECT count(*) / 2 FROM loans WHERE cooperative_id = :c)"), {"c": cid}).one()
            member_number = q("SELECT member_number FROM members WHERE id = :m", m=member_id)
            sukarela, ledger_id = db.session.execute(sa.text(
                "SELECT id, ledger_account_id FROM savings_accounts WHERE member_id = :m AND kind = 'sukarela'"),
                {"m": member_id}).one()
            entry = q("SELECT max(entry_id) FROM postings WHERE account_id = :a", a=ledger_id)
            name = q("SELECT r.full_name FROM residents r JOIN members m ON m.resident_id = r.id WHERE m.id = :m",
                     m=member_id)
            db.session.remove()
        fragment = name.split()[-1]
        self.pages = [
            ("cash desk home", "/cashdesk/"),
            ("search by name", f"/cashdesk/?q={name.split()[0]}+{fragment}"),
            ("type-ahead, member number", f"/cashdesk/search?q={member_number}"),
            ("member page (savings + loans)", f"/cashdesk/members/{member_id}"),
            ("savings statement", f"/members/accounts/{sukarela}/statement"),
            ("day book", "/cashdesk/daybook"),
            ("loan page", f"/loans/{loan_id}"),
            ("arrears list", "/members/arrears"),
            ("receipt", f"/cashdesk/receipts/{entry}"),
        ]
        self.client = self.app.test_client()
        with clock.frozen(TODAY):
            resp = self.client.post("/login", data={"username": "bendahara", "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code

    def measure(self, url: str, repeat: int) -> tuple[float, list[tuple[str, tuple]]]:
        """(median CPU ms per request, the SELECTs of one request)."""
        captured: list[tuple[str, tuple]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                captured.append((statement, tuple(parameters or ())))

        with clock.frozen(TODAY):
            for _ in range(2):  # warm-up: templates compiled, statements cached
                resp = self.client.get(url)
                assert resp.status_code == 200, (url, resp.status_code)
            with self.app.app_context():
                engine = db.engine
            sa.event.listen(engine, "before_cursor_execute", capture)
            try:
                self.client.get(url)
            finally:
                sa.event.remove(engine, "before_cursor_execute", capture)
            times = []
            for _ in range(repeat):
                t0 = time.process_time()
                resp = self.client.get(url)
                times.append(time.process_time() - t0)
                assert resp.status_code == 200, (url, resp.status_code)
        return statistics.median(times) * 1000, captured


def raw_ms(path: Path, statements: list[tuple[str, tuple]], repeat: int) -> float:
    """Median CPU ms of ``sqlite3`` running the same SELECTs with the same parameters and fetching every row."""
    con = sqlite3.connect(path)
    times = []
    for _ in range(repeat + 1):
        t0 = time.process_time()
        for sql, params in statements:
            con.execute(sql, params).fetchall()
        times.append(time.process_time() - t0)
    con.close()
    return statistics.median(times[1:]) * 1000


def main(argv: list[str] | None = None) -> bool:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=int(os.environ.get("COOP_BENCH_MEMBERS", 20_000)))
    ap.add_argument("--postings", type=int, default=int(os.environ.get("COOP_BENCH_POSTINGS", 2_000_000)))
    ap.add_argument("--small-members", type=int, default=200, help="the demo-sized set (same history per member)")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--quick", "--small", action="store_true", help="2,000 members, ~200,000 lines")
    ap.add_argument("--arrears", action="store_true",
                    help="simpanan_wajib_amount 25.000 from the first month: 10 %% of the members in wajib arrears")
    ap.add_argument("--pages", default="", help="only the pages whose label contains this text (e.g. arrears)")
    ap.add_argument("--cache-dir", default=os.environ.get("COOP_BENCH_CACHE",
                                                          os.path.join(tempfile.gettempdir(), "coop-bench-cache")))
    args = ap.parse_args(argv)
    if args.quick:
        args.members, args.postings = 2_000, 200_000
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    per_member = args.postings // args.members
    small_lines = args.small_members * per_member
    print(f"cash-desk pages: demo-sized {args.small_members} members / {small_lines:,} lines against "
          f"{args.members:,} members / {args.postings:,} lines; CPU ms per request, median of {args.repeat}")
    small = Desk(dataset(cache, args.small_members, small_lines, args.arrears))
    large = Desk(dataset(cache, args.members, args.postings, args.arrears))
    with sqlite3.connect(large.path) as con:
        n_post = con.execute("SELECT count(*) FROM postings").fetchone()[0]
        n_day = con.execute("SELECT count(*) FROM journal_entries WHERE value_date = ?",
                            (TODAY.isoformat(),)).fetchone()[0]
    print(f"  large set: {n_post:,} posting lines, {n_day:,} entries on {TODAY}")
    print(f"{'page':32} {'demo':>8} {'large':>8} {'ratio':>6} {'raw':>7} {'x raw':>6} {'SQL':>4}  goal")
    ok = True
    for (label, url_small), (_, url_large) in zip(small.pages, large.pages, strict=True):
        if args.pages not in label:
            continue
        ms_small, _ = small.measure(url_small, args.repeat)
        ms_large, stmts = large.measure(url_large, args.repeat)
        ms_raw = raw_ms(large.path, stmts, args.repeat)
        ratio = ms_large / ms_small if ms_small else float("inf")
        met = ms_small <= GOAL_MS and ms_large <= GOAL_MS and ratio <= GOAL_RATIO
        ok = ok and met
        print(f"{label:32} {ms_small:8.1f} {ms_large:8.1f} {ratio:6.2f} {ms_raw:7.2f} "
              f"{ms_large / ms_raw if ms_raw else 0:6.1f} {len(stmts):4}  {'met' if met else 'NOT MET'}", flush=True)
    print(f"goal (<= {GOAL_MS:.0f} ms at both sizes, large/demo <= {GOAL_RATIO}): {'MET' if ok else 'NOT MET'}")
    return ok


if __name__ == "__main__":
    main()
