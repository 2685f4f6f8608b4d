"""The invariants the simulation checks after every simulated month.

Each check returns a list of :class:`Problem` naming the check, the month, the object and the figures.
The "as of" checks compare a report service's figures for a PAST month end (computed now, after the
later months were posted) with an independent replay: the journal's postings with
``value_date <= that month end`` summed here in Python (:class:`Replay`), not through the report code.

:data:`EXPECTED` lists checks that fail because of a defect listed in issue 13 (the money-rules issue):
the test marks them as expected failures naming that issue; that issue removes them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from coop.dates import add_months
from coop.db import db

#: check name -> why it is expected to fail (issue 13).
EXPECTED: dict[str, str] = {}


@dataclass(frozen=True)
class Problem:
    check: str
    month: str
    object: str
    message: str

    def __str__(self) -> str:
        return f"{self.month} {self.check}: {self.object}: {self.message}"


def rp(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class Replay:
    """Every posting of the cooperative, in memory, summed by hand up to any date."""

    def __init__(self, cooperative_id: int):
        from coop.ledger.models import Account, JournalEntry, Posting

        self.accounts = {a.id: a for a in db.session.scalars(
            sa.select(Account).where(Account.cooperative_id == cooperative_id))}
        self.rows = db.session.execute(
            sa.select(JournalEntry.value_date, JournalEntry.source, Posting.account_id, Posting.debit, Posting.credit)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.cooperative_id == cooperative_id)).all()
        self.root = {}
        for aid, acc in self.accounts.items():
            cur = acc
            while cur.parent_id is not None:
                cur = self.accounts[cur.parent_id]
            self.root[aid] = cur.id

        self.rows.sort(key=lambda r: r[0])
        self._cache: dict = {}

    def _cumulative(self, as_of: date, exclude_sources=()) -> dict[int, int]:
        key = (as_of, tuple(exclude_sources))
        if key not in self._cache:
            out: dict[int, int] = defaultdict(int)
            for vd, source, aid, d, c in self.rows:
                if vd > as_of:
                    break
                if source not in exclude_sources:
                    out[aid] += int(d) - int(c)
            self._cache[key] = out
        return self._cache[key]

    def balances(self, as_of: date, start: date | None = None, exclude_sources=()) -> dict[int, int]:
        """Debit minus credit per account over postings dated ``start..as_of``."""
        upto = self._cumulative(as_of, exclude_sources)
        if start is None:
            return upto
        before = self._cumulative(start - timedelta(days=1), exclude_sources)
        return {aid: v - before.get(aid, 0) for aid, v in upto.items()}

    def rolled(self, as_of: date) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for aid, bal in self.balances(as_of).items():
            out[self.root[aid]] += bal
        return out


def month_ends(start: date, last: date) -> list[date]:
    out, m = [], start.replace(day=1)
    while True:
        end = add_months(m, 1) - timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        m = add_months(m, 1)


# ---------------------------------------------------------------------------------------- state checks

def check_trial_balance(cid: int, today: date, label: str) -> list[Problem]:
    from coop.ledger.reports import neraca, trial_balance

    out = []
    tb = trial_balance(cid, today)
    if not tb["balanced"]:
        out.append(Problem("trial_balance", label, f"trial balance {today}",
                           f"debit {rp(tb['total_debit'])} != credit {rp(tb['total_credit'])}"))
    nr = neraca(cid, today)
    if not nr["balanced"]:
        out.append(Problem("trial_balance", label, f"neraca {today}",
                           f"assets {rp(nr['total_assets'])} != liabilities+equity {rp(nr['total_liabilities_equity'])}"))
    return out


def check_account_balances(cid: int, label: str, replay: Replay) -> list[Problem]:
    """Every account's running balance equals the sum of its postings."""
    summed = replay.balances(date.max)
    return [Problem("account_balances", label, f"account {acc.code}",
                    f"running balance {rp(acc.balance)} != postings {rp(summed.get(aid, 0))}")
            for aid, acc in sorted(replay.accounts.items()) if acc.balance != summed.get(aid, 0)]


