"""WTForms of the ledger pages (imported only by coop/blueprints/ledger.py)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class RupiahField(StringField):
    """Whole rupiah typed as on a receipt: ``1.500.000`` or ``1500000`` (empty = 0)."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip().replace(".", "").replace(" ", "")
        if raw.lower().startswith("rp"):
            raw = raw[2:]
        if raw == "":
            self.data = 0
        elif raw.isdigit() and len(raw) <= 16:
            self.data = int(raw)
        else:
            self.data = None
            raise ValueError("Tulis jumlah rupiah bulat, mis. 1.500.000")

    def _value(self):
        if self.data in (None, 0, ""):
            return ""
        return f"{self.data:,}".replace(",", ".")


class LineForm(Form):
    account_id = SelectField("Akun", coerce=int, validate_choice=False)
    debit = RupiahField("Debit")
    credit = RupiahField("Kredit")
    memo = StringField("Keterangan baris", validators=[Optional(), Length(max=200)])


class JournalForm(FlaskForm):
    value_date = DateField("Tanggal transaksi", validators=[InputRequired("Tanggal wajib diisi.")])
    memo = TextAreaField("Uraian", validators=[DataRequired("Uraian wajib diisi."), Length(max=500)])
    lines = FieldList(FormField(LineForm), min_entries=4, max_entries=30)


class AccountForm(FlaskForm):
    code = StringField("Kode", validators=[DataRequired(), Length(max=40)])
    name = StringField("Nama akun", validators=[DataRequired(), Length(max=200)])
    name_en = StringField("Nama (Inggris)", validators=[Optional(), Length(max=200)])
    type = SelectField("Jenis", choices=[SelectChoice(k, v) for k, v in (
        ("asset", "Aset"), ("liability", "Kewajiban"), ("equity", "Ekuitas"), ("income", "Pendapatan"),
        ("expense", "Beban"))])


class ClosePeriodForm(FlaskForm):
    year = IntegerField("Tahun", validators=[InputRequired(), NumberRange(2000, 2100)])
    month = SelectField("Bulan", coerce=int, choices=[SelectChoice(0, "Setahun penuh")] + [
        SelectChoice(i, n) for i, n in enumerate(["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                                      "September", "Oktober", "November", "Desember"], 1)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Alasan", validators=[DataRequired("Alasan wajib diisi."), Length(max=500)])
    value_date = DateField("Tanggal pembalikan (kosong = tanggal jurnal asli)", validators=[Optional()])


class DecideForm(FlaskForm):
    decision = SelectField("Keputusan", choices=[SelectChoice("approve", "Setujui"),
                                                      SelectChoice("reject", "Tolak")])
    note = StringField("Catatan", validators=[Optional(), Length(max=200)])


class OpeningImportForm(FlaskForm):
    value_date = DateField("Tanggal saldo awal", validators=[InputRequired()])


