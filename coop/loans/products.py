"""Loan products and their terms; the schedule preview (the same code books a disbursed loan).

Every setting is copied onto a loan at application (``Loan.terms``): product changes never touch
existing loans.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coop import audit
from coop import settings as coop_settings
from coop.db import db
from coop.errors import NotFound, ValidationError
from coop.loans import rules, schedule
from coop.loans.models import (
    LoanProduct,
)

PRODUCT_FIELDS = ("name", "method", "rate_percent_per_month", "min_term_months", "max_term_months",
                  "min_principal", "max_principal", "frequency", "grace_periods", "rounding_multiple",
                  "rounding_mode", "fee_percent", "fee_fixed", "fee_deducted", "penalty_kind", "penalty_percent",
                  "penalty_fixed", "penalty_grace_days", "allocation_order", "allocation_strategy",
                  "kl_after_days", "d_after_days", "m_after_days", "provision_lancar", "provision_kl",
                  "provision_d", "provision_m")
#: settings copied onto a loan (everything that decides its amounts)
TERM_FIELDS = tuple(f for f in PRODUCT_FIELDS if f not in ("name", "min_term_months", "max_term_months",
                                                            "min_principal", "max_principal"))


# --------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------

def _check_product(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    if values.get("method") not in schedule.METHODS:
        errors["method"] = ["harus flat, efektif atau anuitas"]
    if values.get("frequency", "monthly") not in schedule.FREQUENCIES:
        errors["frequency"] = ["harus monthly atau weekly"]
    if values.get("rounding_mode", "half_up") not in schedule.ROUNDING_MODES:
        errors["rounding_mode"] = ["harus half_up atau up"]
    if values.get("penalty_kind", "percent_overdue") not in rules.PENALTY_KINDS:
        errors["penalty_kind"] = ["tidak dikenal"]
    if values.get("allocation_strategy", "instalment") not in ("instalment", "component"):
        errors["allocation_strategy"] = ["harus instalment atau component"]
    try:
        rules.parse_order(values.get("allocation_order", rules.DEFAULT_ORDER))
    except ValueError as exc:
        errors["allocation_order"] = [str(exc)]
    for key in ("rate_percent_per_month", "fee_percent", "penalty_percent"):
        rate = values.get(key, Decimal(0))
        # NaN/Infinity parse as Decimals from a form; the database refuses them (not a 500: a field error)
        if not isinstance(rate, Decimal | int) or not Decimal(rate).is_finite() or not 0 <= rate <= 100:
            errors[key] = ["persen 0 sampai 100"]
    lo, hi = values.get("min_term_months", 1), values.get("max_term_months", 36)
    if lo < 1 or hi < lo:
        errors["max_term_months"] = ["jangka minimal 1 dan maksimal tidak lebih kecil dari minimal"]
    if values.get("min_principal", 1) > values.get("max_principal", 10**15):
        errors["max_principal"] = ["plafon maksimal lebih kecil dari minimal"]
    if values.get("rounding_multiple", 100) < 1:
        errors["rounding_multiple"] = ["minimal 1"]
    kl, d, m = (values.get(k, v) for k, v in (("kl_after_days", 90), ("d_after_days", 180), ("m_after_days", 810)))
    if not 0 <= kl < d < m:
        errors["m_after_days"] = ["ambang kolektibilitas harus naik: KL < D < M"]
    if errors:
        raise ValidationError("Pengaturan produk pinjaman tidak valid.", fields=errors)


def create_product(cooperative_id: int, *, actor, **values) -> LoanProduct:
    """Create a loan product. Thresholds default by frequency (monthly 90/180/810, weekly 30/60/690)."""
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError("Pengaturan tidak dikenal.", fields={k: ["tidak dikenal"] for k in sorted(unknown)})
    freq = values.get("frequency", "monthly")
    defaults = rules.DEFAULT_THRESHOLDS.get(freq, rules.DEFAULT_THRESHOLDS["monthly"])
    for key, default in zip(("kl_after_days", "d_after_days", "m_after_days"), defaults, strict=True):
        values.setdefault(key, default)
    _check_product(values)
    if db.session.scalar(sa.select(LoanProduct.id).where(LoanProduct.cooperative_id == cooperative_id,
                                                         LoanProduct.name == values["name"])):
        raise ValidationError("Nama produk sudah dipakai.", fields={"name": ["sudah dipakai"]})
    product = LoanProduct(cooperative_id=cooperative_id, **values)
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "loans.product.create", "loan_product", product.id, {"name": product.name},
                 cooperative_id=cooperative_id)
    return product


def update_product(cooperative_id: int, product_id: int, *, actor, **values) -> LoanProduct:
    """Change a product's settings. Existing loans keep the terms copied at their application."""
    product = get_product(cooperative_id, product_id)
    merged = {f: getattr(product, f) for f in PRODUCT_FIELDS} | values
    _check_product(merged)
    before = {k: str(getattr(product, k)) for k in values}
    for k, v in values.items():
        setattr(product, k, v)
    db.session.flush()
    audit.record(actor, "loans.product.update", "loan_product", product.id,
                 {"before": before, "after": {k: str(v) for k, v in values.items()}}, cooperative_id=cooperative_id)
    return product


