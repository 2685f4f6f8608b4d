"""Registry services: residents, households, migration records, the derived PMI status, NIK reads.

Services flush and raise :mod:`coop.errors`; the boundary commits. Every write is audited with a masked
NIK (UU 27/2022). ``pmi_status`` is recomputed for every household a change touches.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from coop import audit
from coop.auth.roles import OFFICER, SEES_NIK
from coop.db import db
from coop.errors import Conflict, NotFound, ValidationError
from coop.formatting import mask_nik
from coop.registry import regions, rules
from coop.registry.models import Household, MigrationRecord, Resident, Village

__all__ = ["get_resident", "get_household", "get_migration_record", "create_resident", "update_resident",
           "update_household", "add_migration_record", "add_migration_records", "update_migration_record", "search_residents",
           "resident_query", "age_on", "refresh_pmi_status", "ensure_village", "log_nik_reads",
           "validate_resident_data", "village_stats"]

_CHUNK = 500
RESIDENT_FIELDS = ("nik", "is_temporary_nik", "full_name", "sex", "birth_place", "birth_date", "village_code",
                   "address", "rt", "rw", "dusun", "phone", "relationship", "education", "occupation",
                   "marital_status", "status")


# --------------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------------

def get_resident(cooperative_id: int, resident_id: int) -> Resident:
    # an id no BIGINT can hold (typed into a form) does not exist: never an overflow error from the driver
    r = db.session.get(Resident, resident_id) if isinstance(resident_id, int) and 0 < resident_id < 2**63 else None
    if r is None or r.cooperative_id != cooperative_id:
        raise NotFound("Penduduk tidak ditemukan.")
    return r


def get_household(cooperative_id: int, household_id: int) -> Household:
    h = db.session.get(Household, household_id)
    if h is None or h.cooperative_id != cooperative_id:
        raise NotFound("Keluarga (KK) tidak ditemukan.")
    return h


def get_migration_record(cooperative_id: int, record_id: int) -> MigrationRecord:
    m = db.session.get(MigrationRecord, record_id)
    if m is None or m.cooperative_id != cooperative_id:
        raise NotFound("Catatan migrasi tidak ditemukan.")
    return m


def resident_by_nik(cooperative_id: int, nik: str) -> Resident | None:
    return db.session.scalar(sa.select(Resident).where(Resident.cooperative_id == cooperative_id,
                                                       Resident.nik == nik))


def household_by_kk(cooperative_id: int, kk_number: str) -> Household | None:
    return db.session.scalar(sa.select(Household).where(Household.cooperative_id == cooperative_id,
                                                        Household.kk_number == kk_number))


def age_on(resident: Resident, day: date) -> int:
    """Completed years of ``resident`` on ``day``."""
    return rules.age_on(resident.birth_date, day)


def ensure_village(code: str) -> Village:
    """The ``villages`` row of ``code``, added from the packaged Kemendagri table if missing."""
    v = db.session.get(Village, code)
    if v is None:
        names = regions.village(code)
        if names is None:
            raise ValidationError("Kode desa tidak dikenal.", fields={"village_code": [rules.msg(
                "kode desa tidak ada dalam tabel Kemendagri 2025", "village code not in the 2025 table")]})
        v = Village(code=code, village_name=names.village, district_name=names.district,
                    regency_name=names.regency, province_name=names.province)
        db.session.add(v)
        db.session.flush()
    return v


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------

def migration_countries(cooperative_id: int) -> list[str]:
    """The destination countries of the cooperative's migration records, sorted (the registry's filter)."""
    return list(db.session.scalars(sa.select(MigrationRecord.country).where(
        MigrationRecord.cooperative_id == cooperative_id).distinct().order_by(MigrationRecord.country)))


def resident_query(cooperative_id: int, q: str | None = None, nik: str | None = None, kk: str | None = None,
                   pmi_status: str | None = None, country: str | None = None, rt: str | None = None,
                   rw: str | None = None, sex: str | None = None, status: str | None = None,
                   household_id: int | None = None) -> sa.Select:
    """A ``SELECT`` of residents matching every given filter, ordered by name (for pagination).

    ``q`` matches a name fragment (case-insensitive) or, when it is all digits, a NIK/KK prefix.
    ``country`` matches residents with a migration record to that country.
    """
    stmt = sa.select(Resident).where(Resident.cooperative_id == cooperative_id)
    if any(isinstance(v, str) and rules.has_control_chars(v) for v in (q, nik, kk, rt, rw, country)):
        return stmt.where(sa.false())  # nothing stored contains control characters
    if q:
        q = q.strip()
        if q.isdigit():
            stmt = stmt.join(Household, Household.id == Resident.household_id).where(
                sa.or_(Resident.nik.startswith(q), Household.kk_number.startswith(q)))
        else:
            pattern = "%" + re.sub(r"([%_\\])", r"\\\1", q.lower()) + "%"
            stmt = stmt.where(sa.func.lower(Resident.full_name).like(pattern, escape="\\"))
    if nik:
        stmt = stmt.where(Resident.nik == nik.strip())
    if kk:
        stmt = stmt.where(Resident.household_id.in_(sa.select(Household.id).where(
            Household.cooperative_id == cooperative_id, Household.kk_number == kk.strip())))
    if pmi_status:
        stmt = stmt.where(Resident.pmi_status == pmi_status)
    if country:
        stmt = stmt.where(Resident.id.in_(sa.select(MigrationRecord.resident_id).where(
            MigrationRecord.cooperative_id == cooperative_id, MigrationRecord.country == country.upper())))
    if rt:
        stmt = stmt.where(Resident.rt == rt.zfill(3))
    if rw:
        stmt = stmt.where(Resident.rw == rw.zfill(3))
    if sex:
        stmt = stmt.where(Resident.sex == sex)
    if status:
        stmt = stmt.where(Resident.status == status)
    if household_id:
        stmt = stmt.where(Resident.household_id == household_id)
    return stmt.order_by(Resident.full_name, Resident.id)


def search_residents(cooperative_id: int, q: str | None = None, nik: str | None = None, *, limit: int = 50,
                     **filters) -> list[Resident]:
    """Residents matching the filters of :func:`resident_query`, at most ``limit``."""
    return list(db.session.scalars(resident_query(cooperative_id, q=q, nik=nik, **filters).limit(limit)))


# --------------------------------------------------------------------------------------------
# Validation shared by the services and the import
# --------------------------------------------------------------------------------------------

def validate_resident_data(data: dict, *, as_of: date | None) -> tuple[dict, rules.Check]:
    """:func:`rules.validate_resident` with the packaged region table."""
    return rules.validate_resident(data, today=as_of or date.max, known_village=regions.is_village,
                                   known_district=regions.is_district)


def _raise(check: rules.Check) -> None:
    if not check.ok:
        first = next(iter(check.errors.values()))[0]
        raise ValidationError(f"Data penduduk tidak valid: {first}", fields=check.errors)


# --------------------------------------------------------------------------------------------
# PMI status
# --------------------------------------------------------------------------------------------

def _chunks_of(items: list) -> Iterable[list]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def own_statuses(resident_ids: Iterable[int]) -> dict[int, str]:
    """Status of each resident's latest migration record (latest departure; a calon record without a
    departure date is the newest, as it is the next departure)."""
    latest: dict[int, tuple] = {}
    for chunk in _chunks(resident_ids):
        rows = db.session.execute(sa.select(MigrationRecord.resident_id, MigrationRecord.status,
                                            MigrationRecord.departure_on, MigrationRecord.id)
                                  .where(MigrationRecord.resident_id.in_(chunk)))
        for rid, status, dep, mid in rows:
            key = (dep or date.max, mid)
            if rid not in latest or key > latest[rid][0]:
                latest[rid] = (key, status)
    return {rid: v[1] for rid, v in latest.items()}


def refresh_pmi_status(cooperative_id: int, household_ids: Iterable[int]) -> int:
    """Recompute ``pmi_status`` of every member of these households; returns how many changed."""
    members: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(household_ids):
        for rid, hid, current in db.session.execute(
                sa.select(Resident.id, Resident.household_id, Resident.pmi_status)
                .where(Resident.cooperative_id == cooperative_id, Resident.household_id.in_(chunk))):
            members[rid] = (hid, current)
    own = own_statuses(members)
    derived = rules.derive_pmi_status({rid: own.get(rid) for rid in members},
                                      {rid: hid for rid, (hid, _) in members.items()})
    changed = [(rid, s) for rid, s in derived.items() if members[rid][1] != s]
    by_status: dict[str, list[int]] = {}
    for rid, s in changed:
        by_status.setdefault(s, []).append(rid)
    for s, rids in by_status.items():
        for chunk in _chunks(rids):
            db.session.execute(sa.update(Resident).where(Resident.id.in_(chunk)).values(pmi_status=s)
                               .execution_options(synchronize_session="fetch"))
    return len(changed)


# --------------------------------------------------------------------------------------------
# Residents and households
# --------------------------------------------------------------------------------------------

def _household_for(cooperative_id: int, clean: dict, *, actor) -> Household:
    hh = household_by_kk(cooperative_id, clean["kk_number"])
    if hh is None:
        ensure_village(clean["village_code"])
        hh = Household(cooperative_id=cooperative_id, kk_number=clean["kk_number"], address=clean.get("address"),
                       rt=clean.get("rt"), rw=clean.get("rw"), dusun=clean.get("dusun"),
                       village_code=clean["village_code"])
        db.session.add(hh)
        db.session.flush()
        audit.record(actor, "registry.household_create", "household", hh.id,
                     {"kk_number": mask_nik(hh.kk_number)}, cooperative_id=cooperative_id)
    return hh


def _check_head(hh: Household, resident: Resident | None, relationship: str | None) -> None:
    if relationship == "kepala_keluarga" and hh.head_resident_id and (resident is None or hh.head_resident_id != resident.id):
        head = db.session.get(Resident, hh.head_resident_id)
        if head is not None and head.relationship == "kepala_keluarga" and head.household_id == hh.id:
            raise ValidationError("KK ini sudah punya kepala keluarga.", fields={"relationship": [rules.msg(
                f"KK ini sudah punya kepala keluarga ({head.full_name})",
                f"this KK already has a head of family ({head.full_name})")]})


def sync_heads(cooperative_id: int, household_ids: set[int]) -> None:
    """Point each household's ``head_resident_id`` at its member with relationship kepala_keluarga."""
    heads: dict[int, int] = {}
    current: dict[int, int | None] = {}
    for chunk in _chunks(sorted(household_ids)):
        for rid, hid in db.session.execute(
                sa.select(Resident.id, Resident.household_id).where(
                    Resident.cooperative_id == cooperative_id, Resident.household_id.in_(chunk),
                    Resident.relationship == "kepala_keluarga").order_by(Resident.id)):
            heads.setdefault(hid, rid)
        current.update(db.session.execute(sa.select(Household.id, Household.head_resident_id).where(
            Household.id.in_(chunk))).all())
    changed = [{"id": hid, "head_resident_id": heads.get(hid)} for hid in sorted(household_ids)
               if current.get(hid) != heads.get(hid)]
    for chunk in _chunks_of(changed):
        db.session.execute(sa.update(Household), chunk)  # ORM bulk UPDATE by primary key (executemany)


