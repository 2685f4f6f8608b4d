"""Tenant-isolation factories of the registry's route arguments (see tests/tenancy_objects.py)."""
from __future__ import annotations

from datetime import date

from tests.tenancy_objects import factory


def _resident(ctx):
    if "registry_resident" not in ctx.cache:
        from coop.db import atomic
        from coop.registry.services import add_migration_record, create_resident

        district = ctx.coop.village_code[:6]
        r = atomic(create_resident, ctx.coop.id, {
            "nik": f"{district}450590{9001:04d}", "kk_number": f"{district}0107159001", "full_name": "Warga B",
            "sex": "F", "birth_place": "Tulungagung", "birth_date": date(1990, 5, 5),
            "village_code": ctx.coop.village_code, "relationship": "kepala_keluarga"}, actor=None)
        m = atomic(add_migration_record, ctx.coop.id, r.id, {"status": "calon", "country": "HK"}, actor=None)
        ctx.cache["registry_resident"] = r
        ctx.cache["registry_record"] = m
    return ctx.cache["registry_resident"]


@factory("resident_id")
def _resident_id(ctx):
    return _resident(ctx).id


@factory("household_id")
def _household_id(ctx):
    return _resident(ctx).household_id


@factory("migration_record_id", "record_id")
def _migration_record_id(ctx):
    _resident(ctx)
    return ctx.cache["registry_record"].id
