"""Programme indicators (API.md "Programme monitoring") over every cooperative of a region, per village and
in total, from aggregate queries only: each source runs a few ``GROUP BY cooperative`` statements over the
whole region (no query per cooperative, no loop over people), and nothing a source returns names a person.

A source is ``fn(scope) -> iterable of (cooperative_id, path, value)``: ``path`` a tuple naming where
the value adds up (``("pmi", "calon")``, ``("pmi", "by_country", "MY")``). Values are summed per village
and in total; ratios are computed at the end from summed numerators and denominators (``_num``/``_den``
paths), so a region's ratio is never an average of its villages' ratios.

Stocks (people by status, members, balances, open cases, children) are as the books stand when the
indicators are computed; flows (departures, returns, enrolments, completions, businesses started,
parenting sessions) count what is dated within ``start``..``end`` (either may be open).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coop.auth.models import Cooperative
from coop.db import db, reads_replica
from coop.desk.models import DeskCase, DeskStageChange
from coop.desk.rules import STAGES
from coop.ledger import chart
from coop.ledger.models import Account
from coop.loans.models import Loan, LoanInstalment
from coop.membership.models import Member
from coop.parenting.models import Child, ParentingSession
from coop.registry.models import MigrationRecord, Resident
from coop.registry.regions import name_of
from coop.remittances import indicators as remittance_figures
from coop.training.models import Business, Enrolment

Row = tuple[int, tuple[str, ...], int]

#: Chart codes whose balances (and their sub-accounts') are members' savings: sukarela, berjangka, and
#: pokok and wajib whether booked as liability (SAK EP) or equity.
SAVINGS_CODES = (chart.SIMPANAN_SUKARELA, chart.SIMPANAN_BERJANGKA, chart.SIMPANAN_POKOK_LIAB,
                 chart.SIMPANAN_WAJIB_LIAB, "3101", "3102")
#: A loan is non-performing when its oldest unpaid instalment is more than this many days past due
#: (kurang lancar and worse, Permenkop 2/2024 collectibility).
NPL_DAYS = 90
PMI_STATUSES = ("calon", "aktif", "purna", "keluarga")
#: Training enrolments that took a place (waitlisted, rejected and cancelled ones did not).
TOOK_PLACE = ("enrolled", "completed", "dropped")


@dataclass(frozen=True)
class Scope:
    """A region code (2, 4 or 6 digits, already validated) and the flow period; ``as_of`` is today, the
    date arrears are measured on."""

    region: str
    start: date | None
    end: date | None
    as_of: date

    def cooperative_ids(self):
        """The cooperatives whose village lies in the region, as a subquery every source filters by."""
        return sa.select(Cooperative.id).where(Cooperative.village_code.like(self.region + "%")).scalar_subquery()

    def within(self, column):
        """``column`` (a date) inside the flow period."""
        conds = []
        if self.start is not None:
            conds.append(column >= self.start)
        if self.end is not None:
            conds.append(column <= self.end)
        return sa.and_(column.isnot(None), *conds)


def _rows(stmt, *path: str) -> Iterable[Row]:
    """``(cooperative_id, [key,] count)`` rows as source rows under ``path`` (+ the key when selected)."""
    for row in db.session.execute(stmt):
        if len(row) == 3:
            yield row[0], (*path, str(row[1])), int(row[2] or 0)
        else:
            yield row[0], tuple(path), int(row[1] or 0)


def registry_source(scope: Scope) -> Iterable[Row]:
    """PMI and their families by status, working PMI by country, PMI by sex, the procedural share."""
    cids = scope.cooperative_ids()
    alive = sa.and_(Resident.cooperative_id.in_(cids), Resident.status == "hidup")
    yield from _rows(sa.select(Resident.cooperative_id, Resident.pmi_status, sa.func.count())
                     .where(alive, Resident.pmi_status.in_(PMI_STATUSES))
                     .group_by(Resident.cooperative_id, Resident.pmi_status), "pmi")
    yield from _rows(sa.select(Resident.cooperative_id, Resident.sex, sa.func.count())
                     .where(alive, Resident.pmi_status.in_(("calon", "aktif", "purna")))
                     .group_by(Resident.cooperative_id, Resident.sex), "pmi", "by_sex")
    yield from _rows(sa.select(MigrationRecord.cooperative_id, MigrationRecord.country, sa.func.count())
                     .where(MigrationRecord.cooperative_id.in_(cids), MigrationRecord.status == "aktif")
                     .group_by(MigrationRecord.cooperative_id, MigrationRecord.country), "pmi", "by_country")
    procedural = sa.func.sum(sa.case((MigrationRecord.is_procedural.is_(True), 1), else_=0))
    for cid, num, den in db.session.execute(
            sa.select(MigrationRecord.cooperative_id, procedural, sa.func.count())
            .where(MigrationRecord.cooperative_id.in_(cids)).group_by(MigrationRecord.cooperative_id)):
        yield cid, ("pmi", "procedural_share_num"), int(num or 0)
        yield cid, ("pmi", "procedural_share_den"), int(den or 0)


def desk_source(scope: Scope) -> Iterable[Row]:
    """Migration-desk cases by their current stage; departures and returns recorded in the period."""
    cids = scope.cooperative_ids()
    yield from _rows(sa.select(DeskCase.cooperative_id, DeskCase.stage, sa.func.count())
                     .where(DeskCase.cooperative_id.in_(cids))
                     .group_by(DeskCase.cooperative_id, DeskCase.stage), "desk", "cases_by_stage")
    for stage in ("departed", "returned"):
        yield from _rows(sa.select(DeskStageChange.cooperative_id, sa.func.count())
                         .where(DeskStageChange.cooperative_id.in_(cids), DeskStageChange.stage == stage,
                                scope.within(DeskStageChange.moved_on))
                         .group_by(DeskStageChange.cooperative_id), "desk", stage)


def training_source(scope: Scope) -> Iterable[Row]:
    """Trainees who took a place (applied in the period), completions and businesses started in it."""
    cids = scope.cooperative_ids()
    yield from _rows(sa.select(Enrolment.cooperative_id, sa.func.count())
                     .where(Enrolment.cooperative_id.in_(cids), Enrolment.status.in_(TOOK_PLACE),
                            scope.within(Enrolment.applied_on))
                     .group_by(Enrolment.cooperative_id), "training", "enrolled")
    yield from _rows(sa.select(Enrolment.cooperative_id, sa.func.count())
                     .where(Enrolment.cooperative_id.in_(cids), Enrolment.status == "completed",
                            scope.within(Enrolment.completed_on))
                     .group_by(Enrolment.cooperative_id), "training", "completed")
    yield from _rows(sa.select(Business.cooperative_id, sa.func.count())
                     .where(Business.cooperative_id.in_(cids), scope.within(Business.started_on))
                     .group_by(Business.cooperative_id), "training", "businesses_started")


def parenting_source(scope: Scope) -> Iterable[Row]:
    """Children in community parenting (consent not withdrawn) and sessions held in the period."""
    cids = scope.cooperative_ids()
    yield from _rows(sa.select(Child.cooperative_id, sa.func.count())
                     .where(Child.cooperative_id.in_(cids), Child.consent_withdrawn_on.is_(None))
                     .group_by(Child.cooperative_id), "parenting", "children")
    yield from _rows(sa.select(ParentingSession.cooperative_id, sa.func.count())
                     .where(ParentingSession.cooperative_id.in_(cids), scope.within(ParentingSession.held_on))
                     .group_by(ParentingSession.cooperative_id), "parenting", "sessions")


def cooperative_source(scope: Scope) -> Iterable[Row]:
    """Members (active and dormant), savings, loans outstanding, non-performing loans and total assets
    from the accounts' running balances (debit-positive: savings are negated)."""
    cids = scope.cooperative_ids()
    yield from _rows(sa.select(Member.cooperative_id, sa.func.count())
                     .where(Member.cooperative_id.in_(cids), Member.status.in_(("active", "dormant")))
                     .group_by(Member.cooperative_id), "cooperative", "members")
    parent = aliased(Account)
    root_code = sa.func.coalesce(parent.code, Account.code)
    balances = (sa.select(Account.cooperative_id, root_code, Account.type, sa.func.sum(Account.balance))
                .outerjoin(parent, parent.id == Account.parent_id)
                .where(Account.cooperative_id.in_(cids))
                .group_by(Account.cooperative_id, root_code, Account.type))
    for cid, code, kind, total in db.session.execute(balances):
        total = int(total or 0)
        if code in SAVINGS_CODES:
            yield cid, ("cooperative", "savings"), -total
        if code == chart.PIUTANG_PINJAMAN:
            yield cid, ("cooperative", "loans_outstanding"), total
            yield cid, ("cooperative", "npl_ratio_den"), total
        if kind == "asset":
            yield cid, ("cooperative", "assets"), total
    i = LoanInstalment
    owed = (i.principal_due - i.principal_paid + i.interest_due - i.interest_paid - i.interest_waived
            + i.fee_due - i.fee_paid)
    late = (sa.select(i.loan_id).join(Loan, sa.and_(Loan.id == i.loan_id, i.version == Loan.schedule_version))
            .where(Loan.cooperative_id.in_(cids), Loan.status == "active", owed > 0,
                   i.due_on < scope.as_of - timedelta(days=NPL_DAYS)))
    yield from _rows(sa.select(Loan.cooperative_id, sa.func.sum(Account.balance))
                     .join(Account, Account.id == Loan.ledger_account_id)
                     .where(Loan.cooperative_id.in_(cids), Loan.id.in_(late))
                     .group_by(Loan.cooperative_id), "cooperative", "npl_ratio_num")