def create_resident(cooperative_id: int, data: dict, *, actor, as_of: date | None = None) -> Resident:
    """Register a resident; the household is found by ``kk_number`` or created from the resident's address.

    :param data: API/form field names (see ``rules.REQUIRED`` and ``rules.OPTIONAL``).
    :param as_of: today's business date (refuses birth dates after it).
    :raises ValidationError: field errors (bad NIK, NIK not matching sex/birth date, bad KK, region).
    :raises Conflict: the NIK is already registered in this cooperative.
    """
    clean, check = validate_resident_data(data, as_of=as_of)
    _raise(check)
    if resident_by_nik(cooperative_id, clean["nik"]) is not None:
        raise Conflict("NIK sudah terdaftar.", code="nik_exists", fields={"nik": [rules.msg(
            "NIK sudah terdaftar di koperasi ini", "NIK is already registered in this cooperative")]})
    ensure_village(clean["village_code"])
    hh = _household_for(cooperative_id, clean, actor=actor)
    _check_head(hh, None, clean.get("relationship"))
    r = Resident(cooperative_id=cooperative_id, household_id=hh.id, status=clean.get("status") or "hidup",
                 pmi_status="none", **{k: v for k, v in clean.items() if k in RESIDENT_FIELDS and k != "status"})
    db.session.add(r)
    db.session.flush()
    if r.relationship == "kepala_keluarga":
        hh.head_resident_id = r.id
    refresh_pmi_status(cooperative_id, [hh.id])
    audit.record(actor, "registry.resident_create", "resident", r.id,
                 {"nik": mask_nik(r.nik), "household_id": hh.id, "warnings": check.warnings},
                 cooperative_id=cooperative_id)
    db.session.flush()
    return r