def check_hash_chain(cid: int, label: str) -> list[Problem]:
    from coop.ledger.verify import verify

    report = verify(cid)
    return [Problem("hash_chain", label, f"entry {p.get('voucher_number') or p.get('entry_id')}",
                    f"{p.get('code')}: {p.get('message')}") for p in report["problems"]] + (
        [] if report["ok"] or report["problems"] else [Problem("hash_chain", label, "ledger", "verify not ok")])


def check_savings(cid: int, label: str, replay: Replay) -> list[Problem]:
    """Savings sub-ledger: each account hangs under its kind's control account, no balance is negative, a
    closed account (resigned member) holds nothing, and the control accounts equal their sub-accounts."""
    from coop.ledger import chart
    from coop.membership.models import Member
    from coop.savings.models import SavingsAccount

    out = []
    parent_of = {"pokok": {chart.SIMPANAN_POKOK, chart.SIMPANAN_POKOK_LIAB},
                 "wajib": {chart.SIMPANAN_WAJIB, chart.SIMPANAN_WAJIB_LIAB},
                 "sukarela": {chart.SIMPANAN_SUKARELA}, "berjangka": {chart.SIMPANAN_BERJANGKA}}
    summed = replay.balances(date.max)
    by_code = {a.code: a for a in replay.accounts.values()}
    sub_total: dict[int, int] = defaultdict(int)
    members = {m.id: m for m in db.session.scalars(sa.select(Member).where(Member.cooperative_id == cid))}
    for acc in db.session.scalars(sa.select(SavingsAccount).where(SavingsAccount.cooperative_id == cid)):
        ledger = replay.accounts[acc.ledger_account_id]
        parent = replay.accounts.get(ledger.parent_id)
        name = f"savings {acc.account_number} ({acc.kind}) of member {members[acc.member_id].member_number}"
        if parent is None or parent.code not in parent_of.get(acc.kind, set()):
            out.append(Problem("savings_subledger", label, name, f"hangs under {getattr(parent, 'code', None)}"))
        natural = -summed.get(acc.ledger_account_id, 0)
        sub_total[ledger.parent_id] += summed.get(acc.ledger_account_id, 0)
        if natural < 0:
            out.append(Problem("no_negative_savings", label, name, f"balance {rp(natural)}"))
        if acc.status == "closed" and natural != 0:
            out.append(Problem("savings_subledger", label, name, f"closed on {acc.closed_on} holding {rp(natural)}"))
        if members[acc.member_id].status in ("resigned", "deceased") and acc.status != "closed":
            out.append(Problem("savings_subledger", label, name, "member left but the account is open"))
    for code in set().union(*parent_of.values()):
        control = by_code.get(code)
        if control is None:
            continue
        rolled = summed.get(control.id, 0) + sum(v for aid, v in summed.items()
                                                 if replay.accounts[aid].parent_id == control.id)
        if rolled != sub_total.get(control.id, 0):
            out.append(Problem("savings_subledger", label, f"control account {code}",
                               f"{rp(-rolled)} != savings accounts {rp(-sub_total.get(control.id, 0))}"))
    return out


