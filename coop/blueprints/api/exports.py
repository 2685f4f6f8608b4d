"""API v1: auditor exports (API.md "Ledger, reports, exports"), streamed with constant memory.

Every export is recorded in the audit log (``export.<kind>``) before the first byte is sent.
"""
from __future__ import annotations

from flask import Response, stream_with_context

from coop.auth.roles import BOOKS, SEES_NIK
from coop.blueprints.api import api, current_api_user, roles
from coop.blueprints.common import business_today
from coop.db import atomic, utcnow
from coop.reports import beancount, books, exports, saft, withholding
from coop.reports.schemas import PeriodQuerySchema, PphTotalsSchema, YearQuerySchema

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _start(args: dict, kind: str) -> tuple[int, exports.Period]:
    user = current_api_user()
    period = exports.Period(args["start"], args["end"])
    atomic(exports.record_export, user, user.cooperative_id, kind, period, via="api")
    return user.cooperative_id, period


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-Type-Options": "nosniff"})


@api.get("/exports/journal.csv")
@api.doc(summary="Journal as CSV, one row per posting line (streamed)", tags=["exports"],
         content_type="text/csv", errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_journal_csv(args: dict):
    cid, period = _start(args, "journal.csv")
    return _download(stream_with_context(exports.journal_csv(cid, period)), "text/csv",
                     f"jurnal_{period.label()}.csv")


@api.get("/exports/general-ledger.xlsx")
@api.doc(summary="General ledger workbook (opening, movements, closing per account)",
         tags=["exports"], content_type=XLSX, errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_general_ledger_xlsx(args: dict):
    cid, period = _start(args, "general-ledger.xlsx")
    return _download(exports.iter_file(exports.general_ledger_xlsx(cid, period)), XLSX,
                     f"buku_besar_{period.label()}.xlsx")


@api.get("/exports/saft.xml")
@api.doc(summary="SAF-T Financial 1.30 XML audit file, namespace urn:StandardAuditFile-Taxation-Financial:NO "
                 "(streamed)", tags=["exports"],
         content_type="application/xml", errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_saft_xml(args: dict):
    cid, period = _start(args, "saft.xml")
    return _download(stream_with_context(saft.saft_xml(cid, period, created_at=utcnow())), "application/xml",
                     f"saft_{period.label()}.xml")


@api.get("/exports/ledger.beancount")
@api.doc(summary="The ledger as beancount text (bean-check accepts it)",
         tags=["exports"], content_type="text/plain", errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_beancount(args: dict):
    cid, period = _start(args, "ledger.beancount")
    return _download(stream_with_context(beancount.beancount_text(cid, period)), "text/plain",
                     f"buku_besar_{period.label()}.beancount")


def _book(args: dict, kind: str, make) -> Response:
    cid, period = _start(args, kind)
    sees_nik = current_api_user().role in SEES_NIK
    return _download(stream_with_context(make(cid, period, sees_nik)), "text/csv", f"{kind[:-4]}_{period.label()}.csv")


@api.get("/exports/trial-balance.csv")
@api.doc(summary="Trial balance at the period end (CSV)", tags=["exports"],
         content_type="text/csv", errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_trial_balance_csv(args: dict):
    return _book(args, "trial-balance.csv", lambda cid, p, _nik: books.trial_balance_csv(
        cid, p.end or books.last_value_date(cid) or utcnow().date()))


@api.get("/exports/member-ledgers.csv")
@api.doc(summary="Member ledgers: every savings and loan posting per member (CSV; NIK masked unless the role may "
                 "see it)", tags=["exports"], content_type="text/csv", errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_member_ledgers_csv(args: dict):
    return _book(args, "member-ledgers.csv", lambda cid, p, nik: books.member_ledgers_csv(cid, p, sees_nik=nik))


@api.get("/exports/loan-portfolio.csv")
@api.doc(summary="Loan portfolio (CSV)", tags=["exports"], content_type="text/csv",
         errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_loan_portfolio_csv(args: dict):
    return _book(args, "loan-portfolio.csv", lambda cid, p, nik: books.loan_portfolio_csv(cid, sees_nik=nik))


@api.get("/exports/training-participants.csv")
@api.doc(summary="Training participants of cohorts starting in the period (CSV)",
         tags=["exports"], content_type="text/csv", errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(PeriodQuerySchema, location="query")
def export_training_participants_csv(args: dict):
    return _book(args, "training-participants.csv",
                 lambda cid, p, nik: books.training_participants_csv(cid, p, sees_nik=nik))


@api.get("/reports/pph-savings-interest")
@api.doc(summary="PPh final on savings interest: monthly totals of the bukti potong (one per member per month)",
         tags=["exports"], errors=(401, 403, 422))
@roles(*BOOKS)
@api.arguments(YearQuerySchema, location="query")
@api.response(200, PphTotalsSchema)
def pph_savings_interest(args: dict):
    today = business_today()
    year = args["year"] or today.year
    cid = current_api_user().cooperative_id
    return {"year": year, "months": withholding.monthly_totals(cid, year, today)}