def remittances_source(scope: Scope) -> Iterable[Row]:
    """Remittances received through the cooperatives in the period (count, rupiah credited, count by
    sender country) and the amounts behind the share still saved 30 days after receipt
    (coop/remittances/indicators.py defines it); the share itself is worked out after summing."""
    figures = remittance_figures.by_cooperative(db.session, scope.cooperative_ids(), scope.start, scope.end,
                                                scope.as_of)
    for cid, fig in figures.items():
        yield cid, ("remittances", "count"), fig["count"]
        yield cid, ("remittances", "amount"), fig["amount"]
        for country, n in fig["by_country"].items():
            yield cid, ("remittances", "by_country", country), n
        yield cid, ("remittances", "saved_share_num"), fig["saved"]
        yield cid, ("remittances", "saved_share_den"), fig["measured"]


#: Where the indicators come from, in the order they are computed.
SOURCES: list[Callable[[Scope], Iterable[Row]]] = [
    registry_source,
    desk_source,
    training_source,
    parenting_source,
    cooperative_source,
    remittances_source,
]


def _percent(num: int, den: int) -> str:
    """``num / den`` in percent, two decimals, as a string (computed in Decimal); "0.00" when den is 0."""
    if not den:
        return "0.00"
    return str((Decimal(num) * 100 / den).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _shape(tally: Counter) -> dict:
    """The API's nested indicator object from a tally of paths (zeros where nothing was counted)."""
    def dyn(*prefix):
        return {p[len(prefix)]: v for p, v in sorted(tally.items()) if p[:len(prefix)] == prefix and len(p) == len(prefix) + 1}

    return {
        "pmi": {**{s: tally[("pmi", s)] for s in PMI_STATUSES},
                "by_country": dyn("pmi", "by_country"), "by_sex": dyn("pmi", "by_sex"),
                "procedural_share": _percent(tally[("pmi", "procedural_share_num")],
                                             tally[("pmi", "procedural_share_den")])},
        "desk": {"cases_by_stage": {s: tally[("desk", "cases_by_stage", s)] for s in STAGES},
                 "departed": tally[("desk", "departed")], "returned": tally[("desk", "returned")]},
        "training": {k: tally[("training", k)] for k in ("enrolled", "completed", "businesses_started")},
        "parenting": {k: tally[("parenting", k)] for k in ("children", "sessions")},
        "cooperative": {"members": tally[("cooperative", "members")], "savings": tally[("cooperative", "savings")],
                        "loans_outstanding": tally[("cooperative", "loans_outstanding")],
                        "npl_ratio": _percent(tally[("cooperative", "npl_ratio_num")],
                                              tally[("cooperative", "npl_ratio_den")]),
                        "assets": tally[("cooperative", "assets")]},
        "remittances": {"count": tally[("remittances", "count")], "amount": tally[("remittances", "amount")],
                        "by_country": dyn("remittances", "by_country"),
                        "saved_share": _percent(tally[("remittances", "saved_share_num")],
                                                tally[("remittances", "saved_share_den")])},
    }


#: The levels indicators can be grouped by, and how many leading digits of a village code name each.
GROUP_LEVELS = {"village": 10, "district": 6, "regency": 4, "province": 2}


def _groups(level: str, per_village: dict[str, Counter], coops_per_village: Counter) -> list[dict]:
    """One entry per region of ``level`` that has a cooperative, in code order: the villages' tallies
    summed part by part (numerators and denominators apart), THEN shaped, so a group's ratio is its summed
    numerator over its summed denominator, never an average of its villages' ratios."""
    digits = GROUP_LEVELS[level]
    tallies: dict[str, Counter] = defaultdict(Counter)
    villages: Counter = Counter()
    coops: Counter = Counter()
    for code, n in coops_per_village.items():
        group = code[:digits]
        tallies[group].update(per_village[code])
        villages[group] += 1
        coops[group] += n
    return [{"code": group, "name": name_of(group) or "", "villages": villages[group],
             "cooperatives": coops[group], **_shape(tallies[group])} for group in sorted(villages)]


@reads_replica
def indicators(scope: Scope, group_by: str | None = None) -> dict:
    """The indicators of API.md for ``scope``: totals, and ``by_village`` (one entry per village that has
    a cooperative, in code order, with the village's name and its cooperatives' count); with ``group_by``
    (a key of :data:`GROUP_LEVELS`) also ``groups``, the same per district, regency or province."""
    coops = db.session.execute(sa.select(Cooperative.id, Cooperative.village_code)
                               .where(Cooperative.village_code.like(scope.region + "%"))).all()
    village_of = {cid: code for cid, code in coops}
    per_village: dict[str, Counter] = defaultdict(Counter)
    coops_per_village: Counter = Counter(village_of.values())
    for source in SOURCES:
        for cid, path, value in source(scope):
            per_village[village_of[cid]][path] += value
    total: Counter = Counter()
    by_village = []
    for code in sorted(coops_per_village):
        tally = per_village[code]
        total.update(tally)
        by_village.append({"village_code": code, "village_name": name_of(code) or "",
                           "villages": 1, "cooperatives": coops_per_village[code], **_shape(tally)})
    out = {"region": scope.region, "region_name": name_of(scope.region) or "",
           "from": scope.start, "to": scope.end, "villages": len(coops_per_village),
           "cooperatives": len(coops), **_shape(total), "by_village": by_village}
    if group_by is not None:
        out["group_by"] = group_by
        out["groups"] = _groups(group_by, per_village, coops_per_village)
    return out
