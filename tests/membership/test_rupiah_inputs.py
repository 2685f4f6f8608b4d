"""Money typed at the cash desk as printed on a receipt ("Rp 250.000", "200.000") is recorded as whole
rupiah; sen are refused with the form error and nothing is written; every money input of every HTML form
is the one RupiahField (number pad on a phone, the amount shown back as 1.250.000)."""
from __future__ import annotations

import importlib
import inspect
import re

import pytest
import sqlalchemy as sa
from wtforms.fields.core import UnboundField

from coop.audit.models import AuditLog
from coop.db import db
from coop.ledger.models import JournalEntry
from coop.savings import services as savings
from coop.savings.models import CashCount
from coop.web.forms import RupiahField
from tests.membership.test_web import _csrf_free_form


def _count(model, coop_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.cooperative_id == coop_id))


def _amount_input(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tag, name
    return tag.group(0)


def test_deposit_typed_as_on_a_receipt_records_whole_rupiah(coop, users, login, make_member):
    """"Rp 250.000" at the desk: Rp 250.000 on the sukarela account and on the receipt (with words)."""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    page = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    tag = _amount_input(page, f"deposit-{acc.id}-amount")
    assert 'inputmode="numeric"' in tag and 'type="text"' in tag  # number pad, and the dots are allowed
    form = _csrf_free_form(page, f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "Rp 250.000"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert savings.get_account(coop.id, acc.id).balance == 250_000
    receipt = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Rp 250.000" in receipt and "dua ratus lima puluh ribu rupiah" in receipt.lower()


def test_sen_are_refused_with_the_form_error_and_nothing_is_written(coop, users, login, make_member):
    """Is a cash-desk deposit of "250.000,50" refused with 422 "Rupiah tanpa sen", the typed value kept in the
    field, and no balance, journal entry or audit row written?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    page = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    entries, audits = _count(JournalEntry, coop.id), _count(AuditLog, coop.id)
    form = _csrf_free_form(page, f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "250.000,50"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Rupiah tanpa sen" in html
    assert 'value="250.000,50"' in _amount_input(html, f"deposit-{acc.id}-amount")  # what was typed, to correct
    assert savings.get_account(coop.id, acc.id).balance == 0
    assert (_count(JournalEntry, coop.id), _count(AuditLog, coop.id)) == (entries, audits)


@pytest.mark.parametrize("typed, message", [("-50.000", "Jumlah tidak boleh minus."),
                                            ("lima puluh ribu", "Tulis jumlah rupiah dengan angka"),
                                            ("0", "Jumlah harus lebih dari nol."),
                                            ("   ", "Wajib diisi.")])
def test_withdrawal_refuses_what_is_not_an_amount(coop, users, login, make_member, fund, typed, message):
    """Is a withdrawal of "-50.000", "lima puluh ribu", "0" or blanks refused with 422 and its own message,
    the balance left at Rp 100.000?"""
    m = make_member(coop)
    fund(m, "sukarela", 100_000)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"withdraw-{acc.id}")
    form[f"withdraw-{acc.id}-amount"] = typed
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert savings.get_account(coop.id, acc.id).balance == 100_000


def test_wajib_due_is_prefilled_formatted_and_reads_back(coop, users, login, make_member, today):
    """Joined on the 1st two months before this month (e.g. 1 Sep 2026 when today is 27 Nov 2026): those two
    months and this one are due, 3 x Rp 20.000, shown "60.000"; sending the form back unchanged pays 60.000."""
    from coop.dates import add_months

    m = make_member(coop, joined_on=add_months(today.replace(day=1), -2))
    acc = savings.account_for(coop.id, m.id, "wajib")
    web = login(users["treasurer"])
    page = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    tag = _amount_input(page, f"wajib-{acc.id}-amount")
    shown = re.search(r'value="([^"]*)"', tag).group(1)
    assert shown == "60.000"
    form = _csrf_free_form(page, f"wajib-{acc.id}")
    form[f"wajib-{acc.id}-amount"] = shown
    assert web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"}).status_code == 302
    assert savings.get_account(coop.id, acc.id).balance == 60_000


def test_cash_count_takes_receipt_style_amounts(coop, users, login, make_member):
    """Kas Rp 100.000 (pokok) on 2 Jan 2025; counted "Rp 95.000": Rp 95.000 stored; "95.000,5" refused."""
    make_member(coop)
    web = login(users["treasurer"])
    page = web.get("/cashdesk/cash-count").get_data(as_text=True)
    assert 'inputmode="numeric"' in _amount_input(page, "counted")
    bad = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-02", "counted": "95.000,5"})
    assert bad.status_code == 200 and "Rupiah tanpa sen" in bad.get_data(as_text=True)
    assert _count(CashCount, coop.id) == 0
    resp = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-02", "counted": "Rp 95.000",
                                                         "confirm": "1"})
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(CashCount.counted).where(CashCount.cooperative_id == coop.id)) == 95_000


def test_form_error_in_english_when_english_is_chosen(coop, users, login, make_member):
    """With English chosen, is a deposit of "200,5" refused with "Whole rupiah only" and not the Indonesian
    message?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    web.post("/lang/en", data={"next": "/"})
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "200,5"
    html = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"}).get_data(as_text=True)
    assert "Whole rupiah only" in html and "Rupiah tanpa sen" not in html


FORM_MODULES = ["coop.membership.forms", "coop.training.forms", "coop.ledger.forms", "coop.loans.forms",
                "coop.registry.forms", "coop.reports.forms", "coop.auth.forms"]


def test_every_money_input_is_the_one_rupiah_field(app):
    """A field whose label names rupiah ("(Rp)", "Rp,") is a RupiahField: the cash desk, cash count, savings
    product, training allowance and revenue, loan and journal amounts all read "1.250.000" the same way."""
    from flask_wtf import FlaskForm

    money, others = [], []
    with app.test_request_context("/"):
        for module_name in FORM_MODULES:
            module = importlib.import_module(module_name)
            for cls_name, cls in inspect.getmembers(module, inspect.isclass):
                if not issubclass(cls, FlaskForm) or cls.__module__ != module_name:
                    continue
                for name, unbound in vars(cls).items():
                    if not isinstance(unbound, UnboundField):
                        continue
                    label = str(unbound.args[0]) if unbound.args else str(unbound.kwargs.get("label", ""))
                    if re.search(r"\bRp\b", label):
                        (money if issubclass(unbound.field_class, RupiahField) else others).append(
                            f"{cls_name}.{name}")
    assert others == []
    for expected in ("CashForm.amount", "CashCountForm.counted", "BerjangkaForm.amount", "CohortForm.allowance_amount",
                     "FollowUpForm.monthly_revenue", "RepayForm.amount", "ApplicationForm.principal"):
        assert expected in money
    # the savings product's fixed amount and minimum; the loan product's fees (same class name in two modules)
    assert money.count("ProductForm.amount") == 1 and "ProductForm.min_balance" in money
    assert "ProductForm.fee_fixed" in money


@pytest.mark.parametrize("module_name, form_name, data, field, value", [
    ("coop.training.forms", "CohortForm", {"allowance_amount": "Rp 50.000"}, "allowance_amount", 50_000),
    ("coop.training.forms", "CohortForm", {"allowance_amount": ""}, "allowance_amount", 0),
    ("coop.training.forms", "FollowUpForm", {"monthly_revenue": "3.500.000"}, "monthly_revenue", 3_500_000),
    ("coop.membership.forms", "ProductForm", {"min_balance": "Rp 10.000"}, "min_balance", 10_000),
    ("coop.loans.forms", "ProductForm", {"fee_fixed": "25.000"}, "fee_fixed", 25_000),
    ("coop.loans.forms", "ProductForm", {"rounding_multiple": "1.000"}, "rounding_multiple", 1_000),
    ("coop.loans.forms", "ApplicationForm", {"principal": "Rp5.000.000"}, "principal", 5_000_000),
])
def test_other_money_forms_read_receipt_style(app, module_name, form_name, data, field, value):
    """Do the training, savings-product and loan forms read receipt-style rupiah ("Rp 50.000", "3.500.000",
    "Rp5.000.000", "" as 0) into whole rupiah without errors, with a numeric inputmode and the value shown
    back with dots?"""
    cls = getattr(importlib.import_module(module_name), form_name)
    with app.test_request_context("/", method="POST", data=data):
        form = cls(meta={"csrf": False})
        bound = getattr(form, field)
        assert bound.data == value and not bound.process_errors
        assert bound.render_kw["inputmode"] == "numeric"
        assert bound._value() == ("" if value == 0 else f"{value:,}".replace(",", "."))


def test_training_allowance_has_its_own_ceiling(app):
    """Is a cohort allowance of "100.000.001" refused with "Jumlah terlalu besar: paling banyak Rp
    100.000.000."?"""
    from coop.training.forms import CohortForm

    with app.test_request_context("/", method="POST", data={"allowance_amount": "100.000.001"}):
        form = CohortForm(meta={"csrf": False})
        assert form.allowance_amount.process_errors == ["Jumlah terlalu besar: paling banyak Rp 100.000.000."]


def test_cash_count_result_in_either_language(coop, users, login, make_member):
    """Kas Rp 100.000 (pokok); counted Rp 95.000 -> "Selisih kas kurang Rp 5.000 dicatat."; the next day,
    in English, counted Rp 100.000 after the Rp 5.000 difference entry -> "Cash surplus of Rp 5.000 recorded."."""
    make_member(coop)
    web = login(users["treasurer"])
    resp = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-02", "counted": "95.000", "confirm": "1"},
                    follow_redirects=True)
    assert "Selisih kas kurang Rp 5.000 dicatat." in resp.get_data(as_text=True)
    web.post("/lang/en", data={"next": "/"})
    resp = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-03", "counted": "100.000", "confirm": "1"},
                    follow_redirects=True)
    assert "Cash surplus of Rp 5.000 recorded." in resp.get_data(as_text=True)