def _current_data(r: Resident) -> dict:
    d = {k: getattr(r, k) for k in RESIDENT_FIELDS if k != "is_temporary_nik"}
    d["kk_number"] = r.household.kk_number
    return d


def update_resident(cooperative_id: int, resident_id: int, data: dict, *, actor,
                    as_of: date | None = None) -> Resident:
    """Change a resident (only the keys given). A new ``kk_number`` moves the resident to that household
    (created if needed); the PMI status of both households is recomputed."""
    r = get_resident(cooperative_id, resident_id)
    before = _current_data(r)
    merged = dict(before, **{k: v for k, v in data.items() if k in before})
    clean, check = validate_resident_data(merged, as_of=as_of)
    _raise(check)
    if clean["nik"] != r.nik:
        other = resident_by_nik(cooperative_id, clean["nik"])
        if other is not None:
            raise Conflict("NIK sudah terdaftar.", code="nik_exists", fields={"nik": [rules.msg(
                "NIK sudah terdaftar di koperasi ini", "NIK is already registered in this cooperative")]})
    old_hh = r.household
    new_hh = old_hh if clean["kk_number"] == old_hh.kk_number else _household_for(cooperative_id, clean, actor=actor)
    _check_head(new_hh, r, clean.get("relationship"))
    ensure_village(clean["village_code"])
    changes = {}
    for k in RESIDENT_FIELDS:
        if k in clean and getattr(r, k) != clean[k]:
            changes[k] = (mask_nik(getattr(r, k)), mask_nik(clean[k])) if k == "nik" else (getattr(r, k), clean[k])
            setattr(r, k, clean[k])
    if new_hh is not old_hh:
        r.household_id = new_hh.id
        r.household = new_hh
        changes["household_id"] = (old_hh.id, new_hh.id)
    if not changes:
        return r
    db.session.flush()
    sync_heads(cooperative_id, {old_hh.id, new_hh.id})
    for hh in {old_hh, new_hh}:
        db.session.expire(hh, ["head_resident_id"])
    refresh_pmi_status(cooperative_id, {old_hh.id, new_hh.id})
    audit.record(actor, "registry.resident_update", "resident", r.id, {"changes": changes},
                 cooperative_id=cooperative_id)
    db.session.flush()
    return r


