"""API v1: auditor exports (API.md "Ledger, reports, exports"), streamed with constant memory.

Every export is recorded in the audit log (``export.<kind>``) before the first byte is sent.
"""
from __future__ import annotations

from flask import Response, stream_with_context

from coop.auth.roles import BOOKS
from coop.blueprints.api import api, current_api_user, doc, load_args, roles
from coop.db import atomic, utcnow
from coop.reports import beancount, exports, saft
from coop.reports.schemas import PeriodQuerySchema

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _start(kind: str) -> tuple[int, exports.Period]:
    args = load_args(PeriodQuerySchema)
    user = current_api_user()
    period = exports.Period(args["start"], args["end"])
    atomic(exports.record_export, user, user.cooperative_id, kind, period, via="api")
    return user.cooperative_id, period


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-Type-Options": "nosniff"})


@api.get("/exports/journal.csv")
@doc(summary="Journal as CSV, one row per posting line (streamed)", query=PeriodQuerySchema, tags=["exports"],
     content_type="text/csv", errors=(401, 403, 422))
@roles(*BOOKS)
def export_journal_csv():
    cid, period = _start("journal.csv")
    return _download(stream_with_context(exports.journal_csv(cid, period)), "text/csv",
                     f"jurnal_{period.label()}.csv")


@api.get("/exports/general-ledger.xlsx")
@doc(summary="General ledger workbook (opening, movements, closing per account)", query=PeriodQuerySchema,
     tags=["exports"], content_type=XLSX, errors=(401, 403, 422))
@roles(*BOOKS)
def export_general_ledger_xlsx():
    cid, period = _start("general-ledger.xlsx")
    return _download(exports.iter_file(exports.general_ledger_xlsx(cid, period)), XLSX,
                     f"buku_besar_{period.label()}.xlsx")


@api.get("/exports/saft.xml")
@doc(summary="SAF-T style XML audit file (streamed)", query=PeriodQuerySchema, tags=["exports"],
     content_type="application/xml", errors=(401, 403, 422))
@roles(*BOOKS)
def export_saft_xml():
    cid, period = _start("saft.xml")
    return _download(stream_with_context(saft.saft_xml(cid, period, created_at=utcnow())), "application/xml",
                     f"saft_{period.label()}.xml")


@api.get("/exports/ledger.beancount")
@doc(summary="The ledger as beancount text (bean-check accepts it)", query=PeriodQuerySchema,
     tags=["exports"], content_type="text/plain", errors=(401, 403, 422))
@roles(*BOOKS)
def export_beancount():
    cid, period = _start("ledger.beancount")
    return _download(stream_with_context(beancount.beancount_text(cid, period)), "text/plain",
                     f"buku_besar_{period.label()}.beancount")
