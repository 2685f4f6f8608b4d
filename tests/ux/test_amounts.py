"""Amounts as people say them ("250rb", "2,5 jt"), one clear message when not an amount, the JSON API still
strict (issue 15, item 10); what a loan asks for today (coop.loans.due). Worked examples checked by hand."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from coop.loans.due import amount_due
from coop.money import (
    MSG_FRACTION,
    MSG_NEGATIVE,
    MSG_SHORTHAND,
    MSG_TOO_LARGE,
    RupiahInputError,
    parse_rupiah,
)
from coop.savings import services as savings
from tests.membership.test_web import _csrf_free_form


@pytest.mark.parametrize("typed, rupiah", [
    ("250rb", 250_000),
    ("250 rb", 250_000),
    ("250RB", 250_000),
    ("250 ribu", 250_000),
    ("250k", 250_000),
    ("2,5 jt", 2_500_000),
    ("2,5jt", 2_500_000),
    ("2.5jt", 2_500_000),           # a dot not followed by three digits: the decimal mark of a shorthand
    ("1.250rb", 1_250_000),         # a dot before three digits groups thousands: 1.250 x 1.000
    ("Rp 2,5 juta", 2_500_000),
    ("1,75 jt", 1_750_000),
    ("2 miliar", 2_000_000_000),
    ("Rp 250.000,-", 250_000),      # the receipt's form, still read as before
])
def test_shorthand_amounts_are_read_as_whole_rupiah(typed, rupiah):
    """Are "250rb", "2,5 jt" and "Rp 250.000,-" read as the rupiah a cashier means?"""
    assert parse_rupiah(typed) == rupiah


@pytest.mark.parametrize("typed, message", [
    ("1,2345rb", MSG_FRACTION),     # 1.234,5 rupiah: sen
    ("rb", MSG_SHORTHAND),
    ("2,5,5jt", MSG_SHORTHAND),
    ("-50rb", MSG_NEGATIVE),
    ("20.000 miliar", MSG_TOO_LARGE),
])
def test_shorthand_that_is_not_an_amount_says_what_to_type(typed, message):
    """Is a shorthand that is not whole rupiah refused with one message saying what to type?"""
    with pytest.raises(RupiahInputError) as err:
        parse_rupiah(typed)
    assert err.value.message == message


def test_shorthand_at_the_cash_desk_records_the_amount(coop, users, login, make_member):
    """Does "2,5 jt" typed at the desk put Rp 2.500.000 on the sukarela account?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "2,5 jt"
    assert web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"}).status_code == 302
    assert savings.get_account(coop.id, acc.id).balance == 2_500_000


def test_text_that_is_no_amount_gets_one_message_not_two(coop, users, login, make_member):
    """Does "lima puluh" show only "write the amount in figures", without a second "more than zero"?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "lima puluh"
    html = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"}).get_data(as_text=True)
    assert "Tulis jumlah rupiah dengan angka" in html
    assert "lebih dari nol" not in html


def test_zero_still_says_more_than_zero(coop, users, login, make_member):
    """Is a typed 0 (an amount, but none) still refused with "more than zero"?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "0rb"
    html = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"}).get_data(as_text=True)
    assert "Jumlah harus lebih dari nol." in html


def test_json_api_stays_strict_integers(coop, users, api, make_member):
    """Does the JSON API still refuse "250rb" (money there is an integer of rupiah), writing nothing?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    resp = api(users["treasurer"]).post(f"/savings-accounts/{acc.id}/deposits", json={"amount": "250rb"})
    assert resp.status_code == 422
    assert savings.get_account(coop.id, acc.id).balance == 0


def _inst(due_on, remaining):
    return SimpleNamespace(due_on=due_on, remaining=remaining)


def test_amount_due_adds_arrears_and_todays_instalment():
    """27 Oct instalment 110.000 with 60.000 paid, 27 Nov and 27 Dec 110.000 each: on 27 Nov 50.000 + 110.000
    = 160.000 is due and the next instalment is 27 Dec for 110.000."""
    insts = [_inst(date(2026, 10, 27), 50_000), _inst(date(2026, 11, 27), 110_000), _inst(date(2026, 12, 27), 110_000)]
    d = amount_due(insts, date(2026, 11, 27))
    assert (d.due, d.next_on, d.next_amount, d.suggested) == (160_000, date(2026, 12, 27), 110_000, 160_000)


def test_nothing_due_suggests_the_next_instalment():
    """Paid up to date on 27 Nov, next 27 Dec for 110.000: nothing due, 110.000 suggested; all paid: 0."""
    insts = [_inst(date(2026, 11, 27), 0), _inst(date(2026, 12, 27), 110_000)]
    d = amount_due(insts, date(2026, 11, 27))
    assert (d.due, d.suggested) == (0, 110_000)
    assert amount_due([_inst(date(2026, 11, 27), 0)], date(2026, 11, 27)).suggested == 0
