"""One "today" for every page, API call and CLI command: the cooperative's own time zone
(``Cooperative.timezone``), the app default only without a user. Kiritimati (UTC+14) and Pago Pago (UTC-11)
are 25 hours apart, so the two dates always differ and the test cannot pass by luck of the clock."""
from __future__ import annotations

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g
from flask_login import login_user

from coop.db import db

HTML_TODAYS = ["ledger:_today", "loans:_today", "registry:_today", "reports:_today", "training:business_today",
               "cashdesk:today"]
API_TODAYS = ["api.members:_today", "api.ledger:_today", "api.loans:_today", "api.registry:_today",
              "api.training:_today"]


def _fn(spec):
    module, name = spec.split(":")
    return getattr(importlib.import_module(f"coop.blueprints.{module}"), name)


def test_every_area_uses_the_cooperatives_time_zone(app, coop, users, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", "Pacific/Pago_Pago")
    coop.timezone = "Pacific/Kiritimati"
    db.session.flush()
    coop_day = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    default_day = datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()
    assert coop_day != default_day
    user = users["admin"]
    with app.test_request_context("/"):
        login_user(user)
        g.api_user = user
        got = {spec: _fn(spec)() for spec in HTML_TODAYS + API_TODAYS}
    assert got == {spec: coop_day for spec in got}
    from coop.cli import _today

    assert _today() == default_day