def check_loans(cid: int, label: str, replay: Replay) -> list[Problem]:
    """Loan sub-ledger: the loan's ledger outstanding equals its schedule's unpaid principal; schedule paid
    plus outstanding equals the principal (first schedule); each live repayment's principal is the credit
    on the loan's account in its entry; a closed loan owes nothing."""
    from coop.ledger.models import Posting
    from coop.loans.models import Loan, LoanInstalment, LoanRepayment

    out = []
    summed = replay.balances(date.max)
    loans = list(db.session.scalars(sa.select(Loan).where(Loan.cooperative_id == cid,
                                                          Loan.ledger_account_id.is_not(None)).order_by(Loan.id)))
    insts: dict[int, list] = defaultdict(list)
    for i in db.session.scalars(sa.select(LoanInstalment).where(LoanInstalment.cooperative_id == cid)):
        insts[(i.loan_id, i.version)].append(i)
    reps: dict[int, list] = defaultdict(list)
    for r in db.session.scalars(sa.select(LoanRepayment).where(LoanRepayment.cooperative_id == cid,
                                                               LoanRepayment.reversal_entry_id.is_(None))):
        reps[r.loan_id].append(r)
    credit_in_entry = {(e, a): int(c) - int(d) for e, a, d, c in db.session.execute(
        sa.select(Posting.entry_id, Posting.account_id, Posting.debit, Posting.credit).where(
            Posting.account_id.in_([ln.ledger_account_id for ln in loans] or [0])))}
    for loan in loans:
        name = f"loan {loan.number} ({loan.method}, {loan.status})"
        outstanding = summed.get(loan.ledger_account_id, 0)
        current = insts[(loan.id, loan.schedule_version)]
        unpaid = sum(i.principal_due - i.principal_paid for i in current)
        if loan.status == "written_off":
            continue
        if loan.status == "active" and outstanding != unpaid:
            out.append(Problem("loan_subledger", label, name,
                               f"ledger outstanding {rp(outstanding)} != schedule unpaid principal {rp(unpaid)}"))
        if loan.status == "closed" and (outstanding != 0 or unpaid != 0):
            out.append(Problem("loan_subledger", label, name,
                               f"closed but ledger {rp(outstanding)}, schedule {rp(unpaid)} outstanding"))
        if loan.schedule_version == 1:
            paid = sum(i.principal_paid for i in current)
            if paid + outstanding != loan.principal:
                out.append(Problem("loan_schedule", label, name, f"paid {rp(paid)} + outstanding {rp(outstanding)}"
                                                                 f" != principal {rp(loan.principal)}"))
            rep_paid = sum(r.principal for r in reps[loan.id])
            if rep_paid != paid:
                out.append(Problem("loan_subledger", label, name,
                                   f"repayment rows principal {rp(rep_paid)} != schedule paid {rp(paid)}"))
        for r in reps[loan.id]:
            booked = credit_in_entry.get((r.entry_id, loan.ledger_account_id), 0)
            if booked != r.principal:
                out.append(Problem("loan_subledger", label, f"{name} repayment {r.id} of {r.paid_on}",
                                   f"principal {rp(r.principal)} but the entry credits the loan {rp(booked)}"))
    return out


# ---------------------------------------------------------------------------------------- as-of checks

def check_as_of(cid: int, label: str, replay: Replay, ends: list[date]) -> list[Problem]:
    """Trial balance, neraca, PHU, savings per member and the loan portfolio on each past month end,
    computed now by the report services, against the replay."""
    from coop.ledger.reports import CLOSING_SOURCES, neraca, phu, trial_balance
    from coop.loans.reports import portfolio
    from coop.savings.models import SavingsAccount
    from coop.savings.services import balances_by_member

    out = []
    savings = list(db.session.execute(sa.select(SavingsAccount.member_id, SavingsAccount.kind,
                                                SavingsAccount.ledger_account_id).where(
        SavingsAccount.cooperative_id == cid)))
    from coop.loans.models import Loan
    loan_accounts = [a for (a,) in db.session.execute(sa.select(Loan.ledger_account_id).where(
        Loan.cooperative_id == cid, Loan.ledger_account_id.is_not(None)))]
    for end in ends:
        rolled = replay.rolled(end)
        tb = trial_balance(cid, end)
        for row in tb["accounts"]:
            want = rolled.get(row["account_id"], 0)
            got = row["debit"] - row["credit"]
            if got != want:
                out.append(Problem("as_of_trial_balance", label, f"account {row['code']} as of {end}",
                                   f"report {rp(got)} != replay {rp(want)}"))
        nr = neraca(cid, end)
        assets = sum(v for aid, v in rolled.items() if replay.accounts[aid].type == "asset")
        if nr["total_assets"] != assets:
            out.append(Problem("as_of_neraca", label, f"neraca as of {end}",
                               f"assets {rp(nr['total_assets'])} != replay {rp(assets)}"))
        year_start = date(end.year, 1, 1)
        pl = replay.balances(end, start=year_start, exclude_sources=CLOSING_SOURCES)
        surplus = -sum(v for aid, v in pl.items() if replay.accounts[aid].type in ("income", "expense"))
        got = phu(cid, year_start, end)["surplus"]
        if got != surplus:
            out.append(Problem("as_of_phu", label, f"PHU {year_start}..{end}", f"report {rp(got)} != replay {rp(surplus)}"))
        bal = replay.balances(end)
        for kind in ("pokok", "wajib", "sukarela"):
            want_m: dict[int, int] = defaultdict(int)
            for mid, k, aid in savings:
                if k == kind and bal.get(aid, 0):
                    want_m[mid] += -bal[aid]
            got_m = balances_by_member(cid, [kind], end)
            for mid in sorted(set(want_m) | set(got_m)):
                if got_m.get(mid, 0) != want_m.get(mid, 0):
                    out.append(Problem("as_of_savings", label, f"member {mid} {kind} as of {end}",
                                       f"report {rp(got_m.get(mid, 0))} != replay {rp(want_m.get(mid, 0))}"))
        live = [bal.get(a, 0) for a in loan_accounts if bal.get(a, 0)]
        pf = portfolio(cid, end)
        if (pf.total, pf.count) != (sum(live), len(live)):
            out.append(Problem("as_of_portfolio", label, f"loan portfolio as of {end}",
                               f"report {rp(pf.total)} in {pf.count} loans != replay {rp(sum(live))} in {len(live)}"))
    return out


