"""Issue 15 item 7: one language per locale. Messages built with numbers (a NIK's length, an import's
row errors) come in the reader's language only, never "Indonesian / English" at once; numbers with
decimals use a decimal comma in Indonesian; a start without compiled catalogues warns, and the English
switch then says why instead of silently doing nothing."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from flask import session

from coop import create_app, formatting
from coop.loans import demo
from coop.loans import rules as loan_rules
from coop.registry import rules
from coop.remittances.predeparture import PRE_DEPARTURE_TEMPLATE


@pytest.mark.parametrize("lang, shown, hidden", [
    ("id", "NIK harus 16 digit (ada 11)", "must be"),
    ("en", "NIK must be 16 digits (got 11)", "harus"),
])
def test_a_nik_error_is_in_the_readers_language_only(app, lang, shown, hidden):
    """An 11-digit NIK: "NIK harus 16 digit (ada 11)" on an Indonesian page, "NIK must be 16 digits
    (got 11)" on an English one, and no " / " joining the two."""
    with app.test_request_context("/"):
        session["lang"] = lang
        info, errors = rules.parse_nik("35040445059")
    assert info is None and errors == [shown]
    assert hidden not in errors[0] and " / " not in errors[0]


def test_the_registry_form_shows_one_language(client, users, login, coop):
    """The resident form with a 11-digit NIK, in English: the field error is English only."""
    web = login(users["officer"])
    web.post("/lang/en", data={"next": "/"})
    form = {"nik": "35040445059", "kk_number": "3504041203150003", "full_name": "Sri Wahyuni", "sex": "F",
            "birth_place": "Tulungagung", "birth_date": "1990-05-05", "village_code": "3504042001",
            "relationship": "kepala_keluarga", "status": "hidup"}
    html = web.post("/registry/residents/new", data=form).get_data(as_text=True)
    assert "NIK must be 16 digits (got 11)" in html
    assert "NIK harus 16 digit" not in html


@pytest.mark.parametrize("value, locale, expected", [
    (Decimal("14.27"), "id", "14,27 %"),
    (Decimal("14.27"), "en", "14.27 %"),
    (Decimal("1.50"), "id", "1,50 %"),
    ("2", "id", "2 %"),
    (Decimal("1234.5"), "id", "1.234,5 %"),
    (Decimal("1234.5"), "en", "1,234.5 %"),
    (Decimal("-0.25"), "id", "-0,25 %"),
    (None, "id", ""),
])
def test_percent_uses_the_locales_decimal_mark(value, locale, expected):
    """14.27 is "14,27 %" in Indonesian (decimal comma, dot thousands) and "14.27 %" in English."""
    assert formatting.persen(value, locale) == expected


def test_a_page_shows_rates_with_a_decimal_comma(client, users, login):
    """The loan products page in Indonesian: the demo-free default product list renders its monthly rate
    through the filter (no "1.5 %" with a decimal point)."""
    web = login(users["manager"])
    with web.application.test_request_context("/"):
        rendered = web.application.jinja_env.from_string("{{ r|persen }} {{ r|angka }}").render(r=Decimal("1.5"))
    assert rendered == "1,5 % 1,5"


def _app_without_catalogue(tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                       "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})


def test_a_start_without_compiled_catalogue_warns(tmp_path, caplog):
    """create_app (what gunicorn calls) with no messages.mo: a warning naming the fix is logged."""
    with caplog.at_level(logging.WARNING, logger="coop.i18n"):
        _app_without_catalogue(tmp_path)
    assert any("messages.mo" in r.getMessage() and "pybabel compile" in r.getMessage() for r in caplog.records)


def test_with_the_real_catalogue_there_is_no_warning(caplog, tmp_path):
    """The worktree's compiled catalogue: no warning at start."""
    with caplog.at_level(logging.WARNING, logger="coop.i18n"):
        create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/y.db"})
    assert not [r for r in caplog.records if r.name == "coop.i18n"]


def test_without_catalogue_the_english_switch_is_hidden_and_says_why(tmp_path):
    """No messages.mo: the login page offers no "English" button; posting the switch anyway keeps the page
    Indonesian and flashes why (never a switch that silently does nothing)."""
    app = _app_without_catalogue(tmp_path)
    web = app.test_client()
    html = web.get("/login").get_data(as_text=True)
    assert ">English</button>" not in html and 'lang="id"' in html
    resp = web.post("/lang/en", data={"next": "/login"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "katalog terjemahan belum dikompilasi" in html and 'lang="id"' in html


def test_with_the_catalogue_the_switch_is_there(client):
    """With the compiled catalogue, the login page offers English."""
    assert ">English</button>" in client.get("/login").get_data(as_text=True)


def test_dashboard_panels_are_english_in_english(client, users, login):
    """The manager's dashboard in English: panel titles ("Members and savings", "Cash position") and the
    savings chart's kinds are English; the Indonesian titles are gone."""
    web = login(users["manager"])
    web.post("/lang/en", data={"next": "/"})
    html = web.get("/dashboard").get_data(as_text=True)
    assert "Members and savings" in html and "Cash position" in html and "Time deposit" in html
    assert "Anggota dan Simpanan" not in html and "Posisi Kas" not in html and "Berjangka" not in html


@pytest.mark.parametrize("lang, shown, hidden", [
    ("en", ["Productive Loan (Declining Balance)", "Effective (declining)", "Annuity", "Pinjaman Tani Makmur"],
     ["Pinjaman Produktif Menurun", ">efektif<", ">anuitas<", "Efektif (menurun)"]),
    ("id", ["Pinjaman Produktif Menurun", "Efektif (menurun)", "Anuitas", "Pinjaman Tani Makmur"],
     ["Productive Loan", "Effective (declining)", ">efektif<", ">anuitas<"]),
])
def test_loan_method_and_built_in_product_names_follow_the_locale(client, users, login, coop, make_member,
                                                                  make_loan_product, make_loan, lang, shown, hidden):
    """The built-in "Pinjaman Produktif Menurun" (efektif) and a product the cooperative named itself,
    "Pinjaman Tani Makmur" (anuitas): the product list, the new-loan form, the loan page and the agreement
    show the method and the built-in name in the page's language; the cooperative's own name as written."""
    built_in = make_loan_product(coop, name="Pinjaman Produktif Menurun", method="efektif")
    make_loan_product(coop, name="Pinjaman Tani Makmur", method="anuitas")
    loan = make_loan(coop, make_member(coop), product=built_in)
    web = login(users["manager"])
    if lang == "en":
        web.post("/lang/en", data={"next": "/"})
    products = web.get("/loans/products").get_data(as_text=True)
    for text in shown:
        assert text in products, text
    for text in hidden:
        assert text not in products, text
    new = web.get("/loans/new").get_data(as_text=True)
    assert shown[0] in new and shown[3] in new and hidden[0] not in new
    for url in (f"/loans/{loan.id}", f"/loans/{loan.id}/agreement"):
        page = web.get(url).get_data(as_text=True)
        assert shown[1] in page and hidden[3] not in page and " efektif " not in page, url


def test_every_built_in_loan_product_name_is_translatable():
    """The demo's four products and the pre-departure template are all in BUILT_IN_PRODUCT_NAMES (so each has
    an English name in the catalogue), and every method has a label."""
    names = {p["name"] for p in demo.PRODUCTS} | {PRE_DEPARTURE_TEMPLATE["name"]}
    assert names == set(loan_rules.BUILT_IN_PRODUCT_NAMES)
    assert set(loan_rules.METHOD_LABELS) == {"flat", "efektif", "anuitas"}
