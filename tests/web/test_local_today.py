"""One "today" for every page, API call and CLI command: coop.clock's business date, in the cooperative's
own time zone (``Cooperative.timezone``), the app default only without a user. Kiritimati (UTC+14) and Pago
Pago (UTC-11) are 25 hours apart, so the two dates always differ and the test cannot pass by luck of the
clock."""
from __future__ import annotations

import importlib
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import g
from flask_login import login_user

from coop import clock, create_app
from coop.db import db

HTML_TODAYS = ["ledger:_today", "loans:_today", "registry:_today", "reports:_today", "training:business_today",
               "cashdesk:today"]
API_TODAYS = ["api.members:_today", "api.ledger:_today", "api.loans:_today", "api.registry:_today",
              "api.training:_today"]


def _fn(spec):
    module, name = spec.split(":")
    return getattr(importlib.import_module(f"coop.blueprints.{module}"), name)


def test_every_area_uses_the_cooperatives_time_zone(app, coop, users, monkeypatch):
    """With the wall clock followed (no fixed date), does every area take the cooperative's own zone?"""
    monkeypatch.setattr(clock, "_fixed", None)
    monkeypatch.setattr(clock, "_default_tz", "Pacific/Pago_Pago")
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


def test_fixed_business_date_wins_over_the_wall_clock(app, coop, users, today):
    """Does a fixed business date (the suite's, COOP_BUSINESS_DATE) reach every area?"""
    user = users["admin"]
    with app.test_request_context("/"):
        login_user(user)
        g.api_user = user
        got = {spec: _fn(spec)() for spec in HTML_TODAYS + API_TODAYS}
    assert set(got.values()) == {today}


def test_me_returns_the_business_date(api, users, today):
    """Does GET /api/v1/me tell an integrator the cooperative's today?"""
    body = api(users["treasurer"]).get("/me").get_json()
    assert body["business_date"] == today.isoformat()


def test_coop_business_date_fixes_the_date_outside_production(monkeypatch):
    """Does COOP_BUSINESS_DATE fix the date for a demo, and is it refused in production?"""
    monkeypatch.setattr(clock, "_fixed", None)
    create_app({"BUSINESS_DATE": "2028-02-29", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert clock.business_date(None) == date(2028, 2, 29)
    monkeypatch.setattr(clock, "_fixed", None)
    monkeypatch.setenv("COOP_SECRET_KEY", "x" * 40)
    with pytest.raises(clock.ClockConfigError):
        create_app({"BUSINESS_DATE": "2028-02-29", "ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(clock.ClockConfigError):
        create_app({"BUSINESS_DATE": "29-02-2028", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert clock.business_date(None) != date(2028, 2, 29) or clock.now_utc().date() == date(2028, 2, 29)


WALL_CLOCK = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|datetime\.today|time\.time)\(")


def test_only_the_clock_module_reads_the_wall_clock():
    """Is coop/clock.py the only module that reads the wall clock?"""
    root = Path(__file__).resolve().parents[2] / "coop"
    offenders = [f"{p.relative_to(root.parent)}:{n}" for p in root.rglob("*.py") if p.name != "clock.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if WALL_CLOCK.search(line)]
    assert offenders == []
