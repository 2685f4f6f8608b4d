from datetime import date

import pytest

from coop.formatting import mask_nik, rupiah, tanggal, terbilang


@pytest.mark.parametrize("amount,text", [(1250000, "Rp 1.250.000"), (0, "Rp 0"), (999, "Rp 999"),
                                         (-5000, "-Rp 5.000"), (10**12, "Rp 1.000.000.000.000")])
def test_rupiah(amount, text):
    """Does rupiah() write 1250000 as "Rp 1.250.000", 0 as "Rp 0", 999 as "Rp 999", -5000 as "-Rp 5.000" and
    10**12 as "Rp 1.000.000.000.000"?"""
    assert rupiah(amount) == text


def test_rupiah_refuses_float():
    """Does rupiah() refuse a float (TypeError)?"""
    with pytest.raises(TypeError):
        rupiah(1.5)


def test_tanggal():
    """Does tanggal() write "27 Nov 2026", "1 Agu 2026" in Indonesian and "1 Aug 2026" in English, and "2 Mei
    2026" in the long form?"""
    assert tanggal(date(2026, 11, 27)) == "27 Nov 2026"
    assert tanggal(date(2026, 8, 1)) == "1 Agu 2026"
    assert tanggal(date(2026, 8, 1), "en") == "1 Aug 2026"
    assert tanggal(date(2026, 5, 2), long=True) == "2 Mei 2026"


@pytest.mark.parametrize("amount,words", [
    (250000, "dua ratus lima puluh ribu rupiah"),
    (2750000, "dua juta tujuh ratus lima puluh ribu rupiah"),
    (1000, "seribu rupiah"),
    (0, "nol rupiah"),
    (1001000, "satu juta seribu rupiah"),
    (2001500, "dua juta seribu lima ratus rupiah"),
    (11000, "sebelas ribu rupiah"),
    (101000, "seratus satu ribu rupiah"),
    (1000000, "satu juta rupiah"),
    (1001000000, "satu miliar satu juta rupiah"),
    (1001001, "satu juta seribu satu rupiah"),
    (115019, "seratus lima belas ribu sembilan belas rupiah"),
    (10010, "sepuluh ribu sepuluh rupiah"),
    (999999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan rupiah"),
])
def test_terbilang(amount, words):
    """Does an amount read in Indonesian words as on a kuitansi, with "seribu" for a thousands group of one
    (1.001.000 is "satu juta seribu", not "satu juta satu ribu")?"""
    assert terbilang(amount) == words


def test_mask_nik():
    """Does mask_nik keep the first and last four digits ("3302********0001")?"""
    assert mask_nik("3302114107900001") == "3302********0001"
