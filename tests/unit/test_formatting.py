from datetime import date

import pytest

from coop.formatting import mask_nik, rupiah, tanggal, terbilang


@pytest.mark.parametrize("amount,text", [(1250000, "Rp 1.250.000"), (0, "Rp 0"), (999, "Rp 999"),
                                         (-5000, "-Rp 5.000"), (10**12, "Rp 1.000.000.000.000")])
def test_rupiah(amount, text):
    assert rupiah(amount) == text


def test_rupiah_refuses_float():
    with pytest.raises(TypeError):
        rupiah(1.5)


def test_tanggal():
    assert tanggal(date(2026, 11, 27)) == "27 Nov 2026"
    assert tanggal(date(2026, 8, 1)) == "1 Agu 2026"
    assert tanggal(date(2026, 8, 1), "en") == "1 Aug 2026"
    assert tanggal(date(2026, 5, 2), long=True) == "2 Mei 2026"


@pytest.mark.parametrize("amount,words", [
    (250000, "dua ratus lima puluh ribu rupiah"),
    (2750000, "dua juta tujuh ratus lima puluh ribu rupiah"),
    (1000, "seribu rupiah"),
])
def test_terbilang(amount, words):
    assert terbilang(amount) == words


def test_mask_nik():
    assert mask_nik("3302114107900001") == "3302********0001"
