"""The Desa Migran EMAS criteria (DOMAIN.md, Programme monitoring) as booleans computed from a village's
indicators: pure functions, no database."""
from __future__ import annotations

from coop.text import N_

#: (key, label, test on a village's indicators). Each criterion is evidence in the data that the village
#: runs that part of the programme in the period shown.
CRITERIA = (
    ("cooperative", N_("Koperasi dengan anggota"), lambda v: v["cooperative"]["members"] > 0),
    ("pmi_data", N_("Data PMI tercatat"), lambda v: v["pmi"]["calon"] + v["pmi"]["aktif"] + v["pmi"]["purna"] > 0),
    ("desk", N_("Layanan migrasi menangani kasus"), lambda v: sum(v["desk"]["cases_by_stage"].values()) > 0),
    ("training", N_("Pelatihan diselenggarakan"), lambda v: v["training"]["enrolled"] > 0),
    ("business", N_("Usaha produktif dimulai"), lambda v: v["training"]["businesses_started"] > 0),
    ("parenting", N_("Parenting komunitas berjalan"), lambda v: v["parenting"]["sessions"] > 0),
    ("savings", N_("Anggota menabung di koperasi"), lambda v: v["cooperative"]["savings"] > 0),
)


def emas_checklist(village: dict) -> dict[str, bool]:
    """``{criterion key: met}`` for one village's indicators (an entry of ``by_village``)."""
    return {key: bool(test(village)) for key, _label, test in CRITERIA}


def emas_met(village: dict) -> int:
    """How many criteria the village meets."""
    return sum(emas_checklist(village).values())
