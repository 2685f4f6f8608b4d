"""Pure loan arithmetic: repayment allocation, penalties (denda), days past due, collectibility
(kolektibilitas), loan-loss provision (PPAP) and the NPL health rating. No database, no Flask.

Kolektibilitas: the quality class of a loan by its arrears, on ONE ordered scale 1 Lancar, 2 Dalam
Perhatian Khusus (DPK), 3 Kurang Lancar, 4 Diragukan, 5 Macet. Two schemes use it:

- ``koperasi4`` (Permen KUKM 14/2009, the default): four classes, never 2 (DPK). A loan becomes KL / D / M
  on the first day its days past due EXCEED the threshold (monthly defaults 90 / 180 / 810 days: over 3
  months, over 6 months, and 21 months after becoming Diragukan). Past the D threshold a loan stays
  Diragukan only while it is still recoverable: its collateral is worth at least a set share of the
  outstanding principal (setting ``collateral_min_percent``, default 75 %, copied onto the loan at
  application). An unsecured loan (no collateral value, or too little) past Kurang Lancar is Macet at once
  (Permen KUKM 14/2009 as DOMAIN.md reads it). A share of 0 % turns the test off.
- ``bank5`` (bank practice): five classes; DPK once any day is past due (threshold 0), then KL / D / M
  after 90 / 120 / 180 days (defaults, cooperative settings).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from coop.text import N_

COMPONENTS = ("penalty", "fee", "interest", "principal")
DEFAULT_ORDER = "penalty,fee,interest,principal"




LANCAR, DPK, KURANG_LANCAR, DIRAGUKAN, MACET = 1, 2, 3, 4, 5
CLASSES = {1: N_("Lancar"), 2: N_("Dalam Perhatian Khusus"), 3: N_("Kurang Lancar"), 4: N_("Diragukan"),
           5: N_("Macet")}
#: How a loan's interest runs, as a page shows it (msgids; the stored codes are flat / efektif / anuitas).
METHOD_LABELS = {"flat": N_("Flat"), "efektif": N_("Efektif (menurun)"), "anuitas": N_("Anuitas")}
#: The names of the built-in loan products (the demo set and the pre-departure template) as stored: shown
#: translated; a product a cooperative named (or renamed) itself shows its own name.
BUILT_IN_PRODUCT_NAMES = frozenset((N_("Pinjaman Modal Usaha"), N_("Pinjaman Produktif Menurun"),
                                    N_("Pinjaman Anuitas PMI Purna"), N_("Pinjaman Mingguan Pasar"),
                                    N_("Pinjaman Pra-Penempatan PMI")))
CLASS_CODES = {1: "lancar", 2: "dalam_perhatian_khusus", 3: "kurang_lancar", 4: "diragukan", 5: "macet"}
CLASS_BY_CODE = {v: k for k, v in CLASS_CODES.items()}
SCHEMES = ("koperasi4", "bank5")
#: classes each scheme can give (koperasi4 never says DPK).
SCHEME_CLASSES = {"koperasi4": (1, 3, 4, 5), "bank5": (1, 2, 3, 4, 5)}
#: NPL (non-performing): Kurang Lancar, Diragukan, Macet. DPK is performing (watch list), not NPL.
NPL_FROM = KURANG_LANCAR

#: (KL after, D after, M after) days past due, per instalment frequency (DOMAIN.md), scheme koperasi4.
DEFAULT_THRESHOLDS = {"monthly": (90, 180, 810), "weekly": (30, 60, 690)}
#: PPAP per class 1-5 (Lancar, DPK, KL, D, M): the rural-bank (BPR) table DOMAIN.md cites; DPK 3 %.
DEFAULT_PROVISION_RATES = (Decimal("0.5"), Decimal("3"), Decimal("10"), Decimal("50"), Decimal("100"))
PENALTY_KINDS = ("none", "fixed", "percent_overdue", "percent_per_day")
#: collateral value / outstanding principal (percent) a loan past the D threshold needs to stay Diragukan.
DEFAULT_COLLATERAL_PERCENT = Decimal(75)


def rupiah(x: Decimal) -> int:
    return int(Decimal(x).quantize(Decimal(1), ROUND_HALF_UP))


def percent_of(amount: int, percent: Decimal) -> int:
    """``amount x percent / 100`` rounded half up to the rupiah."""
    return rupiah(Decimal(amount) * Decimal(percent) / 100)


def parse_order(order: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in order.split(",") if p.strip())
    if sorted(parts) != sorted(COMPONENTS):
        raise ValueError("Urutan alokasi harus memuat penalty, fee, interest, principal tepat sekali.")
    return parts


# --------------------------------------------------------------------------------------------
# Allocation
# --------------------------------------------------------------------------------------------

@dataclass
class Due:
    """What is still owed on one instalment, per component."""

    number: int
    due_on: date
    penalty: int = 0
    fee: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def total(self) -> int:
        return self.penalty + self.fee + self.interest + self.principal


@dataclass(frozen=True)
class Allocation:
    number: int
    component: str
    amount: int


@dataclass
class AllocationResult:
    allocations: list[Allocation] = field(default_factory=list)
    unapplied: int = 0

    def by_component(self) -> dict[str, int]:
        out = {c: 0 for c in COMPONENTS}
        for a in self.allocations:
            out[a.component] += a.amount
        return out


def allocate(amount: int, dues: list[Due], order: str = DEFAULT_ORDER,
             strategy: str = "instalment") -> AllocationResult:
    """Split a payment over the open instalments.

    ``strategy="instalment"`` (default): oldest instalment first, inside it the components in ``order``;
    ``"component"``: the first component in ``order`` across all instalments oldest first, then the next.
    Whatever is left after everything is covered is ``unapplied`` (overpayment).
    """
    comps = parse_order(order)
    dues = sorted(dues, key=lambda d: (d.due_on, d.number))
    remaining = amount
    result = AllocationResult()
    if strategy == "component":
        pairs = [(d, c) for c in comps for d in dues]
    else:
        pairs = [(d, c) for d in dues for c in comps]
    for d, c in pairs:
        if remaining <= 0:
            break
        owed = getattr(d, c)
        take = min(owed, remaining)
        if take > 0:
            result.allocations.append(Allocation(d.number, c, take))
            remaining -= take
    result.unapplied = remaining
    return result


# --------------------------------------------------------------------------------------------
# Days past due, penalties, collectibility
# --------------------------------------------------------------------------------------------

def days_past_due(oldest_unpaid_due_on: date | None, as_of: date) -> int:
    """Days since the oldest unpaid instalment fell due (0 on the due date itself or when none is late)."""
    if oldest_unpaid_due_on is None or oldest_unpaid_due_on >= as_of:
        return 0
    return (as_of - oldest_unpaid_due_on).days


def penalty_today(kind: str, *, overdue: int, dpd: int, grace_days: int, percent: Decimal, fixed: int,
                  already_charged: bool) -> int:
    """The penalty an overdue instalment earns on the day it is ``dpd`` days late.

    ``fixed`` and ``percent_overdue`` are charged once, on the first day beyond the grace days (or the first
    run after it, when ``already_charged`` is false); ``percent_per_day`` every day beyond the grace days.
    """
    if kind == "none" or overdue <= 0 or dpd <= grace_days:
        return 0
    if kind == "fixed":
        return 0 if already_charged else fixed
    if kind == "percent_overdue":
        return 0 if already_charged else percent_of(overdue, percent)
    if kind == "percent_per_day":
        return percent_of(overdue, percent)
    raise ValueError(kind)


def is_secured(collateral_value: int | None, outstanding: int, min_percent: Decimal) -> bool:
    """True when the collateral is worth at least ``min_percent`` % of the outstanding principal (exact
    integer comparison, no rounding): Rp 7.500.000 of collateral secures Rp 10.000.000 at 75 %, Rp 7.499.999
    does not. No collateral (``None``) counts as 0; a share of 0 % secures every loan (test off)."""
    return Decimal(collateral_value or 0) * 100 >= Decimal(outstanding) * Decimal(min_percent)


def collectibility(dpd: int, thresholds: tuple[int | None, int, int, int], *, secured: bool = True) -> int:
    """Class on the 1-5 scale for ``dpd`` days past due. ``thresholds`` = (DPK after, KL after, D after,
    M after); DPK after is ``None`` in the 4-class scheme (which therefore never gives 2). A loan is in
    the class of the highest threshold its days past due EXCEED, except that a loan past the D threshold
    that is not ``secured`` (see :func:`is_secured`) is Macet: Diragukan means "still recoverable"."""
    dpk, kl, d, m = thresholds
    if dpd > m:
        return MACET
    if dpd > d:
        return DIRAGUKAN if secured else MACET
    if dpd > kl:
        return KURANG_LANCAR
    if dpk is not None and dpd > dpk:
        return DPK
    return LANCAR


def next_action_date(*, as_of: date, unpaid_due_dates: list[date], thresholds: tuple[int | None, int, int, int],
                     penalty_kind: str, grace_days: int, uncharged_overdue_due_dates: list[date]) -> date | None:
    """The first day after ``as_of`` on which the daily job could change anything for this loan:
    an instalment becoming late, a collectibility threshold being crossed, or a penalty falling due.
    ``None`` when nothing is left to pay.
    """
    if not unpaid_due_dates:
        return None
    tomorrow = as_of + timedelta(days=1)
    candidates = [d + timedelta(days=1) for d in unpaid_due_dates if d + timedelta(days=1) > as_of]
    oldest = min(unpaid_due_dates)
    candidates += [oldest + timedelta(days=t + 1) for t in thresholds
                   if t is not None and oldest + timedelta(days=t + 1) > as_of]
    if penalty_kind == "percent_per_day":
        candidates += [max(tomorrow, d + timedelta(days=grace_days + 1)) for d in unpaid_due_dates]
    elif penalty_kind in ("fixed", "percent_overdue"):
        candidates += [max(tomorrow, d + timedelta(days=grace_days + 1)) for d in uncharged_overdue_due_dates]
    return min(candidates) if candidates else None


# --------------------------------------------------------------------------------------------
# Provision and health
# --------------------------------------------------------------------------------------------

def provision_required(outstanding: int, klass: int, rates: tuple[Decimal, ...]) -> int:
    """PPAP for one loan: outstanding principal x the class's rate, rounded half up."""
    return percent_of(outstanding, rates[klass - 1])


def npl_ratio(by_class: dict[int, int]) -> Decimal:
    """(KL + D + M) / total outstanding, in percent (2 decimals); DPK is not NPL."""
    total = sum(by_class.values())
    if total == 0:
        return Decimal(0)
    bad = sum(v for k, v in by_class.items() if k >= NPL_FROM)
    return (Decimal(bad) * 100 / total).quantize(Decimal("0.01"), ROUND_HALF_UP)


def health_rating(npl_percent: Decimal) -> str:
    """Cooperative health by NPL: up to 5 % sehat, 5-10 cukup sehat, 10-15 kurang sehat, over 15 tidak sehat."""
    if npl_percent <= 5:
        return N_("sehat")
    if npl_percent <= 10:
        return N_("cukup sehat")
    if npl_percent <= 15:
        return N_("kurang sehat")
    return N_("tidak sehat")


def risk_weighted_bad_loans(by_class: dict[int, int]) -> int:
    """50 % KL + 75 % D + 100 % M."""
    return (percent_of(by_class.get(KURANG_LANCAR, 0), Decimal(50))
            + percent_of(by_class.get(DIRAGUKAN, 0), Decimal(75)) + by_class.get(MACET, 0))
