"""Tenant factories of the desk area: a case in cooperative B (ctx.coop)."""
from __future__ import annotations

from datetime import date

from tests.tenancy_objects import factory


@factory("case_id")
def _case(ctx):
    if "desk_case" not in ctx.cache:
        from coop.db import atomic
        from coop.desk.services import open_case
        from coop.registry.services import create_resident

        def _do():
            district = ctx.coop.village_code[:6]
            r = create_resident(ctx.coop.id, {
                "nik": f"{district}450595{7101:04d}", "kk_number": f"{district}0107157101", "full_name": "Calon B",
                "sex": "F", "birth_place": "Blitar", "birth_date": date(1995, 5, 5),
                "village_code": ctx.coop.village_code, "relationship": "kepala_keluarga", "status": "hidup"},
                actor=None)
            return open_case(ctx.coop.id, {"resident_id": r.id, "destination_country": "HK", "job_title": "PRT"},
                             opened_on=ctx.today, as_of=ctx.today, actor=None).id
        ctx.cache["desk_case"] = atomic(_do)
    return ctx.cache["desk_case"]