HOUSEHOLD_FIELDS = ("address", "rt", "rw", "dusun")


def update_household(cooperative_id: int, household_id: int, data: dict, *, actor) -> Household:
    """Change a household's address (``address``, ``rt``, ``rw``, ``dusun``); it applies to every member."""
    hh = get_household(cooperative_id, household_id)
    clean, check = rules.validate_resident({k: data.get(k) for k in HOUSEHOLD_FIELDS if k in data},
                                           today=date.max)
    errors = {k: v for k, v in check.errors.items() if k in HOUSEHOLD_FIELDS}
    if errors:
        raise ValidationError("Data KK tidak valid.", fields=errors)
    changes = {}
    for k in HOUSEHOLD_FIELDS:
        if k in data and getattr(hh, k) != clean.get(k):
            changes[k] = (getattr(hh, k), clean.get(k))
            setattr(hh, k, clean.get(k))
    if changes:
        db.session.execute(sa.update(Resident).where(Resident.household_id == hh.id)
                           .values({k: clean.get(k) for k in changes})
                           .execution_options(synchronize_session="fetch"))
        audit.record(actor, "registry.household_update", "household", hh.id, {"changes": changes},
                     cooperative_id=cooperative_id)
        db.session.flush()
    return hh


# --------------------------------------------------------------------------------------------
# Migration records
# --------------------------------------------------------------------------------------------

MIGRATION_FIELDS = ("status", "country", "job_type", "sector", "scheme", "is_procedural", "agency",
                    "passport_number", "passport_expires_on", "departure_on", "contract_start_on",
                    "contract_end_on", "return_on", "return_reason", "monthly_remittance", "notes",
                    *(f"has_{d}_doc" for d in rules.DOCUMENTS))
#: API names that differ from the column names.
MIGRATION_ALIASES = {"procedural": "is_procedural", "departure_date": "departure_on", "return_date": "return_on",
                     "passport_expiry": "passport_expires_on", "contract_start_date": "contract_start_on",
                     "contract_end_date": "contract_end_on"}