def check_rat(cid: int, label: str, replay: Replay, rat: dict[int, dict]) -> list[Problem]:
    """The RAT pack built in March (kept) against the replay of its book year's end."""
    out = []
    for year, d in sorted(rat.items()):
        end = date(year, 12, 31)
        rolled = replay.rolled(end)
        assets = sum(v for aid, v in rolled.items() if replay.accounts[aid].type == "asset")
        if d["neraca"]["total_assets"] != assets or not d["neraca"]["balanced"]:
            out.append(Problem("rat_pack", label, f"RAT {year} neraca", f"assets {rp(d['neraca']['total_assets'])}"
                                                                         f" != replay {rp(assets)}"))
        loans = [v for aid, v in replay.balances(end).items()
                 if replay.accounts[aid].parent_id is not None
                 and replay.accounts[replay.accounts[aid].parent_id].code == "1201" and v]
        if (d["portfolio"]["total"], d["portfolio"]["count"]) != (sum(loans), len(loans)):
            out.append(Problem("rat_portfolio", label, f"RAT {year} loan portfolio",
                               f"pack {rp(d['portfolio']['total'])} in {d['portfolio']['count']} loans != replay "
                               f"{rp(sum(loans))} in {len(loans)}"))
        members_total = sum(r["pokok"] + r["wajib"] + r["sukarela"] for r in d["members"])
        savings_codes = {"2101", "2103", "2104", "3101", "3102"}
        want = -sum(v for aid, v in replay.balances(end).items()
                    if replay.accounts[aid].parent_id is not None
                    and replay.accounts[replay.accounts[aid].parent_id].code in savings_codes)
        if members_total != want:
            out.append(Problem("rat_pack", label, f"RAT {year} member register",
                               f"savings {rp(members_total)} != replay {rp(want)}"))
    return out


def as_of_dates(start: date, today: date, final: bool) -> list[date]:
    """The past month ends whose reports are replayed: every one at the end of the run; after other months
    the last three and every year end (so each month end is checked at least three times after it,
    and year ends every month, keeping the run linear in its length)."""
    ends = month_ends(start, today)
    return ends if final else sorted(set(ends[-3:]) | {e for e in ends if (e.month, e.day) == (12, 31)})


def check_month(cid: int, today: date, start: date, rat: dict | None = None, final: bool = False) -> list[Problem]:
    """Every invariant at the end of the simulated month ``today`` (``final``: the last one)."""
    label = f"{today:%Y-%m}"
    try:
        replay = Replay(cid)
        out = (check_trial_balance(cid, today, label) + check_account_balances(cid, label, replay)
               + check_hash_chain(cid, label) + check_savings(cid, label, replay) + check_loans(cid, label, replay)
               + check_as_of(cid, label, replay, as_of_dates(start, today, final)) + check_rat(cid, label, replay, rat or {}))
    finally:
        db.session.remove()
    return out
