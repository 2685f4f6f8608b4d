"""The pre-departure loan (pinjaman pra-penempatan) for a calon PMI: a loan product made from a template
of the existing product settings (coop.loans.products), nothing new in the schedule.

- The grace period until the first salary abroad is the product's ``grace_periods``: the first 3 monthly
  instalments are interest-only (principal grace, coop.loans.schedule), so the loan costs the family only
  the interest while the worker travels and waits for the first salary.
- Repayment from abroad by remittance: the remittance is credited to the family's sukarela account
  (coop.remittances.services.record_remittance), and the instalment is paid from that account with
  ``coop.loans.repayments.repay(..., channel="savings")`` (Dr sukarela, Cr the loan): no cash changes hands.

The cooperative can change any setting afterwards (coop.loans.products.update_product); existing loans
keep the terms copied at their application.
"""
from __future__ import annotations

from decimal import Decimal

from coop.loans.models import LoanProduct
from coop.loans.products import create_product

#: Settings of the template (fields of coop.loans.products.PRODUCT_FIELDS). Declining balance ("efektif")
#: at 1 % a month, 6 to 24 months, Rp 1 to 30 juta, 3 interest-only months before the first salary.
PRE_DEPARTURE_TEMPLATE: dict = {
    "name": "Pinjaman Pra-Penempatan PMI",
    "method": "efektif",
    "rate_percent_per_month": Decimal("1"),
    "min_term_months": 6,
    "max_term_months": 24,
    "min_principal": 1_000_000,
    "max_principal": 30_000_000,
    "frequency": "monthly",
    "grace_periods": 3,
    "rounding_multiple": 100,
    "fee_percent": Decimal("0"),
    "fee_fixed": 0,
}


def create_pre_departure_product(cooperative_id: int, *, actor, **overrides) -> LoanProduct:
    """A loan product from :data:`PRE_DEPARTURE_TEMPLATE` with ``overrides`` (e.g. another rate or grace).
    :raises ValidationError: a setting the loan products refuse, or the name already used."""
    return create_product(cooperative_id, actor=actor, **(PRE_DEPARTURE_TEMPLATE | overrides))
