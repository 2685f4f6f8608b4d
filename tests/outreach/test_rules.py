"""Pure rules of outreach: quiet hours, backoff, phone numbers, templates, STOP and SMS parts."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from coop.outreach import rules
from coop.outreach.channels import sms_parts


@pytest.mark.parametrize(("clock", "quiet"), [(time(20, 59), False), (time(21, 0), True), (time(23, 30), True),
                                              (time(0, 0), True), (time(6, 59), True), (time(7, 0), False),
                                              (time(12, 0), False)])
def test_quiet_hours_span_midnight(clock, quiet):
    """Between 21:00 and 07:00 (the default window, spanning midnight) is quiet; 20:59 and 07:00 are not?"""
    assert rules.in_quiet_hours(clock, 21, 7) is quiet


def test_quiet_hours_window_within_a_day_and_none():
    """A window 13-15 is quiet at 13:00 and 14:59 but not 15:00; equal hours mean no quiet hours at all?"""
    assert rules.in_quiet_hours(time(13, 0), 13, 15) and rules.in_quiet_hours(time(14, 59), 13, 15)
    assert not rules.in_quiet_hours(time(15, 0), 13, 15)
    assert not rules.in_quiet_hours(time(22, 0), 0, 0)


def test_backoff_doubles_and_is_capped():
    """With a base of 300 s, does the wait after 1, 2 and 3 failures grow 5, 10, 20 minutes, capped at a day?"""
    assert [rules.backoff(n, 300) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10),
                                                          timedelta(minutes=20)]
    assert rules.backoff(30, 300) == timedelta(days=1)


@pytest.mark.parametrize(("raw", "number"), [("0812-3456-7890", "6281234567890"), ("+62 812 3456 7890", "6281234567890"),
                                             ("6281234567890", "6281234567890"), ("(0812) 345.678", "62812345678"),
                                             ("12345", None), ("0812-ABCD-7890", None), ("", None)])
def test_phone_numbers_normalise_to_international_form(raw, number):
    """Are the usual ways of writing an Indonesian mobile number the same number, and junk refused?"""
    assert rules.normalize_phone(raw) == number


def test_template_placeholders_and_rendering():
    """Only {nama} {jumlah} {tanggal} {telepon} are allowed, braces must balance, and rendering fills them?"""
    assert rules.template_problem("Halo {nama}, {jumlah} pada {tanggal}. {telepon}") is None
    assert "Hanya" in rules.template_problem("Halo {nik}")
    assert "seimbang" in rules.template_problem("Halo {nama")
    assert rules.template_problem("  ") is not None
    assert rules.template_problem("x" * 1001) is not None
    assert rules.render("Yth. {nama}: {jumlah} ({tanggal})", {"nama": "Siti", "jumlah": "Rp 110.000"}) == \
        "Yth. Siti: Rp 110.000 ()"
    for body in rules.DEFAULT_TEMPLATES.values():
        assert rules.template_problem(body) is None


def test_stop_words_and_wa_me_link():
    """Do 'stop', ' Stop ' and 'BERHENTI' withdraw while 'stop dulu' does not; is the wa.me text URL-encoded?"""
    assert rules.is_stop("stop") and rules.is_stop(" Stop \n") and rules.is_stop("BERHENTI")
    assert not rules.is_stop("stop dulu ya") and not rules.is_stop("")
    assert rules.wa_me_link("6281234567890", "Yth. Siti, Rp 1.000 & lain") == \
        "https://wa.me/6281234567890?text=Yth.%20Siti%2C%20Rp%201.000%20%26%20lain"


def test_sms_parts():
    """160 plain characters are one SMS; 161 are two concatenated parts of 153 + 8; an accented text
    counts 70 a part (Unicode)?"""
    assert sms_parts("a" * 160) == ("Default_No_Compression", ["a" * 160])
    coding, parts = sms_parts("a" * 161)
    assert coding == "Default_No_Compression" and [len(p) for p in parts] == [153, 8]
    coding, parts = sms_parts("é" * 71)
    assert coding == "Unicode_No_Compression" and [len(p) for p in parts] == [67, 4]
