"""A seeded, deterministic simulation of one cooperative, day by day, through the domain services.

Every action is one unit of work (``coop.db.atomic``), as a page or an API call would make it, taken on
the business date of the simulated day (``coop.clock.set_business_date``). The daily job
(``coop.jobs.run_due``) runs at the end of each day; after each simulated month the invariants of
:mod:`tests.sim.invariants` are checked and their problems collected (the simulation goes on).

What happens (all decided by ``random.Random(seed)``, nothing else):
- members join (a founding meeting in the first week, the rest through the months), pay their simpanan
  pokok and wajib (some late), deposit and withdraw sukarela (some withdrawals are more than the balance:
  they bounce with ``InsufficientFunds``); a few big savers cross the PPh threshold of the savings interest;
- members resign (some with a running loan, netted against their savings);
- loans of each method (flat, efektif, anuitas, weekly flat) are applied for, approved (two approvers
  above the limit) and mostly disbursed on the 29th, 30th or 31st (29 February 2028 included); borrowers
  pay on time, late, stop paying for a while, or pay off early; a backdated repayment now and then
  (the service replays the later ones);
- a duplicated expense entry is reversed (maker-checker) now and then; monthly expenses from the cash box;
- the first book year is steered into a loss, the second into a surplus (a repair expense / a rent income
  in December); each year is closed in January, the RAT pack built in March, and a surplus allocated as SHU
  and paid out (sukarela for current members, cash for former ones).
"""
from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from coop import clock
from coop.dates import add_months
from coop.db import atomic, db
from coop.errors import CoopError

VILLAGE = "3504042001"
START = date(2027, 1, 1)
PASSWORD = "rahasia-sim-123"

PRODUCTS = [
    {"name": "Sim Flat Bulanan", "method": "flat", "rate_percent_per_month": Decimal("1.5"),
     "min_term_months": 3, "max_term_months": 24, "min_principal": 500_000, "max_principal": 50_000_000,
     "fee_percent": Decimal("1"), "penalty_kind": "percent_overdue", "penalty_percent": Decimal("1"),
     "penalty_grace_days": 10, "kl_after_days": 90, "d_after_days": 180, "m_after_days": 300},
    {"name": "Sim Efektif", "method": "efektif", "rate_percent_per_month": Decimal("1.25"),
     "min_term_months": 6, "max_term_months": 36, "min_principal": 2_000_000, "max_principal": 75_000_000,
     "fee_percent": Decimal("0.5"), "fee_fixed": 25_000},
    {"name": "Sim Anuitas", "method": "anuitas", "rate_percent_per_month": Decimal("1.2"),
     "min_term_months": 6, "max_term_months": 36, "min_principal": 2_000_000, "max_principal": 100_000_000,
     "fee_fixed": 50_000, "fee_deducted": False},
    {"name": "Sim Mingguan", "method": "flat", "rate_percent_per_month": Decimal("2"), "frequency": "weekly",
     "min_term_months": 1, "max_term_months": 6, "min_principal": 200_000, "max_principal": 5_000_000,
     "rounding_multiple": 500, "penalty_kind": "fixed", "penalty_fixed": 5_000, "penalty_grace_days": 3},
]
#: (principal choices, term choices) per product index
LOAN_SIZES = [([2_000_000, 3_000_000, 5_000_000, 7_500_000], [6, 12, 18]),
              ([5_000_000, 8_000_000, 12_000_000, 30_000_000], [12, 24]),
              ([6_000_000, 15_000_000, 30_000_000], [12, 24]),
              ([1_000_000, 2_000_000], [2, 3])]
BEHAVIOURS = ["punctual", "punctual", "late", "late", "stopper", "early", "resigner"]


def month_end(d: date) -> date:
    return add_months(d.replace(day=1), 1) - timedelta(days=1)