def _clean_migration(data: dict) -> dict:  # noqa: C901 -- one branch per migration field
    data = {MIGRATION_ALIASES.get(k, k): v for k, v in data.items()}
    if isinstance(data.get("documents"), (list, tuple)):
        for d in data.pop("documents"):
            if d in rules.DOCUMENTS:
                data[f"has_{d}_doc"] = True
    errors: dict[str, list[str]] = {}

    def err(f, i, e):
        errors.setdefault(f, []).append(rules.msg(i, e))

    clean = {}
    for k in MIGRATION_FIELDS:
        if k not in data:
            continue
        v = data[k]
        if isinstance(v, str):
            if rules.has_control_chars(v):
                err(k, "berisi karakter kontrol yang tidak sah", "contains invalid control characters")
                continue
            v = v.strip() or None
        if k.endswith("_on") and isinstance(v, str):
            parsed = rules.parse_date(v)
            if parsed is None:
                err(k, "tanggal tidak valid", "invalid date")
                continue
            v = parsed
        clean[k] = v
    if clean.get("status") not in rules.MIGRATION_STATUSES:
        err("status", "status harus calon, aktif atau purna", "status must be calon, aktif or purna")
    country = (clean.get("country") or "")
    if not re.fullmatch(r"[A-Za-z]{2}", country) or country.upper() == "ID":
        err("country", "negara tujuan: kode ISO 3166 dua huruf (mis. HK)", "country: ISO 3166 alpha-2 code (e.g. HK)")
    else:
        clean["country"] = country.upper()
    if clean.get("job_type") is not None and clean["job_type"] not in rules.JOB_TYPES:
        err("job_type", f"jenis pekerjaan: {', '.join(rules.JOB_TYPES)}", f"job type: {', '.join(rules.JOB_TYPES)}")
    if clean.get("scheme") is not None:
        scheme = rules.normalise_choice(clean["scheme"], rules.SCHEMES)
        if scheme is None:
            err("scheme", f"skema: {', '.join(rules.SCHEMES)}", f"scheme: {', '.join(rules.SCHEMES)}")
        clean["scheme"] = scheme
    rem = clean.get("monthly_remittance")
    if rem is not None and (isinstance(rem, bool) or not isinstance(rem, int) or rem < 0):
        err("monthly_remittance", "kiriman uang per bulan: rupiah bulat >= 0", "monthly remittance: whole rupiah >= 0")
    dep, ret = clean.get("departure_on"), clean.get("return_on")
    if dep and ret and ret < dep:
        err("return_on", "tanggal pulang sebelum tanggal berangkat", "return date before departure date")
    if ret and clean.get("status") in ("calon", "aktif"):
        err("status", "yang sudah pulang berstatus purna", "a worker who has returned is purna")
    if clean.get("status") == "aktif" and not dep:
        err("departure_on", "PMI aktif perlu tanggal berangkat", "an active PMI needs a departure date")
    if errors:
        raise ValidationError("Catatan migrasi tidak valid.", fields=errors)
    return clean


def add_migration_record(cooperative_id: int, resident_id: int, data: dict, *, actor) -> MigrationRecord:
    """Record a departure (calon/aktif/purna) of a resident; the household's PMI status follows.

    ``data`` accepts API names (``procedural``, ``departure_date``, ``return_date``) or column names,
    and ``documents`` as a list of ``rules.DOCUMENTS`` keys.
    """
    r = get_resident(cooperative_id, resident_id)
    clean = _clean_migration(data)
    m = MigrationRecord(cooperative_id=cooperative_id, resident_id=r.id, **clean)
    db.session.add(m)
    db.session.flush()
    refresh_pmi_status(cooperative_id, [r.household_id])
    audit.record(actor, "registry.migration_create", "migration_record", m.id,
                 {"resident_id": r.id, "status": m.status, "country": m.country}, cooperative_id=cooperative_id)
    db.session.flush()
    return m


