"""Tenant-isolation factories for the membership and cash-desk routes (objects in ANOTHER cooperative)."""
from __future__ import annotations

from datetime import date

from tests.tenancy_objects import factory


def _member(ctx):
    if "membership.member" not in ctx.cache:
        from coop.db import atomic
        from coop.membership.services import register_member
        from coop.registry.services import create_resident
        from coop.savings import services as savings

        def _do():
            savings.seed_defaults(ctx.coop.id)
            district = ctx.coop.village_code[:6]
            r = create_resident(ctx.coop.id, {
                "nik": f"{district}450590{7777:04d}", "kk_number": f"{district}010715{7777:04d}",
                "full_name": "Anggota Koperasi Lain", "sex": "F", "birth_place": "Tulungagung",
                "birth_date": date(1990, 5, 5), "village_code": ctx.coop.village_code,
                "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            m = register_member(ctx.coop.id, r.id, date(2025, 1, 2), actor=None)
            acc = savings.account_for(ctx.coop.id, m.id, "pokok")
            rec = savings.deposit(ctx.coop.id, acc.id, acc.product.amount, actor=None, value_date=date(2025, 1, 2))
            return m, rec.entry.id
        ctx.cache["membership.member"] = atomic(_do)
    return ctx.cache["membership.member"]


@factory("member_id")
def _member_id(ctx):
    return _member(ctx)[0].id


@factory("account_id")
def _savings_account_id(ctx):
    from coop.savings.services import account_for

    m = _member(ctx)[0]
    return account_for(ctx.coop.id, m.id, "sukarela").id


@factory("entry_id")
def _entry_id(ctx):
    return _member(ctx)[1]


@factory("savings_product_id")
def _savings_product_id(ctx):
    from coop.savings.services import default_product

    _member(ctx)
    return default_product(ctx.coop.id, "sukarela").id


@factory("cash_count_id")
def _cash_count_id(ctx):
    from coop.db import atomic
    from coop.savings.cash import record_cash_count

    _member(ctx)  # Kas holds the pokok
    return atomic(record_cash_count, ctx.coop.id, date(2025, 1, 2), 100_000, actor=None).id