def get_product(cooperative_id: int, product_id: int) -> LoanProduct:
    p = db.session.get(LoanProduct, product_id)
    if p is None or p.cooperative_id != cooperative_id:
        raise NotFound("Produk pinjaman tidak ditemukan.")
    return p


def products(cooperative_id: int, active_only: bool = False) -> list[LoanProduct]:
    q = sa.select(LoanProduct).where(LoanProduct.cooperative_id == cooperative_id)
    if active_only:
        q = q.where(LoanProduct.is_active.is_(True))
    return list(db.session.scalars(q.order_by(LoanProduct.name)))


def terms_of(product: LoanProduct) -> dict:
    """JSON-safe copy of a product's terms (decimals as strings)."""
    out = {}
    for f in TERM_FIELDS:
        v = getattr(product, f)
        out[f] = str(v) if isinstance(v, Decimal) else v
    return out


def schedule_terms(terms: dict, term_months: int) -> schedule.Terms:
    """Loans applied before the first-period setting existed keep their schedules: ``none``."""
    return schedule.Terms(method=terms["method"], rate_percent_per_month=Decimal(terms["rate_percent_per_month"]),
                          term_months=term_months, frequency=terms["frequency"],
                          grace_periods=int(terms["grace_periods"]), rounding_multiple=int(terms["rounding_multiple"]),
                          rounding_mode=terms["rounding_mode"],
                          first_period_interest=terms.get("first_period_interest", "none"))


def collectibility_terms(cooperative_id: int, on: date) -> dict:
    """The cooperative's collectibility scheme in force ``on`` (the application date), to copy onto the
    loan's terms next to the product's: a later change of the setting never reclassifies the loan.

    ``koperasi4`` keeps the product's KL / D / M thresholds (no DPK); ``bank5`` replaces them with the
    cooperative's bank-scheme thresholds and adds DPK. Both carry the DPK provision rate (PPAP).
    ``koperasi4`` also carries the collateral share a loan past the D threshold needs to stay Diragukan
    (``collateral_min_percent``); ``bank5`` classes by days alone (``None``)."""
    scheme = coop_settings.get_text(cooperative_id, "collectibility_scheme", on)
    out: dict = {"collectibility_scheme": scheme, "dpk_after_days": None,
                 "provision_dpk": str(coop_settings.get_decimal(cooperative_id, "provision_dpk", on)),
                 "collateral_min_percent": None}
    if scheme == "bank5":
        for key in ("dpk_after_days", "kl_after_days", "d_after_days", "m_after_days"):
            out[key] = coop_settings.get_int(cooperative_id, f"bank5_{key}", on)
    else:
        out["collateral_min_percent"] = str(coop_settings.get_decimal(cooperative_id, "collateral_min_percent", on))
    return out


def first_period_terms(cooperative_id: int, on: date) -> dict:
    """The first-period rule in force ``on`` (setting ``first_period_interest``: ``prorate`` or ``none``),
    copied onto the loan at application like the collectibility scheme."""
    return {"first_period_interest": coop_settings.get_text(cooperative_id, "first_period_interest", on)}


def collateral_percent(terms: dict):
    """The collateral share (Decimal percent) the loan's terms require past the D threshold, or ``None``
    when the test does not apply (bank scheme). Terms copied before the setting existed are 4-class
    loans and get DOMAIN.md's default 75 % (the rule is the regulation's, not a product choice)."""
    if scheme_of(terms) == "bank5":
        return None
    value = terms.get("collateral_min_percent", str(rules.DEFAULT_COLLATERAL_PERCENT))
    return None if value is None else Decimal(value)


