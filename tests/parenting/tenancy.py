"""Tenant factories of the parenting area: each creates the object in cooperative B (ctx.coop)."""
from __future__ import annotations

from datetime import date

from tests.tenancy_objects import factory


def _child(ctx):
    if "parenting_child" not in ctx.cache:
        from coop.db import atomic
        from coop.parenting import services
        from coop.registry.services import add_migration_record, create_resident

        def _do():
            district, kk = ctx.coop.village_code[:6], f"{ctx.coop.village_code[:6]}0107158001"
            common = {"kk_number": kk, "birth_place": "Blitar", "village_code": ctx.coop.village_code,
                      "status": "hidup"}
            father = create_resident(ctx.coop.id, {**common, "nik": f"{district}0302858001", "full_name": "Ayah B",
                                                   "sex": "M", "birth_date": date(1985, 2, 3),
                                                   "relationship": "kepala_keluarga"}, actor=None)
            add_migration_record(ctx.coop.id, father.id, {"status": "aktif", "country": "TW",
                                                          "departure_date": date(2024, 1, 1)}, actor=None)
            child = create_resident(ctx.coop.id, {**common, "nik": f"{district}4706158002", "full_name": "Anak B",
                                                  "sex": "F", "birth_date": date(2015, 6, 7),
                                                  "relationship": "anak"}, actor=None)
            gran = create_resident(ctx.coop.id, {**common, "nik": f"{district}4504558003", "full_name": "Nenek B",
                                                 "sex": "F", "birth_date": date(1955, 4, 5),
                                                 "relationship": "orang_tua"}, actor=None)
            g = services.create_group(ctx.coop.id, name="Kelompok B")
            s = services.create_session(ctx.coop.id, kind="literacy", held_on=ctx.today, topic="Membaca",
                                        facilitator="Bu B", group_id=g.id)
            c = services.create_child(ctx.coop.id, resident_id=child.id, caregiver_resident_id=gran.id,
                                      consent={"given_by_resident_id": gran.id, "given_on": ctx.today,
                                               "method": "written"}, group_id=g.id, as_of=ctx.today)
            return c.id, s.id
        ctx.cache["parenting_child"], ctx.cache["parenting_session"] = atomic(_do)
    return ctx.cache["parenting_child"]


@factory("child_id")
def _child_id(ctx):
    return _child(ctx)


@factory("parenting_session_id")
def _session_id(ctx):
    _child(ctx)
    return ctx.cache["parenting_session"]
