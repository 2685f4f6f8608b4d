"""Tenant factories of the loans area: each creates the object in cooperative B (ctx.coop)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.tenancy_objects import factory


@factory("loan_product_id")
def _product(ctx):
    if "loan_product" not in ctx.cache:
        from coop.db import atomic
        from coop.loans.services import create_product

        ctx.cache["loan_product"] = atomic(create_product, ctx.coop.id, actor=None, name="Produk B", method="flat",
                                           rate_percent_per_month=Decimal("1")).id
    return ctx.cache["loan_product"]


@factory("loan_id")
def _loan(ctx):
    if "loan" not in ctx.cache:
        from coop.db import atomic
        from coop.loans import services as loans
        from coop.membership.services import register_member
        from coop.registry.services import create_resident
        from coop.savings import services as savings
        from tests.fixtures_ledger import top_up_cash

        product_id = _product(ctx)

        def _do():
            district = ctx.coop.village_code[:6]
            r = create_resident(ctx.coop.id, {
                "nik": f"{district}450590{7301:04d}", "kk_number": f"{district}0107157301", "full_name": "Peminjam B",
                "sex": "F", "birth_place": "Blitar", "birth_date": date(1990, 5, 5),
                "village_code": ctx.coop.village_code, "relationship": "kepala_keluarga", "status": "hidup"},
                actor=None)
            savings.seed_defaults(ctx.coop.id)
            m = register_member(ctx.coop.id, r.id, date(2025, 1, 2), actor=None)
            acc = savings.account_for(ctx.coop.id, m.id, "pokok")
            savings.deposit(ctx.coop.id, acc.id, acc.product.amount, actor=None, value_date=date(2025, 1, 2))
            loan = loans.apply(ctx.coop.id, actor=ctx.users["treasurer"], member_id=m.id, product_id=product_id,
                               principal=1_000_000, term_months=4, purpose="Warung", applied_on=date(2026, 1, 5))
            loans.decide(ctx.coop.id, loan.id, actor=ctx.users["manager"], decision="approve", note=None,
                         on=date(2026, 1, 5))
            top_up_cash(ctx.coop.id, 1_000_000, date(2026, 1, 6))  # cash in the box to pay the loan out
            loans.disburse(ctx.coop.id, loan.id, actor=ctx.users["treasurer"], disbursed_on=date(2026, 1, 6),
                           first_due_date=date(2026, 2, 6))
            return loan.id
        ctx.cache["loan"] = atomic(_do)
    return ctx.cache["loan"]


@factory("loan_repayment_id")
def _repayment(ctx):
    if "loan_repayment" not in ctx.cache:
        from coop.db import atomic
        from coop.loans import services as loans

        loan_id = _loan(ctx)
        ctx.cache["loan_repayment"] = atomic(loans.repay, ctx.coop.id, loan_id, 100_000, actor=ctx.users["treasurer"],
                                             paid_on=date(2026, 2, 6)).id
    return ctx.cache["loan_repayment"]
