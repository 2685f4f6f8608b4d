"""Programme services: who may see which region, the indicators, frozen semester snapshots, and the
service admin's work (founding a village's cooperative with its first users, creating coordinators).

Services flush and never commit (the caller's ``atomic`` does)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from coop import audit
from coop.auth.models import Cooperative, User
from coop.auth.roles import ADMIN, COORDINATOR, SERVICE_ADMIN
from coop.auth.services import create_user
from coop.db import db, utcnow
from coop.errors import Conflict, Forbidden, NotFound, ValidationError
from coop.ledger.models import Account
from coop.onboarding import found_cooperative
from coop.programme.indicators import GROUP_LEVELS, Scope, indicators
from coop.programme.models import ProgrammeSnapshot
from coop.registry.regions import name_of
from coop.savings.models import SavingsProduct
from coop.text import N_

PERIOD_RE = re.compile(r"^(\d{4})-S([12])$")
REGION_MESSAGE = N_("Kode wilayah harus kode provinsi (2 digit), kabupaten/kota (4 digit) atau kecamatan "
                    "(6 digit) yang terdaftar di Kemendagri.")
GROUP_BY_MESSAGE = N_("Pengelompokan harus village, district, regency atau province.")
PERIOD_MESSAGE = N_("Periode harus tahun dan semester, mis. 2027-S1.")


def check_region(region: str | None, field: str = "region") -> str:
    """A known province, regency or district code (digits, no dots), else 422 naming ``field``."""
    code = (region or "").strip().replace(".", "")
    if not (code.isdigit() and len(code) in (2, 4, 6) and name_of(code)):
        raise ValidationError(REGION_MESSAGE, fields={field: [REGION_MESSAGE]})
    return code


def region_for(user: User, region: str | None) -> str:
    """The region ``user`` asks for (their own when none is given), checked: a coordinator sees only
    their region and what lies inside it (403 otherwise); a service admin any region."""
    if user.role not in (COORDINATOR, SERVICE_ADMIN):
        raise Forbidden("Peran Anda tidak boleh melihat indikator program.")
    if not region and user.role == COORDINATOR:
        return user.region or ""
    code = check_region(region)
    if user.role == COORDINATOR and not code.startswith(user.region or "-"):
        raise Forbidden("Wilayah ini di luar wilayah Anda.", code="out_of_scope")
    return code


def check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError("Tanggal awal setelah tanggal akhir.",
                              fields={"from": ["Tanggal awal setelah tanggal akhir."]})


def check_group_by(group_by: str | None) -> str | None:
    """None, or one of the grouping levels (village, district, regency, province), else 422 on ``group_by``."""
    if group_by is None or group_by in GROUP_LEVELS:
        return group_by
    message = GROUP_BY_MESSAGE
    raise ValidationError(message, fields={"group_by": [message]})


def region_indicators(user: User, region: str | None, start: date | None, end: date | None, *,
                      as_of: date, group_by: str | None = None) -> dict:
    """The indicators of API.md for a region the user may see, grouped by ``group_by`` when given."""
    check_period(start, end)
    group_by = check_group_by(group_by)
    return indicators(Scope(region_for(user, region), start, end, as_of), group_by)


def semester(period: str | None, *, today: date) -> tuple[date, date]:
    """``2027-S1`` -> (2027-01-01, 2027-06-30); a semester that has not begun by ``today`` is a 422."""
    m = PERIOD_RE.match((period or "").strip())
    if not m or not 2000 <= int(m.group(1)) <= 2999:
        raise ValidationError(PERIOD_MESSAGE, fields={"period": [PERIOD_MESSAGE]})
    year, half = int(m.group(1)), int(m.group(2))
    start, end = (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))
    if start > today:
        msg = "Semester ini belum dimulai."
        raise ValidationError(msg, code="future_date", fields={"period": [msg]})
    return start, end


def take_snapshot(user: User, region: str | None, period: str | None, *, today: date) -> ProgrammeSnapshot:
    """Compute and store the indicators of ``region`` for a semester: frozen JSON with when and by whom.
    One per region and period (409 ``snapshot_exists``): a snapshot is what was reported, never redone."""
    code = region_for(user, region)
    start, end = semester(period, today=today)
    period = f"{start.year}-S{1 if start.month == 1 else 2}"
    if db.session.scalar(sa.select(ProgrammeSnapshot.id).where(ProgrammeSnapshot.region == code,
                                                               ProgrammeSnapshot.period == period)):
        raise Conflict("Snapshot wilayah dan periode ini sudah diambil.", code="snapshot_exists",
                       fields={"period": ["Snapshot wilayah dan periode ini sudah diambil."]})
    data = indicators(Scope(code, start, end, min(end, today)))
    taken_at = utcnow()
    snap = ProgrammeSnapshot(region=code, period=period, taken_at=taken_at, taken_by_id=user.id,
                             data=json.dumps(data, default=str, sort_keys=True))
    db.session.add(snap)
    db.session.flush()
    audit.record(user, "programme.snapshot", "programme_snapshot", snap.id, {"region": code, "period": period})
    return snap


def visible_snapshots(user: User, region: str | None = None):
    """A select of the snapshots ``user`` may see (a coordinator: their region and inside it), unordered."""
    stmt = sa.select(ProgrammeSnapshot)
    scope = user.region if user.role == COORDINATOR else ""
    if region:
        scope = region_for(user, region)
    return stmt.where(ProgrammeSnapshot.region.like((scope or "") + "%"))


def get_snapshot(user: User, snapshot_id: int) -> ProgrammeSnapshot:
    """One snapshot; another region's is a 404 for a coordinator (as another tenant's object)."""
    snap = db.session.get(ProgrammeSnapshot, snapshot_id)
    if snap is None or (user.role == COORDINATOR and not snap.region.startswith(user.region or "-")):
        raise NotFound("Snapshot tidak ditemukan.")
    return snap


@dataclass
class SnapshotView:
    id: int
    region: str
    period: str
    taken_at: object
    taken_by: str
    indicators: dict


def snapshot_view(snap: ProgrammeSnapshot) -> SnapshotView:
    taker = db.session.get(User, snap.taken_by_id)
    return SnapshotView(snap.id, snap.region, snap.period, snap.taken_at, taker.username if taker else "",
                        json.loads(snap.data))


def create_coordinator(*, username: str, full_name: str, region: str | None, password: str,
                       actor: User | None) -> User:
    """A coordinator of a known region code (422 otherwise): no cooperative."""
    code = check_region(region)
    return create_user(cooperative_id=None, username=username, full_name=full_name, role=COORDINATOR,
                       password=password, region=code, actor=actor)


def onboard_village(*, name: str, village_code: str, admin_username: str, admin_full_name: str,
                    admin_password: str, legal_number: str | None = None, founded_on: date | None = None,
                    actor: User | None) -> tuple[Cooperative, User]:
    """One step: the cooperative of a village (chart of accounts, hash-chain head, default savings products
    and settings: coop.onboarding.found_cooperative) and its first admin, who adds the other staff."""
    if not (village_code or "").isdigit() or len(village_code) != 10 or not name_of(village_code):
        msg = "Kode desa harus kode desa Kemendagri 10 digit yang terdaftar."
        raise ValidationError(msg, fields={"village_code": [msg]})
    coop = found_cooperative(name=name, village_code=village_code, legal_number=legal_number,
                             founded_on=founded_on, actor=actor)
    admin = create_user(cooperative_id=coop.id, username=admin_username, full_name=admin_full_name, role=ADMIN,
                        password=admin_password, actor=actor)
    return coop, admin


def snapshot_list(user: User, region: str | None = None) -> list[ProgrammeSnapshot]:
    """The snapshots ``user`` may see, newest period first."""
    stmt = visible_snapshots(user, region).order_by(ProgrammeSnapshot.period.desc(), ProgrammeSnapshot.region)
    return list(db.session.scalars(stmt.limit(200)))


def trend(region: str) -> list[tuple[str, dict]]:
    """``[(period, indicators)]`` of the snapshots of exactly ``region``, oldest first (the page's chart)."""
    rows = db.session.execute(sa.select(ProgrammeSnapshot.period, ProgrammeSnapshot.data)
                              .where(ProgrammeSnapshot.region == region).order_by(ProgrammeSnapshot.period))
    return [(period, json.loads(data)) for period, data in rows]


def startup_checklist(cooperative_id: int) -> dict:
    """What a newly onboarded cooperative has and what its admin does next (the printable checklist)."""
    coop = db.session.get(Cooperative, cooperative_id)
    if coop is None:
        raise NotFound("Koperasi tidak ditemukan.")
    accounts = db.session.scalar(sa.select(sa.func.count()).select_from(Account)
                                 .where(Account.cooperative_id == cooperative_id))
    products = list(db.session.scalars(sa.select(SavingsProduct.name)
                                       .where(SavingsProduct.cooperative_id == cooperative_id)
                                       .order_by(SavingsProduct.id)))
    admins = list(db.session.scalars(sa.select(User.username).where(User.cooperative_id == cooperative_id,
                                                                     User.role == ADMIN).order_by(User.id)))
    return {"cooperative": coop, "village_name": name_of(coop.village_code) or "", "accounts": accounts,
            "products": products, "admins": admins}