def loan_class(terms: dict, dpd: int, collateral_value: int | None, outstanding: int) -> int:
    """The collectibility class of a loan ``dpd`` days past due with this collateral and outstanding
    principal (see :func:`coop.loans.rules.collectibility` and :func:`coop.loans.rules.is_secured`)."""
    pct = collateral_percent(terms)
    secured = pct is None or rules.is_secured(collateral_value, outstanding, pct)
    return rules.collectibility(dpd, thresholds(terms), secured=secured)


def thresholds(terms: dict) -> tuple[int | None, int, int, int]:
    """(DPK after, KL after, D after, M after) days past due; DPK ``None`` in the 4-class scheme (terms
    copied before the scheme setting existed are 4-class)."""
    dpk = terms.get("dpk_after_days") if terms.get("collectibility_scheme") == "bank5" else None
    return (None if dpk is None else int(dpk), int(terms["kl_after_days"]), int(terms["d_after_days"]),
            int(terms["m_after_days"]))


def provision_rates(terms: dict) -> tuple[Decimal, ...]:
    """PPAP rate per class 1-5 (Lancar, DPK, KL, D, M)."""
    dpk = Decimal(terms.get("provision_dpk", rules.DEFAULT_PROVISION_RATES[1]))
    lancar, kl, d, m = (Decimal(terms[k]) for k in ("provision_lancar", "provision_kl", "provision_d", "provision_m"))
    return (lancar, dpk, kl, d, m)


def scheme_of(terms: dict) -> str:
    return terms.get("collectibility_scheme", "koperasi4")


def _check_term(product: LoanProduct, principal: int, term_months: int) -> None:
    errors = {}
    if not product.min_term_months <= term_months <= product.max_term_months:
        errors["term_months"] = [f"jangka {product.min_term_months}-{product.max_term_months} bulan"]
    if not product.min_principal <= principal <= product.max_principal:
        errors["principal"] = [f"plafon Rp {product.min_principal:,} - Rp {product.max_principal:,}".replace(",", ".")]
    if errors:
        raise ValidationError("Pinjaman di luar batas produk.", fields=errors)


def preview(cooperative_id: int, product_id: int, principal: int, term_months: int,
            first_due_date: date, disbursed_on: date | None = None) -> list[schedule.Instalment]:
    """The schedule a loan would get; the same code books it at disbursement. With ``disbursed_on`` the
    first period is prorated (or not) by the cooperative's current ``first_period_interest`` setting,
    as a loan applied today would be."""
    product = get_product(cooperative_id, product_id)
    _check_term(product, principal, term_months)
    if disbursed_on is not None and first_due_date <= disbursed_on:
        raise ValidationError("Jatuh tempo pertama harus setelah tanggal pencairan.",
                              fields={"first_due_date": ["harus setelah tanggal pencairan"]})
    terms = terms_of(product) | first_period_terms(cooperative_id, disbursed_on or first_due_date)
    return build_plan(terms, principal, term_months, first_due_date, disbursed_on)


def preview_first_period(cooperative_id: int, product_id: int, term_months: int, first_due_date: date,
                         disbursed_on: date | None) -> schedule.FirstPeriod | None:
    """What :func:`preview` did with the first period (its days, one period's days, prorated or not)."""
    terms = terms_of(get_product(cooperative_id, product_id)) | first_period_terms(cooperative_id,
                                                                                    disbursed_on or first_due_date)
    return schedule.first_period(schedule_terms(terms, term_months), first_due_date, disbursed_on)


def build_plan(terms: dict, principal: int, term_months: int, first_due_date: date,
               disbursed_on: date | None = None) -> list[schedule.Instalment]:
    """The instalment plan of ``principal`` over ``term_months`` under a loan's ``terms`` (a product's
    terms as copied onto the loan), first due on ``first_due_date``. Pure: nothing is written. Terms that
    cannot make a schedule, or a due date past the calendar, are a 422."""
    try:
        return schedule.build_schedule(principal, schedule_terms(terms, term_months), first_due_date,
                                       disbursed_on=disbursed_on)
    except schedule.ScheduleError as exc:
        raise ValidationError(str(exc), fields={"principal": [str(exc)]}) from None
    except (ValueError, OverflowError):  # a due date beyond the calendar (year 9999)
        raise ValidationError("Tanggal jatuh tempo di luar kalender.",
                              fields={"first_due_date": ["terlalu jauh"]}) from None


def fee_for(terms: dict, principal: int) -> int:
    return rules.percent_of(principal, Decimal(terms["fee_percent"])) + int(terms["fee_fixed"])
