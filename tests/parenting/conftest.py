"""Fixtures of the parenting tests: a PMI household with a child, the caregiver and the parent."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest


@pytest.fixture
def pmi_family(app, make_pmi):
    """``pmi_family(coop, status="aktif")`` -> namespace(parent, caregiver, child): the migrant parent is
    the kepala keluarga, the caregiver a grandmother (orang_tua) on the same KK, the child an ``anak``."""
    def _make(coop, status: str = "aktif", child_relationship: str = "anak"):
        parent = make_pmi(coop, status, sex="M", birth_date=date(1985, 2, 3))
        caregiver = make_pmi.family(parent, relationship="orang_tua", birth_date=date(1955, 4, 5), sex="F")
        child = make_pmi.family(parent, relationship=child_relationship, birth_date=date(2015, 6, 7))
        return SimpleNamespace(parent=parent, caregiver=caregiver, child=child)
    return _make


@pytest.fixture
def child_body(today):
    def _body(fam, **extra):
        body = {"resident_id": fam.child.id, "caregiver_resident_id": fam.caregiver.id,
                "consent": {"given_by_resident_id": fam.caregiver.id, "given_on": today.isoformat(),
                            "method": "written"},
                "school_status": "enrolled", "school_name": "SDN 1 Pakel"}
        body.update(extra)
        return body
    return _body


@pytest.fixture
def days_ago(today):
    return lambda n: (today - timedelta(days=n)).isoformat()
