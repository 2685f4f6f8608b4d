"""Pure rules of the migration service desk (no database): the stage order, which documents a stage
needs, eligibility, and the red flags of a case.

Document codes are the ONE vocabulary of migration documents (the registry's migration-record
checklist uses the same codes for the documents it tracks).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from coop.dates import add_months
from coop.text import N_

#: The eight documents of UU 18/2017 Pasal 13, in the law's order.
PASAL13_DOCUMENTS = ("marital_status_letter", "family_permission", "competency_certificate", "health_certificate",
                     "passport", "work_visa", "placement_agreement", "work_agreement")
#: Asked by the national registration (SIAPkerja) besides the eight.
REGISTRATION_DOCUMENTS = ("ktp", "kk", "ijazah", "bpjs")
DOCUMENT_CODES = PASAL13_DOCUMENTS + REGISTRATION_DOCUMENTS
DOCUMENT_LABELS = {
    "marital_status_letter": N_("Surat keterangan status perkawinan"),
    "family_permission": N_("Izin suami/istri/orang tua/wali diketahui kepala desa"),
    "competency_certificate": N_("Sertifikat kompetensi"),
    "health_certificate": N_("Surat keterangan sehat dan psikologi"),
    "passport": N_("Paspor"),
    "work_visa": N_("Visa kerja"),
    "placement_agreement": N_("Perjanjian penempatan"),
    "work_agreement": N_("Perjanjian kerja"),
    "ktp": N_("KTP"),
    "kk": N_("Kartu Keluarga"),
    "ijazah": N_("Ijazah"),
    "bpjs": N_("Kepesertaan BPJS Ketenagakerjaan"),
}
DOCUMENT_STATUSES = ("missing", "submitted", "verified")
VISA_KINDS = ("work", "visit", "tourist", "other")

#: The ordered path of a case; ``returned`` and ``stopped`` close it.
ORDERED_STAGES = ("consultation", "registered", "recommended", "medical", "passport", "visa", "orientation",
                  "departed")
STAGES = ORDERED_STAGES + ("returned", "stopped")
CLOSED_STAGES = ("returned", "stopped")
STAGE_LABELS = {
    "consultation": N_("Konsultasi"), "registered": N_("Terdaftar (ID CPMI)"),
    "recommended": N_("Rekomendasi Disnaker"), "medical": N_("Pemeriksaan kesehatan"), "passport": N_("Paspor"),
    "visa": N_("Visa kerja"), "orientation": N_("Orientasi pra pemberangkatan"), "departed": N_("Berangkat"),
    "returned": N_("Pulang"), "stopped": N_("Dihentikan"),
}
#: Documents that must be verified before a case may reach a stage (or any later one).
STAGE_REQUIRES = {
    "orientation": ("work_visa", "placement_agreement", "work_agreement"),
    "departed": PASAL13_DOCUMENTS,
}
AGENCY_RESULTS = ("valid", "invalid", "not_found")
CONSULTATION_TOPICS = ("destination", "costs", "rights", "legal_channels", "documents", "other")
CONSULTATION_TOPIC_LABELS = {
    "destination": N_("Negara tujuan dan pekerjaan"), "costs": N_("Biaya penempatan"),
    "rights": N_("Hak dan perlindungan"), "legal_channels": N_("Jalur resmi (prosedural)"),
    "documents": N_("Dokumen"), "other": N_("Lainnya"),
}
ADULT_AGE = 18
#: A case with no stage change for this many days is stalled.
STALLED_DAYS = 30

RED_FLAGS = ("under_18", "agency_not_verified", "agency_invalid", "no_job_order", "not_work_visa", "stage_skipped",
             "passport_expires_before_contract_end")
RED_FLAG_LABELS = {
    "under_18": N_("Belum berusia 18 tahun"),
    "agency_not_verified": N_("P3MI belum diperiksa"),
    "agency_invalid": N_("P3MI tidak valid atau tidak ditemukan"),
    "no_job_order": N_("Tanpa job order"),
    "not_work_visa": N_("Visa bukan visa kerja"),
    "stage_skipped": N_("Tahap dilewati"),
    "passport_expires_before_contract_end": N_("Paspor habis sebelum kontrak berakhir"),
}


@dataclass(frozen=True)
class StageRefusal:
    """Why a stage move is refused: ``code`` (``missing_documents``, ``not_eligible``, ``invalid_stage``,
    ``case_closed``, ``reason_required``), a message and, for documents, the missing codes."""

    code: str
    message: str
    missing: tuple[str, ...] = ()


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def required_documents(stage: str) -> tuple[str, ...]:
    """Documents to be verified before reaching ``stage``: those of the stage and of every earlier one
    (jumping straight to ``departed`` needs the eight; ``orientation`` the visa and both agreements)."""
    if stage not in ORDERED_STAGES:
        return ()
    upto = ORDERED_STAGES[:ORDERED_STAGES.index(stage) + 1]
    out: list[str] = []
    for s in upto:
        for code in STAGE_REQUIRES.get(s, ()):
            if code not in out:
                out.append(code)
    return tuple(out)


def missing_documents(stage: str, statuses: dict[str, str]) -> tuple[str, ...]:
    """Codes required for ``stage`` whose status is not ``verified``, in checklist order."""
    need = set(required_documents(stage))
    return tuple(c for c in DOCUMENT_CODES if c in need and statuses.get(c) != "verified")


def check_move(current: str, target: str, *, age: int, statuses: dict[str, str],
               reason: str | None = None) -> StageRefusal | None:
    """May a case at ``current`` move to ``target``? ``None`` when it may, else why not.

    Forward moves along :data:`ORDERED_STAGES` may skip stages (flagged ``stage_skipped``); ``returned``
    only follows ``departed``; ``stopped`` (with a reason) ends any open case; a closed case stays closed.
    """
    if current in CLOSED_STAGES:
        return StageRefusal("case_closed", N_("Kasus sudah ditutup."))
    if target == "stopped":
        if not (reason or "").strip():
            return StageRefusal("reason_required", N_("Alasan penghentian wajib diisi."))
        return None
    if target == "returned":
        if current != "departed":
            return StageRefusal("invalid_stage", N_("Hanya yang sudah berangkat yang bisa dicatat pulang."))
        return None
    if target not in ORDERED_STAGES or ORDERED_STAGES.index(target) <= ORDERED_STAGES.index(current):
        return StageRefusal("invalid_stage", N_("Tahap hanya bisa maju."))
    if age < ADULT_AGE:
        return StageRefusal("not_eligible", N_("Calon PMI harus berusia paling rendah 18 tahun (UU 18/2017 Pasal 5)."))
    missing = missing_documents(target, statuses)
    if missing:
        return StageRefusal("missing_documents", "Dokumen belum terverifikasi: " + ", ".join(missing) + ".",
                            missing)
    return None


def skipped_stages(history: Sequence[str]) -> tuple[str, ...]:
    """Ordered stages jumped over along ``history`` (stage names in the order reached)."""
    out: list[str] = []
    prev = None
    for stage in history:
        if stage not in ORDERED_STAGES:
            continue
        i = ORDERED_STAGES.index(stage)
        if prev is not None and i > prev + 1:
            out.extend(ORDERED_STAGES[prev + 1:i])
        prev = i
    return tuple(out)


def contract_end(contract_months: int | None, start: date | None) -> date | None:
    """End of the contract: ``start`` plus ``contract_months`` (``None`` when either is unknown)."""
    if not contract_months or start is None:
        return None
    return add_months(start, contract_months)


@dataclass(frozen=True)
class AgencyCheck:
    licence_number: str
    checked_on: date
    result: str


def _norm_licence(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def agency_flags(licence_number: str | None, checks: Iterable[AgencyCheck]) -> tuple[str, ...]:
    """``agency_invalid`` when the latest check of the case's licence (of any licence if the case has none)
    found it invalid or not listed; ``agency_not_verified`` when no check found it valid (or no licence)."""
    own = _norm_licence(licence_number)
    relevant = [c for c in checks if not own or _norm_licence(c.licence_number) == own]
    if relevant:
        latest = max(enumerate(relevant), key=lambda ic: (ic[1].checked_on, ic[0]))[1]
        if latest.result in ("invalid", "not_found"):
            return ("agency_invalid",)
        if own and latest.result == "valid":
            return ()
    return ("agency_not_verified",)


def red_flags(*, age: int, job_order_ref: str | None, licence_number: str | None, checks: Iterable[AgencyCheck],
              visa_kind: str | None, history: Sequence[str], passport_expires_on: date | None,
              contract_end_on: date | None) -> list[str]:
    """The red-flag codes of a case, in :data:`RED_FLAGS` order."""
    found = set(agency_flags(licence_number, checks))
    if age < ADULT_AGE:
        found.add("under_18")
    if not (job_order_ref or "").strip():
        found.add("no_job_order")
    if visa_kind is not None and visa_kind != "work":
        found.add("not_work_visa")
    if skipped_stages(history):
        found.add("stage_skipped")
    if passport_expires_on and contract_end_on and passport_expires_on < contract_end_on:
        found.add("passport_expires_before_contract_end")
    return [f for f in RED_FLAGS if f in found]
