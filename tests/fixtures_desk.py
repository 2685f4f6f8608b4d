"""Shared fixtures of the migration service desk.

- ``make_case(coop, resident=None, **fields)`` -> a case at ``consultation`` opened today (business date),
  for ``resident`` or a new adult resident, through :func:`coop.desk.services.open_case`.
- ``verify_all(case, codes=...)`` -> marks documents verified (default: all twelve).
"""
from __future__ import annotations

import pytest


@pytest.fixture
def make_case(app, make_resident, today):
    from coop.db import atomic
    from coop.desk.services import open_case

    def _make(coop, resident=None, *, actor=None, opened_on=None, **fields):
        resident = resident or make_resident(coop)
        data = {"resident_id": resident.id, "destination_country": "TW", "job_title": "Operator pabrik",
                "job_type": "badan_hukum", "scheme": "P2P", "agency_name": "PT Maju Jaya",
                "agency_licence_number": "KEP.123/2024", "job_order_ref": "JO-TW-0001", "contract_months": 24}
        data.update(fields)
        return atomic(open_case, coop.id, data, opened_on=opened_on or today, as_of=today, actor=actor)
    return _make


@pytest.fixture
def verify_all(app):
    from coop.db import atomic
    from coop.desk import rules
    from coop.desk.services import set_document

    def _verify(case, codes=rules.DOCUMENT_CODES, **kw):
        for code in codes:
            atomic(set_document, case.cooperative_id, case.id, code=code, status="verified", actor=None, **kw)
    return _verify
