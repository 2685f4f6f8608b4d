"""WTForms of the members and cash-desk pages (imported only by blueprints)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coop.web.forms import RupiahField

REQ = _l("Wajib diisi.")
POSITIVE = _l("Jumlah harus lebih dari nol.")


class PercentField(DecimalField):
    """A percent: a finite Decimal only ("NaN", "sNaN" and "Infinity" parse as Decimals, and a signalling
    NaN made the range check raise: a 500)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(gettext("Harus angka."))


class MemberRegisterForm(FlaskForm):
    nik = StringField(_l("NIK penduduk"), validators=[DataRequired(REQ), Length(min=16, max=16,
                                                                            message=_l("NIK 16 angka."))])
    joined_on = DateField(_l("Tanggal bergabung"), validators=[DataRequired(REQ)])
    member_type = SelectField(_l("Jenis anggota"), choices=[SelectChoice("biasa", _l("Anggota biasa")),
                                                       SelectChoice("luar_biasa", _l("Anggota luar biasa"))])
    pay_pokok = BooleanField(_l("Simpanan pokok dibayar tunai sekarang"), default=True)
    nonce = HiddenField()


class CashForm(FlaskForm):
    """One cash-desk transaction: ``action`` deposit / withdraw / wajib / pokok on an account."""

    action = HiddenField(validators=[DataRequired()])
    account_id = HiddenField()
    amount = RupiahField(_l("Jumlah (Rp)"), validators=[InputRequired(REQ), NumberRange(min=1, message=POSITIVE)])
    memo = StringField(_l("Keterangan"), validators=[Optional(), Length(max=200)])
    nonce = HiddenField()


class BerjangkaForm(FlaskForm):
    product_id = SelectField(_l("Produk"), coerce=int)
    amount = RupiahField(_l("Jumlah (Rp)"), validators=[InputRequired(REQ), NumberRange(min=1, message=POSITIVE)])
    from_sukarela = BooleanField(_l("Dipindahkan dari simpanan sukarela"))
    nonce = HiddenField()


def _pieces(label):
    return IntegerField(label, default=0, validators=[Optional(), NumberRange(min=0, max=1_000_000,
                                                                            message=_l("Lembar/keping 0 atau lebih."))])


class CashCountForm(FlaskForm):
    """A blind cash count: the pecahan sheet (pieces per note and coin, ``n<value>`` / ``c<value>``) and any
    other cash in rupiah (``counted``); the books' balance is shown only after it is entered."""
    counted_on = DateField(_l("Tanggal"), validators=[DataRequired(REQ)])
    n100000 = _pieces(_l("100.000 (kertas)"))
    n50000 = _pieces(_l("50.000 (kertas)"))
    n20000 = _pieces(_l("20.000 (kertas)"))
    n10000 = _pieces(_l("10.000 (kertas)"))
    n5000 = _pieces(_l("5.000 (kertas)"))
    n2000 = _pieces(_l("2.000 (kertas)"))
    n1000 = _pieces(_l("1.000 (kertas)"))
    c1000 = _pieces(_l("1.000 (logam)"))
    c500 = _pieces(_l("500 (logam)"))
    c200 = _pieces(_l("200 (logam)"))
    c100 = _pieces(_l("100 (logam)"))
    counted = RupiahField(_l("Uang lain di luar pecahan (Rp)"), empty=0,
                          validators=[Optional(), NumberRange(min=0, message=_l("Tidak boleh negatif."))])
    witness = StringField(_l("Saksi (nama)"), validators=[Optional(), Length(max=120)])
    note = StringField(_l("Catatan"), validators=[Optional(), Length(max=300)])
    nonce = HiddenField()

    NOTE_FIELDS = ("n100000", "n50000", "n20000", "n10000", "n5000", "n2000", "n1000")
    COIN_FIELDS = ("c1000", "c500", "c200", "c100")

    def sheet(self) -> dict:
        """The sheet as :func:`coop.savings.cash.sheet_total` reads it."""
        out = {name[1:]: getattr(self, name).data or 0 for name in self.NOTE_FIELDS}
        out.update({f"coin{name[1:]}": getattr(self, name).data or 0 for name in self.COIN_FIELDS})
        out["other"] = self.counted.data or 0
        return out


class ResignForm(FlaskForm):
    effective_on = DateField(_l("Tanggal keluar"), validators=[DataRequired(REQ)])
    reason = SelectField(_l("Alasan"), choices=[SelectChoice("resigned", _l("Mengundurkan diri")),
                                                 SelectChoice("deceased", _l("Meninggal dunia"))])


class ImportForm(FlaskForm):
    file = FileField(_l("Berkas CSV atau XLSX"), validators=[FileRequired(REQ),
                                                        FileAllowed(["csv", "xlsx"], _l("Hanya CSV atau XLSX."))])
    value_date = DateField(_l("Tanggal saldo awal"), validators=[DataRequired(REQ)])
    dry_run = BooleanField(_l("Uji dulu (tidak menyimpan)"), default=True)


class ProductForm(FlaskForm):
    """A savings product's terms (admin). ``kind``, ``code`` and ``balance_class`` only on creation."""

    code = StringField(_l("Kode"), validators=[Optional(), Length(max=20)])
    name = StringField(_l("Nama produk"), validators=[DataRequired(REQ), Length(max=120)])
    kind = SelectField(_l("Jenis"), choices=[SelectChoice(k, v) for k, v in (
        ("sukarela", _l("Simpanan sukarela")), ("berjangka", _l("Simpanan berjangka")), ("pokok", _l("Simpanan pokok")),
        ("wajib", _l("Simpanan wajib")))])
    balance_class = SelectField(_l("Kelas neraca"), choices=[SelectChoice("liability", _l("Kewajiban")),
                                                         SelectChoice("equity", _l("Ekuitas (pokok/wajib, SAK ETAP)"))])
    amount = RupiahField(_l("Jumlah tetap (pokok/wajib, Rp)"), validators=[Optional(), NumberRange(min=1, message=POSITIVE)])
    min_balance = RupiahField(_l("Saldo minimum (Rp)"), default=0, validators=[InputRequired(REQ)])
    interest_method = SelectField(_l("Metode jasa"), choices=[SelectChoice(k, v) for k, v in (
        ("none", _l("Tanpa jasa")), ("daily_balance", _l("Saldo harian")), ("average_daily_balance", _l("Saldo rata-rata harian")),
        ("lowest_monthly_balance", _l("Saldo terendah bulanan")))])
    interest_rate = PercentField(_l("Jasa (% per tahun)"), places=None, default=0,
                                 validators=[InputRequired(REQ), NumberRange(min=0, max=100)])
    term_months = IntegerField(_l("Jangka waktu (bulan, berjangka)"), validators=[Optional(), NumberRange(min=1, max=120)])
    maturity_action = SelectField(_l("Saat jatuh tempo"), choices=[SelectChoice("sukarela", _l("Cairkan ke sukarela")),
                                                              SelectChoice("rollover", _l("Perpanjang otomatis"))])
    allows_early_withdrawal = BooleanField(_l("Boleh dicairkan sebelum jatuh tempo"))
    early_withdrawal_penalty = PercentField(_l("Penalti pencairan awal (%)"), places=None, default=0,
                                            validators=[InputRequired(REQ), NumberRange(min=0, max=100)])
    is_active = BooleanField(_l("Aktif (bisa dipakai rekening baru)"), default=True)
