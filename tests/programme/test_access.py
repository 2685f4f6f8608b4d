"""A coordinator sees totals, never a person: every route walked as a coordinator shows no NIK, name or
member number of anyone in the registry, and person endpoints are a 403."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.routing import IntegerConverter

from coop.db import db
from coop.membership.models import Member
from coop.registry.models import Resident


def _text(resp) -> str:
    if resp.mimetype.endswith("spreadsheetml.sheet") and resp.status_code == 200:
        wb = load_workbook(io.BytesIO(resp.data))
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    return resp.get_data(as_text=True)


def test_coordinator_walk_shows_no_person_anywhere(programme_data, make_coordinator, login, api, app, today):
    """Walking every GET route (pages and API, snapshots and their downloads) as a province coordinator, is
    no resident's NIK or name and no member number in any response, and is every cooperative route 403?"""
    coordinator = make_coordinator("35")
    client = api(coordinator)
    period = f"{today.year}-S{1 if today.month <= 6 else 2}"
    snap_id = client.post("/programme/snapshots", json={"region": "3504", "period": period}).get_json()["id"]
    web = login(coordinator)
    ids = {"programme_snapshot_id": snap_id, "cooperative_id": programme_data["a"].id}
    any_resident = db.session.scalar(sa.select(Resident.id))
    any_member = db.session.scalar(sa.select(Member.id))
    bodies, refused = [], 0
    for rule in app.url_map.iter_rules():
        # the OpenAPI document is the same for everyone and holds example NIKs (a fixture may draw the same)
        if "GET" not in rule.methods or rule.endpoint in ("static", "bootstrap.static", "api.openapi_json"):
            continue
        ints = [n for n, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        values = {n: ids.get(n, any_member if "member" in n else any_resident) for n in ints}
        for fmt in (("csv", "xlsx") if "fmt" in rule.arguments else ("x",)):
            others = {n: fmt for n in rule.arguments - set(ints)}
            path = re.sub(r"^[^/]*", "", rule.build(values | others, append_unknown=False)[1])
            if path.startswith("/api/"):
                resp = client.get(path[len("/api/v1"):])
            else:
                resp = web.get(path)
            assert resp.status_code < 500, f"GET {path} -> {resp.status_code}"
            if resp.status_code == 403:
                refused += 1
            bodies.append(f"{path}\n{_text(resp)}")
    page = web.get("/programme/?region=3504")
    assert page.status_code == 200 and "Pakel" in page.get_data(as_text=True)
    bodies.append(page.get_data(as_text=True))
    everything = "\n".join(bodies)
    niks = db.session.scalars(sa.select(Resident.nik)).all()
    names = db.session.scalars(sa.select(Resident.full_name)).all()
    numbers = db.session.scalars(sa.select(Member.member_number)).all()
    assert len(niks) >= 10 and len(numbers) == 4
    leaks = [(v, [b[:80] for b in bodies if v in b]) for v in [*niks, *names, *numbers] if v in everything]
    assert leaks == []
    assert refused > 60


def test_person_endpoints_are_403_for_a_coordinator(programme_data, make_coordinator, login, api):
    """Are a resident's and a member's API records and pages a 403 for a coordinator of their region?"""
    resident = programme_data["people"][0]
    member = programme_data["people"][6]
    client = api(make_coordinator("3504"))
    for path in (f"/residents/{resident.id}", f"/members/{member.id}", "/residents"):
        assert client.get(path).status_code == 403, path
    web = login(make_coordinator("3504"))
    for path in (f"/registry/residents/{resident.id}", f"/members/{member.id}", "/registry/", "/members/"):
        assert web.get(path).status_code == 403, path