def add_migration_records(cooperative_id: int, items: list[tuple[int, dict]], *, actor) -> list[MigrationRecord]:
    """Bulk :func:`add_migration_record` (``[(resident_id, data), ...]``): one PMI-status refresh at the end."""
    residents = {}
    for chunk in _chunks(rid for rid, _ in items):
        for r in db.session.scalars(sa.select(Resident).where(Resident.id.in_(chunk))):
            residents[r.id] = r
    records = []
    for rid, data in items:
        r = residents.get(rid)
        if r is None or r.cooperative_id != cooperative_id:
            raise NotFound("Penduduk tidak ditemukan.")
        records.append(MigrationRecord(cooperative_id=cooperative_id, resident_id=rid, **_clean_migration(data)))
    db.session.add_all(records)
    db.session.flush()
    for m in records:
        audit.record(actor, "registry.migration_create", "migration_record", m.id,
                     {"resident_id": m.resident_id, "status": m.status, "country": m.country},
                     cooperative_id=cooperative_id)
    refresh_pmi_status(cooperative_id, {residents[rid].household_id for rid, _ in items})
    db.session.flush()
    return records


def update_migration_record(cooperative_id: int, record_id: int, data: dict, *, actor) -> MigrationRecord:
    """Change a migration record (e.g. aktif -> purna with a return date); the PMI status follows."""
    m = get_migration_record(cooperative_id, record_id)
    current = {k: getattr(m, k) for k in MIGRATION_FIELDS}
    incoming = {MIGRATION_ALIASES.get(k, k): v for k, v in data.items()}
    clean = _clean_migration(dict(current, **incoming))
    changes = {k: (getattr(m, k), v) for k, v in clean.items() if getattr(m, k) != v}
    for k, (_, v) in changes.items():
        setattr(m, k, v)
    if changes:
        db.session.flush()
        refresh_pmi_status(cooperative_id, [m.resident.household_id])
        audit.record(actor, "registry.migration_update", "migration_record", m.id, {"changes": changes},
                     cooperative_id=cooperative_id)
        db.session.flush()
    return m


# --------------------------------------------------------------------------------------------
# Privacy: unmasked NIK reads
# --------------------------------------------------------------------------------------------

def sees_nik(actor) -> bool:
    return getattr(actor, "role", None) in SEES_NIK


def log_nik_reads(cooperative_id: int, actor, resident_ids: Iterable[int], *, where: str) -> bool:
    """Audit that ``actor`` was shown these residents' unmasked NIKs. Officers' reads are their daily work
    and are not logged; roles outside :data:`SEES_NIK` never see an unmasked NIK. Returns whether logged."""
    ids = sorted(set(resident_ids))
    if not ids or not sees_nik(actor) or actor.role == OFFICER:
        return False
    audit.record(actor, "registry.nik_read", "resident", ids[0] if len(ids) == 1 else None,
                 {"resident_ids": ids, "where": where}, cooperative_id=cooperative_id)
    db.session.flush()
    return True


# --------------------------------------------------------------------------------------------
# Village dashboard
# --------------------------------------------------------------------------------------------

def village_stats(cooperative_id: int) -> dict:
    """Counts for the village dashboard: residents by PMI status and sex, PMI by destination country (of
    their latest record), returns by year."""
    R, M = Resident, MigrationRecord
    by_pmi = dict(db.session.execute(sa.select(R.pmi_status, sa.func.count()).where(
        R.cooperative_id == cooperative_id, R.status == "hidup").group_by(R.pmi_status)).all())
    by_sex = dict(db.session.execute(sa.select(R.sex, sa.func.count()).where(
        R.cooperative_id == cooperative_id, R.status == "hidup").group_by(R.sex)).all())
    pmi_by_sex = dict(db.session.execute(sa.select(R.sex, sa.func.count()).where(
        R.cooperative_id == cooperative_id, R.pmi_status.in_(rules.MIGRATION_STATUSES)).group_by(R.sex)).all())
    by_country = dict(db.session.execute(sa.select(M.country, sa.func.count(sa.distinct(M.resident_id))).where(
        M.cooperative_id == cooperative_id).group_by(M.country)).all())
    returns = sa.select(M.return_on).where(M.cooperative_id == cooperative_id, M.return_on.is_not(None))
    by_year: dict[int, int] = {}
    for (d,) in db.session.execute(returns):
        by_year[d.year] = by_year.get(d.year, 0) + 1
    households = db.session.scalar(sa.select(sa.func.count()).select_from(Household).where(
        Household.cooperative_id == cooperative_id))
    return {"by_pmi_status": by_pmi, "by_sex": by_sex, "pmi_by_sex": pmi_by_sex, "by_country": by_country,
            "returns_by_year": dict(sorted(by_year.items())), "households": households or 0,
            "residents": sum(by_pmi.values())}
