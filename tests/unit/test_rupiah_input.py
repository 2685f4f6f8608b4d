"""The one rupiah parser of every HTML money input (coop.web.forms.parse_rupiah): amounts typed as printed on
a receipt are read as whole rupiah; sen, a minus, letters, misplaced dots and absurd sizes are refused
with a message saying what to type. Worked examples, each checked by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest

from coop.money import (
    MAX_RUPIAH,
    MSG_DOTS,
    MSG_FORMAT,
    MSG_FRACTION,
    MSG_NEGATIVE,
    MSG_TOO_LARGE,
    RupiahInputError,
    format_rupiah_input,
    parse_rupiah,
)


@pytest.mark.parametrize("typed, rupiah", [
    ("200.000", 200_000),
    ("Rp 200.000", 200_000),
    ("Rp200.000", 200_000),
    ("rp 200.000", 200_000),
    ("Rp. 200.000", 200_000),
    ("200000", 200_000),
    (" 1.250.000 ", 1_250_000),
    ("1 250 000", 1_250_000),
    ("Rp\u00a01.250.000", 1_250_000),       # a non-breaking space, as copied from a PDF receipt
    ("200.000,-", 200_000),                 # the receipt's "no sen" dash
    ("Rp 200.000,00", 200_000),             # zero sen is whole rupiah
    ("1.000", 1_000),
    ("999", 999),
    ("0", 0),
    ("10.000.000.000.000", 10**13),         # the largest accepted
])
def test_receipt_style_amounts_are_read_as_whole_rupiah(typed, rupiah):
    """Does parse_rupiah read receipt-style amounts as whole rupiah: with or without "Rp"/"Rp."/"rp", dots or
    spaces (also a non-breaking one) as thousands, "200.000,-" and ",00", "0", up to 10.000.000.000.000?"""
    assert parse_rupiah(typed) == rupiah


@pytest.mark.parametrize("typed", [None, "", "   ", "\t"])
def test_blank_is_no_amount(typed):
    """Is None, "", blanks or a tab read as no amount (None)?"""
    assert parse_rupiah(typed) is None


@pytest.mark.parametrize("typed, message", [
    ("200.000,50", MSG_FRACTION),
    ("200,5", MSG_FRACTION),
    ("Rp 1.250.000,5", MSG_FRACTION),
    ("-5.000", MSG_NEGATIVE),
    ("Rp -5.000", MSG_NEGATIVE),
    ("-Rp 5.000", MSG_NEGATIVE),
    ("200.00", MSG_DOTS),                   # not 20.000 and not 200: ask instead of guessing
    ("1.25.000", MSG_DOTS),
    ("2000.000", MSG_DOTS),
    (".500", MSG_DOTS),
    ("abc", MSG_FORMAT),
    ("12a", MSG_FORMAT),
    ("Rp", MSG_FORMAT),
    ("1,250,000", MSG_FORMAT),              # English thousands commas are ambiguous here
    ("1e6", MSG_FORMAT),
    ("\u0661\u0662\u0663", MSG_FORMAT),     # Arabic-Indic digits: str.isdigit() says yes, we say no
    ("10.000.000.000.001", MSG_TOO_LARGE),
    ("99999999999999999999999999", MSG_TOO_LARGE),
])
def test_refused_inputs_say_what_to_type(typed, message):
    """Is each refused input answered with its own message, as a ValueError: sen ("200.000,50", "200,5"), a
    minus, dots in the wrong places ("200.00", "1.25.000", "2000.000", ".500"), a bad format (letters, "Rp"
    alone, English commas, "1e6", Arabic-Indic digits), and amounts above 10**13?"""
    with pytest.raises(RupiahInputError) as err:
        parse_rupiah(typed)
    assert err.value.message == message
    assert isinstance(err.value, ValueError)


def test_minus_only_where_allowed_and_maximum_per_field():
    """Is "-Rp 5.000" read as -5.000 where negatives are allowed, "-0" as 0, "100.000.000" accepted at a
    maximum of 100.000.000 and "100.000.001" refused ("Jumlah terlalu besar: paling banyak Rp 100.000.000."),
    and is MAX_RUPIAH 10**13?"""
    assert parse_rupiah("-Rp 5.000", allow_negative=True) == -5_000
    assert parse_rupiah("-0") == 0
    assert parse_rupiah("100.000.000", maximum=100_000_000) == 100_000_000
    with pytest.raises(RupiahInputError) as err:
        parse_rupiah("100.000.001", maximum=100_000_000)
    assert str(err.value) == "Jumlah terlalu besar: paling banyak Rp 100.000.000."
    assert MAX_RUPIAH == 10**13


@pytest.mark.parametrize("value, shown", [(1_250_000, "1.250.000"), (999, "999"), (0, "0"), (-5_000, "-5.000"),
                                          (None, "")])
def test_shown_back_as_typed_on_a_receipt(value, shown):
    """Does format_rupiah_input show 1.250.000, 999, 0, -5.000 and "" (None), and does parse_rupiah read each
    shown value back to the same amount?"""
    assert format_rupiah_input(value) == shown
    if value is not None:
        assert parse_rupiah(shown, allow_negative=True) == value  # what a form shows, it reads back


@pytest.mark.parametrize("cell, rupiah", [
    ("Rp 200.000", 200_000), ("200000", 200_000), (200_000, 200_000),
    (Decimal("200000.0"), 200_000),   # a number cell stored with a decimal part: still whole rupiah
    ("200.00", None),                 # the old reader dropped the dot: Rp 20.000 booked for "200.00"
    ("200.000,50", None), (Decimal("200000.5"), None), ("abc", None), (True, None),
])
def test_opening_balance_import_reads_amounts_with_the_same_parser(cell, rupiah):
    """Does the savings opening-balance import read "Rp 200.000", "200000", 200000 and Decimal 200000.0 as Rp
    200.000, and refuse (None) "200.00", "200.000,50", Decimal 200000.5, "abc" and True?"""
    from coop.savings.imports import _amount

    assert _amount(cell) == rupiah
