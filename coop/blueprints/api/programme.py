"""API v1: programme monitoring (API.md "Programme monitoring"): indicators over a region's cooperatives
and frozen semester snapshots, for coordinators (their region) and service admins. Totals only."""
from __future__ import annotations

from flask import Response

from coop.auth.roles import COORDINATOR, SERVICE_ADMIN
from coop.blueprints.api import api, current_api_user, cursor_page, roles
from coop.blueprints.common import business_today
from coop.db import atomic
from coop.programme import exports, services
from coop.programme.models import ProgrammeSnapshot
from coop.programme.schemas import (
    IndicatorArgsSchema,
    IndicatorsSchema,
    SnapshotInSchema,
    SnapshotListSchema,
    SnapshotSchema,
)

TAGS = ["programme"]
PROGRAMME = (COORDINATOR, SERVICE_ADMIN)


@api.get("/programme/indicators")
@api.doc(summary="Indicators of every cooperative whose village lies in a region (default: the coordinator's), "
                 "per village and in total, and per group_by region (village, district, regency, province) when "
                 "asked; flows dated within from..to", tags=TAGS, errors=(401, 403, 422))
@roles(*PROGRAMME)
@api.arguments(IndicatorArgsSchema, location="query")
@api.response(200, IndicatorsSchema)
def indicators(args: dict):
    data = services.region_indicators(current_api_user(), args["region"], args["from_"], args["to"],
                                      as_of=business_today(), group_by=args["group_by"])
    return data


def _view(snap: ProgrammeSnapshot):
    return services.snapshot_view(snap)


@api.post("/programme/snapshots")
@api.doc(summary="Take the semester snapshot of a region (period 2027-S1): stored and never recomputed; "
                 "409 snapshot_exists", tags=TAGS, errors=(401, 403, 409, 422))
@roles(*PROGRAMME)
@api.arguments(SnapshotInSchema)
@api.response(201, SnapshotSchema)
def take_snapshot(data: dict):
    user = current_api_user()
    snap_id = atomic(lambda: services.take_snapshot(user, data["region"], data["period"],
                                                    today=business_today()).id)
    return _view(services.get_snapshot(user, snap_id))


@api.get("/programme/snapshots")
@api.doc(summary="Snapshots of the caller's region (oldest first)", tags=TAGS, errors=(401, 403, 422))
@roles(*PROGRAMME)
@api.response(200, SnapshotListSchema)
def list_snapshots():
    user = current_api_user()
    return cursor_page(services.visible_snapshots(user), ProgrammeSnapshot.id,
                       lambda s: {"id": s.id, "region": s.region, "period": s.period, "taken_at": s.taken_at})


@api.get("/programme/snapshots/<int:programme_snapshot_id>")
@api.doc(summary="A snapshot: the indicators as they were when it was taken", tags=TAGS, errors=(401, 403, 404))
@roles(*PROGRAMME)
@api.response(200, SnapshotSchema)
def get_snapshot(programme_snapshot_id: int):
    return _view(services.get_snapshot(current_api_user(), programme_snapshot_id))


def _title(view) -> list[str]:
    return [f"Indikator program {view.region} {view.period}", f"diambil {view.taken_at.isoformat()}",
            f"oleh {view.taken_by}"]


@api.get("/programme/snapshots/<int:programme_snapshot_id>.xlsx")
@api.doc(summary="A snapshot as XLSX (one row per village, then the total)", tags=TAGS, errors=(401, 403, 404),
         content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
@roles(*PROGRAMME)
def get_snapshot_xlsx(programme_snapshot_id: int):
    view = services.snapshot_view(services.get_snapshot(current_api_user(), programme_snapshot_id))
    return Response(exports.to_xlsx(view.indicators, _title(view)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="indikator-{view.region}-{view.period}.xlsx"'})


@api.get("/programme/snapshots/<int:programme_snapshot_id>.csv")
@api.doc(summary="A snapshot as CSV (one row per village, then the total)", tags=TAGS, errors=(401, 403, 404),
         content_type="text/csv")
@roles(*PROGRAMME)
def get_snapshot_csv(programme_snapshot_id: int):
    view = services.snapshot_view(services.get_snapshot(current_api_user(), programme_snapshot_id))
    return Response(exports.to_csv(view.indicators, _title(view)), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="indikator-{view.region}-{view.period}.csv"'})
