"""WTForms of the ledger pages (imported only by coop/blueprints/ledger.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coop.web.forms import RupiahField


class LineForm(Form):
    account_id = SelectField(_l("Akun"), coerce=int, validate_choice=False)
    debit = RupiahField(_l("Debit"), empty=0)
    credit = RupiahField(_l("Kredit"), empty=0)
    memo = StringField(_l("Keterangan baris"), validators=[Optional(), Length(max=200)])


class JournalForm(FlaskForm):
    value_date = DateField(_l("Tanggal transaksi"), validators=[InputRequired(_l("Tanggal wajib diisi."))])
    memo = TextAreaField(_l("Uraian"), validators=[DataRequired(_l("Uraian wajib diisi.")), Length(max=500)])
    lines = FieldList(FormField(LineForm), min_entries=4, max_entries=30)
    nonce = HiddenField()


class AccountForm(FlaskForm):
    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Nama akun"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Nama (Inggris)"), validators=[Optional(), Length(max=200)])
    type = SelectField(_l("Jenis"), choices=[SelectChoice(k, v) for k, v in (
        ("asset", _l("Aset")), ("liability", _l("Kewajiban")), ("equity", _l("Ekuitas")),
        ("income", _l("Pendapatan")), ("expense", _l("Beban")))])


class ClosePeriodForm(FlaskForm):
    year = IntegerField(_l("Tahun"), validators=[InputRequired(), NumberRange(2000, 2100)])
    month = SelectField(_l("Bulan"), coerce=int, choices=[SelectChoice(0, _l("Setahun penuh"))] + [
        SelectChoice(i, n) for i, n in enumerate([
            _l("Januari"), _l("Februari"), _l("Maret"), _l("April"), _l("Mei"), _l("Juni"), _l("Juli"), _l("Agustus"),
            _l("September"), _l("Oktober"), _l("November"), _l("Desember")], 1)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(_l("Alasan wajib diisi.")), Length(max=500)])
    value_date = DateField(_l("Tanggal pembalikan (kosong = tanggal jurnal asli)"), validators=[Optional()])


class DecideForm(FlaskForm):
    decision = SelectField(_l("Keputusan"), choices=[SelectChoice("approve", _l("Setujui")),
                                                      SelectChoice("reject", _l("Tolak"))])
    note = StringField(_l("Catatan"), validators=[Optional(), Length(max=200)])


class OpeningImportForm(FlaskForm):
    value_date = DateField(_l("Tanggal saldo awal"), validators=[InputRequired()])


