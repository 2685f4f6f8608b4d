"""WTForms of the members and cash-desk pages (imported only by blueprints)."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

REQ = "Wajib diisi."


class PercentField(DecimalField):
    """A percent: a finite Decimal only ("NaN", "sNaN" and "Infinity" parse as Decimals, and a signalling
    NaN made the range check raise: a 500)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError("Harus angka.")


class MemberRegisterForm(FlaskForm):
    nik = StringField("NIK penduduk", validators=[DataRequired(REQ), Length(min=16, max=16,
                                                                            message="NIK 16 angka.")])
    joined_on = DateField("Tanggal bergabung", validators=[DataRequired(REQ)])
    member_type = SelectField("Jenis anggota", choices=[SelectChoice("biasa", "Anggota biasa"),
                                                       SelectChoice("luar_biasa", "Anggota luar biasa")])
    pay_pokok = BooleanField("Simpanan pokok dibayar tunai sekarang", default=True)


class CashForm(FlaskForm):
    """One cash-desk transaction: ``action`` deposit / withdraw / wajib / pokok on an account."""

    action = HiddenField(validators=[DataRequired()])
    account_id = HiddenField()
    amount = IntegerField("Jumlah (Rp)", validators=[InputRequired(REQ), NumberRange(min=1, max=10**13,
                                                                                   message="Jumlah harus lebih dari nol.")])
    memo = StringField("Keterangan", validators=[Optional(), Length(max=200)])
    nonce = HiddenField()


class BerjangkaForm(FlaskForm):
    product_id = SelectField("Produk", coerce=int)
    amount = IntegerField("Jumlah (Rp)", validators=[InputRequired(REQ), NumberRange(min=1, max=10**13)])
    from_sukarela = BooleanField("Dipindahkan dari simpanan sukarela")


class CashCountForm(FlaskForm):
    counted_on = DateField("Tanggal", validators=[DataRequired(REQ)])
    counted = IntegerField("Uang tunai dihitung (Rp)", validators=[InputRequired(REQ), NumberRange(min=0)])
    note = StringField("Catatan", validators=[Optional(), Length(max=300)])


class ResignForm(FlaskForm):
    effective_on = DateField("Tanggal keluar", validators=[DataRequired(REQ)])
    reason = SelectField("Alasan", choices=[SelectChoice("resigned", "Mengundurkan diri"),
                                                 SelectChoice("deceased", "Meninggal dunia")])


class ImportForm(FlaskForm):
    file = FileField("Berkas CSV atau XLSX", validators=[FileRequired(REQ),
                                                        FileAllowed(["csv", "xlsx"], "Hanya CSV atau XLSX.")])
    value_date = DateField("Tanggal saldo awal", validators=[DataRequired(REQ)])
    dry_run = BooleanField("Uji dulu (tidak menyimpan)", default=True)


class ProductForm(FlaskForm):
    """A savings product's terms (admin). ``kind``, ``code`` and ``balance_class`` only on creation."""

    code = StringField("Kode", validators=[Optional(), Length(max=20)])
    name = StringField("Nama produk", validators=[DataRequired(REQ), Length(max=120)])
    kind = SelectField("Jenis", choices=[SelectChoice(k, v) for k, v in (
        ("sukarela", "Simpanan sukarela"), ("berjangka", "Simpanan berjangka"), ("pokok", "Simpanan pokok"),
        ("wajib", "Simpanan wajib"))])
    balance_class = SelectField("Kelas neraca", choices=[SelectChoice("liability", "Kewajiban"),
                                                         SelectChoice("equity", "Ekuitas (pokok/wajib, SAK ETAP)")])
    amount = IntegerField("Jumlah tetap (pokok/wajib, Rp)", validators=[Optional(), NumberRange(min=1)])
    min_balance = IntegerField("Saldo minimum (Rp)", default=0, validators=[InputRequired(REQ), NumberRange(min=0)])
    interest_method = SelectField("Metode jasa", choices=[SelectChoice(k, v) for k, v in (
        ("none", "Tanpa jasa"), ("daily_balance", "Saldo harian"), ("average_daily_balance", "Saldo rata-rata harian"),
        ("lowest_monthly_balance", "Saldo terendah bulanan"))])
    interest_rate = PercentField("Jasa (% per tahun)", places=None, default=0,
                                 validators=[InputRequired(REQ), NumberRange(min=0, max=100)])
    term_months = IntegerField("Jangka waktu (bulan, berjangka)", validators=[Optional(), NumberRange(min=1, max=120)])
    maturity_action = SelectField("Saat jatuh tempo", choices=[SelectChoice("sukarela", "Cairkan ke sukarela"),
                                                              SelectChoice("rollover", "Perpanjang otomatis")])
    allows_early_withdrawal = BooleanField("Boleh dicairkan sebelum jatuh tempo")
    early_withdrawal_penalty = PercentField("Penalti pencairan awal (%)", places=None, default=0,
                                            validators=[InputRequired(REQ), NumberRange(min=0, max=100)])
    is_active = BooleanField("Aktif (bisa dipakai rekening baru)", default=True)
