"""List pages, dashboards and API lists are scoped to the user's cooperative: a resident, member and loan
of another cooperative (with a name found nowhere else) never appear on any page without an id in its URL."""
from __future__ import annotations

import pytest

OTHER = "Zulaikha Koperasilain"


@pytest.mark.parametrize("role", ["admin", "manager", "auditor", "treasurer"])
def test_no_list_shows_another_cooperatives_people(app, make_coop, make_user, login, api, make_member,
                                                   make_loan, role):
    """For an admin, manager, auditor and treasurer, does no GET page or API list without arguments (more than
    15 answering 200) show another cooperative's member name or "Koperasi B"?"""
    mine = make_coop("Koperasi A")
    other = make_coop("Koperasi B", village_code="3504042002")
    make_loan(other, make_member(other, full_name=OTHER))
    make_loan(mine, make_member(mine))
    user = make_user(mine, role)
    web, json_client = login(user), api(user)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        if rule.rule.startswith("/api/"):
            resp = json_client.get(rule.rule[len("/api/v1"):])
        else:
            resp = web.get(rule.rule)
        body = resp.get_data().decode("utf-8", "replace")  # (XLSX downloads are zipped: text pages only)
        resp.close()
        assert OTHER not in body and "Koperasi B" not in body, f"{rule.rule} as {role}"
        checked += resp.status_code == 200
    assert checked > 15