def disbursement_day(d: date) -> date:
    """The next day on or after ``d`` that is a 29th, 30th or 31st of its month (the month end of a
    28-day February): loans here are paid out in the last days of a month."""
    end = month_end(d)
    if d.day >= 29 or end.day < 29:
        return max(d, min(end, d.replace(day=min(end.day, 29))))
    return d.replace(day=29 + (d.toordinal() % (end.day - 28)))


@dataclass
class MemberState:
    member_id: int
    resident_id: int
    joined_on: date
    wajib_day: int
    wajib_habit: str  # regular / late
    saver: bool
    big: bool
    active: bool = True
    resign_on: date | None = None


@dataclass
class LoanState:
    loan_id: int
    member_id: int
    product: int
    behaviour: str
    disburse_on: date
    mode: str
    active: bool = False
    lateness: int = 0
    paid_count: int = 0
    stop_after: int = 0
    resume_on: date | None = None
    payoff_after: int = 0
    next_check: date | None = None


@dataclass
class MonthReport:
    month: str
    seconds: float
    counts: dict
    problems: list


@dataclass
class SimResult:
    seed: int
    months: list[MonthReport] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    cooperative_id: int | None = None

    @property
    def problems(self) -> list:
        return [p for m in self.months for p in m.problems]


class Simulation:
    def __init__(self, seed: int, months: int = 27, start: date = START, n_members: int = 30,
                 echo=None, check_every_month: bool = True):
        self.seed = seed
        self.rng = random.Random(seed)
        self.start = start
        self.end = month_end(add_months(start, months - 1))
        self.n_members = n_members
        self.echo = echo or (lambda *_: None)
        self.check_every_month = check_every_month
        self.result = SimResult(seed)
        self.members: dict[int, MemberState] = {}
        self.loans: dict[int, LoanState] = {}
        self.joins: dict[date, list[int]] = defaultdict(list)  # day -> resident ids
        self.month_counts: Counter = Counter()
        self.rat: dict[int, dict] = {}

    # -------------------------------------------------------------------------------- plumbing
    def count(self, what: str, n: int = 1) -> None:
        self.result.counts[what] += n
        self.month_counts[what] += n

    def attempt(self, what: str, fn, *args, **kw):
        """One unit of work; a refusal (CoopError) is counted by its code and swallowed."""
        try:
            out = atomic(fn, *args, **kw)
        except CoopError as exc:
            code = getattr(exc, "code", None) or type(exc).__name__
            self.result.refusals[f"{what}:{code}"] += 1
            self.month_counts[f"refused {what}"] += 1
            return None
        self.count(what)
        return out

    # -------------------------------------------------------------------------------- set-up
    def setup(self) -> None:
        from coop.auth import services as auth
        from coop.ledger import chart
        from coop.ledger.rules import Line
        from coop.ledger.services import account_by_code, post_entry
        from coop.loans import services as loans
        from coop.onboarding import found_cooperative
        from coop.registry.services import create_resident
        from tests.fixtures_registry import kk_for, nik_for

        clock.set_business_date(self.start)

        def _found():
            c = found_cooperative(name=f"Koperasi Simulasi {self.seed}", village_code=VILLAGE)
            users = {}
            for key, role in (("admin", "admin"), ("treasurer", "treasurer"), ("manager", "manager"),
                              ("manager2", "manager")):
                users[key] = auth.create_user(cooperative_id=c.id, username=f"sim_{key}", full_name=f"Sim {key}",
                                              role=role, password=PASSWORD).id
            return c.id, users
        self.coop_id, user_ids = atomic(_found)
        self.result.cooperative_id = self.coop_id
        self.user_ids = user_ids

        def _residents():
            ids = []
            for n in range(1, int(self.n_members * 1.25) + 1):
                sex = "F" if n % 2 else "M"
                born = date(1960 + self.rng.randint(0, 40), self.rng.randint(1, 12), self.rng.randint(1, 28))
                r = create_resident(self.coop_id, {
                    "nik": nik_for(VILLAGE[:6], born, sex, 7000 + n), "kk_number": kk_for(VILLAGE[:6], 7000 + n),
                    "full_name": f"Warga Simulasi {n}", "sex": sex, "birth_place": "Tulungagung",
                    "birth_date": born, "village_code": VILLAGE, "address": "Desa Pakel", "rt": "001",
                    "rw": "002", "relationship": "kepala_keluarga", "status": "hidup"}, actor=None, as_of=self.start)
                ids.append(r.id)
            return ids
        residents = atomic(_residents)
        self.rng.shuffle(residents)
        founding = residents[: self.n_members * 3 // 5]
        later = residents[len(founding): self.n_members]
        spread = 24 * 30 - 60  # fixed: the first months do not depend on how many are simulated
        for i, rid in enumerate(founding):
            self.joins[self.start + timedelta(days=1 + i % 4)].append(rid)
        for rid in later:
            self.joins[self.start + timedelta(days=30 + self.rng.randint(0, spread))].append(rid)

        def _capital():
            kas, bank = account_by_code(self.coop_id, chart.KAS).id, account_by_code(self.coop_id, chart.BANK).id
            modal = account_by_code(self.coop_id, chart.SALDO_AWAL).id
            post_entry(self.coop_id, [Line.dr(kas, 60_000_000), Line.dr(bank, 140_000_000), Line.cr(modal, 200_000_000)],
                       actor=self.user("treasurer"), memo="Modal awal koperasi (hibah desa)", value_date=self.start,
                       source="manual")
            return [loans.create_product(self.coop_id, actor=self.user("admin"), **p).id for p in PRODUCTS]
        self.products = atomic(_capital)
        self.acc = {code: atomic(lambda c=code: account_by_code(self.coop_id, c).id) for code in
                    (chart.KAS, chart.BANK, chart.SALDO_AWAL, chart.BEBAN_OPERASIONAL, chart.PENDAPATAN_LAIN, "5203")}

    def user(self, key: str):
        from coop.auth.models import User

        return db.session.get(User, self.user_ids[key])

    # -------------------------------------------------------------------------------- the run
    def run(self, on_month=None) -> SimResult:
        from coop.jobs import run_due

        self.setup()
        day = self.start
        month_started = time.monotonic()
        while day <= self.end:
            clock.set_business_date(day)
            self.act(day)
            run_due(self.coop_id, day, echo=lambda *_: None)
            db.session.remove()
            if day == month_end(day):
                final = day + timedelta(days=1) > self.end
                problems = self.check(day, final) if self.check_every_month or final else []
                rep = MonthReport(f"{day:%Y-%m}", time.monotonic() - month_started, dict(self.month_counts), problems)
                self.result.months.append(rep)
                if on_month:
                    on_month(rep)
                self.month_counts = Counter()
                month_started = time.monotonic()
            day += timedelta(days=1)
        return self.result

    def check(self, day: date, final: bool = False) -> list:
        from tests.sim import invariants

        return invariants.check_month(self.coop_id, day, self.start, rat=self.rat, final=final)

    def act(self, day: date) -> None:
        for rid in self.joins.get(day, []):
            self.join(rid, day)
        self.savings_day(day)
        self.loans_day(day)
        self.books_day(day)
        self.year_day(day)

    # -------------------------------------------------------------------------------- members
    def join(self, resident_id: int, day: date) -> None:
        from coop.membership.services import register_member
        from coop.savings import services as savings

        def _join():
            m = register_member(self.coop_id, resident_id, day, actor=self.user("treasurer"))
            acc = savings.account_for(self.coop_id, m.id, "pokok")
            savings.deposit(self.coop_id, acc.id, acc.product.amount, actor=self.user("treasurer"), value_date=day)
            return m.id
        mid = self.attempt("join", _join)
        if mid is None:
            return
        r = self.rng
        self.members[mid] = MemberState(mid, resident_id, day, wajib_day=r.randint(1, 31),
                                        wajib_habit="late" if r.random() < 0.2 else "regular",
                                        saver=r.random() < 0.7, big=r.random() < 0.1)

    def savings_day(self, day: date) -> None:
        from coop.savings import services as savings

        r = self.rng
        last = month_end(day).day
        for ms in list(self.members.values()):
            if not ms.active or ms.joined_on > day:
                continue
            if ms.resign_on == day:
                self.resign(ms, day)
                continue
            if min(ms.wajib_day, last) == day.day and (ms.wajib_habit == "regular" or r.random() < 0.4):
                self.attempt("wajib", self._wajib, ms.member_id, day)
            if ms.saver and r.random() < 0.05:
                amount = r.choice([50_000, 100_000, 250_000, 500_000, 1_000_000])
                if ms.big:
                    amount *= r.choice([10, 20, 40])
                self.attempt("deposit", self._deposit, ms.member_id, amount, day)
            elif r.random() < 0.03:
                def _withdraw(mid=ms.member_id, greedy=r.random() < 0.3, frac=r.random()):
                    acc = savings.account_for(self.coop_id, mid, "sukarela")
                    bal = acc.balance
                    amount = bal + 50_000 if greedy or bal < 100_000 else max(10_000, int(bal * frac) // 10_000 * 10_000)
                    if acc.status == "dormant":
                        savings.reactivate(self.coop_id, acc.id, actor=self.user("treasurer"), on=day)
                    return savings.withdraw(self.coop_id, acc.id, amount, actor=self.user("treasurer"),
                                            value_date=day)
                self.attempt("withdrawal", _withdraw)
            if ms.resign_on is None and day > ms.joined_on + timedelta(days=120) and r.random() < 0.0006:
                ms.resign_on = day + timedelta(days=r.randint(1, 20))

    def _wajib(self, member_id: int, day: date):
        from coop.savings import services as savings

        acc = savings.account_for(self.coop_id, member_id, "wajib")
        owed = int(savings.wajib_status(self.coop_id, self._member(member_id), day)["due_amount"])
        amount = owed if owed > 0 else acc.product.amount
        return savings.pay_wajib(self.coop_id, member_id, amount, actor=self.user("treasurer"), value_date=day)

    def _member(self, member_id: int):
        from coop.membership.models import Member

        return db.session.get(Member, member_id)

    def _deposit(self, member_id: int, amount: int, day: date):
        from coop.savings import services as savings

        acc = savings.account_for(self.coop_id, member_id, "sukarela")
        if acc.status == "dormant":
            savings.reactivate(self.coop_id, acc.id, actor=self.user("treasurer"), on=day)
        return savings.deposit(self.coop_id, acc.id, amount, actor=self.user("treasurer"), value_date=day)

    def resign(self, ms: MemberState, day: date) -> None:
        from coop.membership.services import resign

        def _resign():
            return resign(self.coop_id, ms.member_id, day, actor=self.user("treasurer"))
        if self.attempt("resign", _resign) is not None:
            ms.active = False
            with_loan = [ls for ls in self.loans.values() if ls.member_id == ms.member_id and ls.active]
            for ls in with_loan:
                ls.active = False
                self.count("resign with loan")
            # loans applied/approved but not yet paid out stay pending: disbursement must refuse them
        else:
            ms.resign_on = None

    # -------------------------------------------------------------------------------- loans
    def loans_day(self, day: date) -> None:
        r = self.rng
        # applications: about three a month
        if r.random() < 0.1:
            borrowers = {ls.member_id for ls in self.loans.values() if ls.active or ls.disburse_on >= day}
            pool = [m for m in self.members.values() if m.active and m.resign_on is None
                    and m.member_id not in borrowers and m.joined_on <= day - timedelta(days=20)]
            if pool:
                self.apply(r.choice(pool), day)
        for ls in list(self.loans.values()):
            if ls.disburse_on == day and not ls.active:
                self.disburse(ls, day)
            elif ls.active and ls.next_check is not None and ls.next_check <= day:
                self.pay(ls, day)
        if day.day == 15 and r.random() < 0.6:
            self.backdated_repayment(day)

    def apply(self, ms: MemberState, day: date) -> None:
        from coop.loans import services as loans

        r = self.rng
        product = r.choice([0, 0, 1, 2, 3])
        amounts, terms = LOAN_SIZES[product]
        principal, term = r.choice(amounts), r.choice(terms)
        behaviour = r.choice(BEHAVIOURS)
        on_29th = r.random() < 0.75

        def _apply():
            loan = loans.apply(self.coop_id, actor=self.user("treasurer"), member_id=ms.member_id,
                               product_id=self.products[product], principal=principal, term_months=term,
                               purpose="Modal usaha", applied_on=day)
            loans.decide(self.coop_id, loan.id, actor=self.user("manager"), decision="approve", note="Layak", on=day)
            if loan.status == "applied":
                loans.decide(self.coop_id, loan.id, actor=self.user("manager2"), decision="approve", note="Setuju",
                             on=day)
            return loan.id
        loan_id = self.attempt("loan applied", _apply)
        if loan_id is None:
            return
        disburse_on = disbursement_day(day + timedelta(days=1)) if on_29th else day + timedelta(days=r.randint(0, 5))
        self.loans[loan_id] = LoanState(
            loan_id, ms.member_id, product, behaviour, disburse_on, "savings" if r.random() < 0.2 else "cash",
            lateness=r.randint(3, 40) if behaviour == "late" else 0, stop_after=r.randint(1, 4),
            payoff_after=r.randint(1, 5))
        if behaviour == "resigner":
            ms.resign_on = disburse_on + timedelta(days=r.randint(35, 150))

    def disburse(self, ls: LoanState, day: date) -> None:
        from coop.loans import services as loans

        def _disburse():
            loan = loans.get_loan(self.coop_id, ls.loan_id)
            if ls.mode == "cash":
                self._cash_for(loan.principal, day)
            first_due = day + timedelta(weeks=1) if ls.product == 3 else add_months(day, 1)
            loans.disburse(self.coop_id, ls.loan_id, actor=self.user("treasurer"), disbursed_on=day,
                           first_due_date=first_due, mode=ls.mode)
            return first_due
        first_due = self.attempt("loan disbursed", _disburse)
        if first_due is None:
            ls.disburse_on = date.min
            return
        if day.day >= 29:
            self.count(f"disbursed on the {day.day}th")
        if (day.month, day.day) == (2, 29):
            self.count("disbursed on 29 February")
        ls.active = True
        ls.next_check = first_due + timedelta(days=ls.lateness)

    def _cash_for(self, amount: int, day: date) -> None:
        from coop.ledger import chart
        from coop.ledger.rules import Line
        from coop.ledger.services import account_by_code, post_entry

        kas = account_by_code(self.coop_id, chart.KAS)
        short = amount + 1_000_000 - kas.natural_balance()
        if short <= 0:
            return
        bank = account_by_code(self.coop_id, chart.BANK)
        lines = [Line.dr(kas.id, short)]
        from_bank = min(short, max(0, bank.natural_balance()))
        if from_bank:
            lines.append(Line.cr(bank.id, from_bank))
        if short - from_bank:
            lines.append(Line.cr(self.acc[chart.SALDO_AWAL], short - from_bank))
        post_entry(self.coop_id, lines, actor=self.user("treasurer"), memo="Tarik tunai dari bank untuk kas",
                   value_date=day, source="manual")

    def pay(self, ls: LoanState, day: date) -> None:
        from coop.loans import services as loans
        from coop.loans.lookups import instalments

        r = self.rng
        if ls.behaviour == "stopper" and ls.paid_count >= ls.stop_after and ls.resume_on is None:
            ls.resume_on = day + timedelta(days=r.randint(60, 250))  # arrears: penalties, class changes
        if ls.resume_on is not None and day < ls.resume_on:
            ls.next_check = ls.resume_on
            return
        if ls.behaviour == "early" and ls.paid_count >= ls.payoff_after:
            rep = self.attempt("loan paid off early", lambda: loans.pay_off(
                self.coop_id, ls.loan_id, actor=self.user("treasurer"), paid_on=day))
            if rep is not None:
                ls.active, ls.next_check = False, None
            else:
                ls.behaviour = "punctual"
            return

        def _repay():
            loan = loans.get_loan(self.coop_id, ls.loan_id)
            if loan.status != "active":
                return None
            due = [i for i in instalments(loan) if i.remaining > 0 and i.due_on <= day]
            if not due:
                return None
            amount = sum(i.remaining for i in due) if ls.resume_on else due[0].remaining
            return loans.repay(self.coop_id, ls.loan_id, amount, actor=self.user("treasurer"), paid_on=day)
        rep = self.attempt("loan repayment", _repay)
        if rep is not None:
            ls.paid_count += 1
            if ls.lateness:
                self.count("late repayment")
        ls.resume_on = None if ls.behaviour != "stopper" or ls.paid_count > ls.stop_after else ls.resume_on
        self._next_check(ls, day)

    def _next_check(self, ls: LoanState, day: date) -> None:
        from coop.loans import services as loans
        from coop.loans.lookups import instalments

        loan = atomic(loans.get_loan, self.coop_id, ls.loan_id)
        if loan.status != "active":
            ls.active, ls.next_check = False, None
            self.count(f"loan {loan.status}")
            return
        nxt = [i.due_on for i in instalments(loan) if i.remaining > 0]
        ls.next_check = max(day + timedelta(days=1), (min(nxt) if nxt else day) + timedelta(days=ls.lateness))
        if ls.lateness:
            ls.lateness = self.rng.randint(0, 40)

    def backdated_repayment(self, day: date) -> None:
        """A payment slip found in the drawer: a small repayment dated before the loan's latest one."""
        from coop.loans import services as loans
        from coop.loans.models import LoanRepayment

        active = sorted(ls.loan_id for ls in self.loans.values() if ls.active)
        if not active:
            return
        latest = db.session.execute(sa.select(LoanRepayment.loan_id, sa.func.max(LoanRepayment.paid_on)).where(
            LoanRepayment.loan_id.in_(active), LoanRepayment.reversal_entry_id.is_(None),
            LoanRepayment.paid_on >= day - timedelta(days=25)).group_by(LoanRepayment.loan_id)
            .order_by(LoanRepayment.loan_id)).all()
        db.session.remove()
        if not latest:
            return
        loan_id, last_paid = self.rng.choice(latest)
        paid_on = last_paid - timedelta(days=2)
        if self.attempt("backdated repayment", lambda: loans.repay(
                self.coop_id, loan_id, 50_000, actor=self.user("treasurer"), paid_on=paid_on)) is not None:
            self._next_check(self.loans[loan_id], day)

    # -------------------------------------------------------------------------------- the cooperative's own books
    def books_day(self, day: date) -> None:
        from coop.ledger import chart, periods
        from coop.ledger.rules import Line
        from coop.ledger.services import post_entry

        r = self.rng
        kas = self.acc[chart.KAS]
        if day.day == 25:
            honor = 1_500_000 if day.year == self.start.year else 400_000

            def _expenses():
                self._cash_for(honor + 300_000, day)
                post_entry(self.coop_id, [Line.dr(self.acc["5203"], honor), Line.cr(kas, honor)],
                           actor=self.user("treasurer"), memo=f"Honor pengurus {day:%m/%Y}", value_date=day,
                           source="manual")
                listrik = 120_000 + r.randrange(0, 60) * 1_000
                return post_entry(self.coop_id, [Line.dr(self.acc[chart.BEBAN_OPERASIONAL], listrik),
                                                 Line.cr(kas, listrik)], actor=self.user("treasurer"),
                                  memo=f"Listrik {day:%m/%Y}", value_date=day, source="manual").id
            self.attempt("expenses", _expenses)
        if day.day == 10 and r.random() < 0.4:
            amount = 35_000 + r.randrange(0, 40) * 1_000

            def _duplicate():
                self._cash_for(amount, day)
                lines = [Line.dr(self.acc[chart.BEBAN_OPERASIONAL], amount), Line.cr(kas, amount)]
                post_entry(self.coop_id, lines, actor=self.user("treasurer"), memo="Beli ATK", value_date=day,
                           source="manual")
                dup = post_entry(self.coop_id, lines, actor=self.user("treasurer"), memo="Beli ATK (dua kali)",
                                 value_date=day, source="manual")
                req = periods.request_reversal(self.coop_id, dup.id, actor=self.user("treasurer"),
                                               reason="Nota tercatat dua kali")
                periods.decide(self.coop_id, req.id, actor=self.user("manager"), approve=True, note="Cocok")
                return dup.id
            self.attempt("reversal", _duplicate)

    # -------------------------------------------------------------------------------- the book year
    def year_day(self, day: date) -> None:
        from coop.ledger import chart
        from coop.ledger.reports import phu
        from coop.ledger.rules import Line
        from coop.ledger.services import post_entry
        from coop.yearend import closing as yearend
        from coop.yearend import rat, shu

        first_year = day.year == self.start.year
        if (day.month, day.day) == (12, 20):
            def _steer():
                surplus = phu(self.coop_id, date(day.year, 1, 1), day)["surplus"]
                if first_year and surplus > -5_000_000:  # the first year: a loss
                    amount = surplus + 5_000_000
                    self._cash_for(amount, day)
                    return post_entry(self.coop_id, [Line.dr(self.acc[chart.BEBAN_OPERASIONAL], amount),
                                                     Line.cr(self.acc[chart.KAS], amount)],
                                      actor=self.user("treasurer"), memo="Perbaikan atap kantor", value_date=day,
                                      source="manual").id
                if not first_year and surplus < 15_000_000:  # the second: a surplus
                    amount = 15_000_000 - surplus
                    return post_entry(self.coop_id, [Line.dr(self.acc[chart.BANK], amount),
                                                     Line.cr(self.acc[chart.PENDAPATAN_LAIN], amount)],
                                      actor=self.user("treasurer"), memo="Sewa gedung serbaguna", value_date=day,
                                      source="manual").id
                return None
            self.attempt("year steered", _steer)
        year = day.year - 1
        if year < self.start.year:
            return
        if (day.month, day.day) == (1, 10):
            ye = self.attempt("year closed", yearend.close_year, self.coop_id, year, actor=self.user("admin"))
            if ye is not None:
                self.count("loss year" if ye.surplus < 0 else "surplus year")
        if (day.month, day.day) == (3, 20):
            self.rat[year] = atomic(rat.rat_data, self.coop_id, year)
            self.count("RAT pack")
            if self.attempt("SHU allocated", shu.allocate, self.coop_id, year, actor=self.user("manager"),
                            decided_on=day) is None:
                return

            def _pay():
                self._cash_for(self._shu_total(year), day)
                former = [m.member_id for m in self.members.values() if not m.active]
                n = shu.pay(self.coop_id, year, actor=self.user("treasurer"), value_date=day, via="cash",
                            member_ids=former) if former else 0
                return n + shu.pay(self.coop_id, year, actor=self.user("treasurer"), value_date=day, via="sukarela")
            self.attempt("SHU paid", _pay)

    def _shu_total(self, year: int) -> int:
        from coop.yearend import shu

        dist = shu.get_distribution(self.coop_id, year)
        return int(dist.jasa_usaha + dist.jasa_modal) if dist is not None else 0
