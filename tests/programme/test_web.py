"""Programme pages and accounts: the coordinator's dashboard with the EMAS checklist, snapshots from the
page, the service admin's one-step onboarding (seen at once by the coordinator), coordinators from the page
and the CLI, ``/api/v1/me`` of a user without a cooperative."""
from __future__ import annotations

import sqlalchemy as sa

from coop.auth.models import User
from coop.db import db
from tests.fixtures_programme import PASSWORD


def test_dashboard_lists_villages_with_the_emas_checklist(programme_data, make_coordinator, login):
    """Does the Tulungagung dashboard list Pakel and Pucung Lor with their criteria: Pakel has training
    and a business, Pucung Lor a desk case; Indramayu's village is not there?"""
    web = login(make_coordinator("3504"))
    resp = web.get("/programme/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Pakel" in html and "Pucung Lor" in html and "Haurkolot" not in html
    rows = {name: html.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Pakel", "Pucung Lor")}
    # 7 criteria: Pakel meets cooperative, PMI data, training, business, savings (no desk case, no
    # parenting); Pucung Lor cooperative, PMI data, desk, savings
    assert rows["Pakel"].count("&#10003;") == 5 and rows["Pucung Lor"].count("&#10003;") == 4


def test_emas_checklist_rules_by_hand():
    """Does each criterion follow its indicator: nothing met for an empty village, all seven for a busy one?"""
    from coop.programme.rules import CRITERIA, emas_checklist

    empty = {"pmi": {"calon": 0, "aktif": 0, "purna": 0}, "desk": {"cases_by_stage": {"consultation": 0}},
             "training": {"enrolled": 0, "businesses_started": 0}, "parenting": {"sessions": 0},
             "cooperative": {"members": 0, "savings": 0}}
    busy = {"pmi": {"calon": 0, "aktif": 0, "purna": 1}, "desk": {"cases_by_stage": {"returned": 2}},
            "training": {"enrolled": 3, "businesses_started": 1}, "parenting": {"sessions": 4},
            "cooperative": {"members": 12, "savings": 1}}
    assert not any(emas_checklist(empty).values())
    assert list(emas_checklist(busy)) == [key for key, _l, _t in CRITERIA] and all(emas_checklist(busy).values())


def test_snapshot_from_the_page_appears_with_downloads_and_trend(programme_data, make_coordinator, login, today):
    """Does taking a snapshot on the page list it with XLSX and CSV links, draw the trend chart, and is a
    bad period flashed rather than a 500?"""
    web = login(make_coordinator("3504"))
    period = f"{today.year}-S{1 if today.month <= 6 else 2}"
    assert web.post("/programme/snapshots", data={"period": "2027-S9"}).status_code == 302
    assert "Periode harus" in web.get("/programme/").get_data(as_text=True)
    resp = web.post("/programme/snapshots", data={"region": "3504", "period": period}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert period in html and ".xlsx" in html and ".csv" in html and "<svg" in html
    sid = html.split("/programme/snapshots/")[1].split(".")[0]
    assert web.get(f"/programme/snapshots/{sid}.csv").status_code == 200
    assert web.get(f"/programme/snapshots/{sid}.pdf").status_code == 404


def test_service_admin_onboards_a_village_in_one_step(app, make_service_admin, make_coordinator, login, client):
    """Does one form make the cooperative with its chart, products and first admin, show the printable
    checklist, let the new admin log in, and show the village to its coordinator at once?"""
    web = login(make_service_admin())
    bad = web.post("/programme/onboard", data={"name": "Koperasi X", "village_code": "3504049999",
                                               "admin_username": "adminx", "admin_full_name": "Admin X",
                                               "admin_password": PASSWORD})
    assert bad.status_code == 422 and "Kode desa" in bad.get_data(as_text=True)
    resp = web.post("/programme/onboard", data={"name": "Koperasi Pucung Lor", "village_code": "35.04.04.2002",
                                                "admin_username": "adminpucung", "admin_full_name": "Admin Pucung",
                                                "admin_password": PASSWORD}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Pucung Lor" in html and "Simpanan Pokok" in html and "adminpucung" in html
    assert "data-print" in html
    admin = db.session.scalar(sa.select(User).where(User.username == "adminpucung"))
    assert admin.role == "admin" and admin.cooperative.village_code == "3504042002"
    coordinator = login(make_coordinator("350404"))
    assert "Pucung Lor" in coordinator.get("/programme/").get_data(as_text=True)


def test_roles_keep_to_their_pages(app, coop, users, make_coordinator, make_service_admin, login):
    """Is the programme page a 403 for a cooperative's admin, onboarding a 403 for a coordinator, and do both
    service users land on the programme page from the home page?"""
    assert login(users["admin"]).get("/programme/").status_code == 403
    web = login(make_coordinator("3504"))
    assert web.get("/programme/onboard").status_code == 403
    assert web.get("/").headers["Location"].endswith("/programme/")
    assert web.get("/dashboard").headers["Location"].endswith("/programme/")
    web = login(make_service_admin())
    assert web.get("/programme/onboard").status_code == 200


def test_service_admin_creates_coordinators_with_known_regions_only(app, make_service_admin, login, api):
    """Is an unknown region a 422 on the form, and does a coordinator made with 3212 get region 3212 and no
    cooperative from /api/v1/me?"""
    web = login(make_service_admin())
    form = {"username": "koordindramayu", "full_name": "Koordinator Indramayu", "password": PASSWORD}
    assert web.post("/programme/coordinators", data=form | {"region": "9999"}).status_code == 422
    assert web.post("/programme/coordinators", data=form | {"region": "3212"}).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "koordindramayu"))
    me = api(user).get("/me").get_json()
    assert (me["role"], me["region"], me["cooperative"]) == ("coordinator", "3212", None)


def test_cli_creates_a_coordinator_and_refuses_a_bad_region(app):
    """Does `users create --role coordinator --region 3212` make a coordinator without a cooperative, and is
    region 9999 an error that creates nobody?"""
    runner = app.test_cli_runner()
    base = ["users", "create", "--role", "coordinator", "--full-name", "Koordinator", "--password", PASSWORD]
    out = runner.invoke(args=[*base, "--username", "koordcli", "--region", "3212"])
    assert out.exit_code == 0, out.output
    user = db.session.scalar(sa.select(User).where(User.username == "koordcli"))
    assert (user.role, user.region, user.cooperative_id) == ("coordinator", "3212", None)
    out = runner.invoke(args=[*base, "--username", "koordbad", "--region", "9999"])
    assert out.exit_code != 0 and "wilayah" in out.output
    assert db.session.scalar(sa.select(User).where(User.username == "koordbad")) is None
    out = runner.invoke(args=["users", "create", "--role", "treasurer", "--username", "tanpakoop",
                              "--full-name", "X", "--password", PASSWORD])
    assert out.exit_code != 0
