"""WTForms of the remittance pages (imported only by coop/blueprints/remittances.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from coop.remittances import rules
from coop.web.forms import RupiahField

REQ = _l("Wajib diisi.")
POSITIVE = _l("Harus lebih dari nol.")


class RemittanceForm(FlaskForm):
    account_id = SelectField(_l("Rekening penerima (simpanan sukarela)"), coerce=int)
    sender_nik = StringField(_l("NIK pengirim (PMI)"), validators=[DataRequired(REQ),
                                                                   Regexp(r"^\d{16}$", message=_l("NIK 16 digit."))])
    country = StringField(_l("Negara pengirim (kode, mis. HK, TW, MY)"),
                          validators=[DataRequired(REQ), Length(min=2, max=2, message=_l("Kode negara dua huruf (mis. HK)."))])
    channel = SelectField(_l("Saluran"), choices=[SelectChoice(k, _l(v)) for k, v in rules.CHANNEL_LABELS.items()],
                          validators=[DataRequired(REQ)])
    currency = StringField(_l("Mata uang (mis. HKD)"), validators=[DataRequired(REQ), Regexp(
        r"^[A-Za-z]{3}$", message=_l("Kode mata uang tiga huruf (mis. HKD)."))])
    foreign_amount = StringField(_l("Jumlah dalam mata uang asing"), validators=[DataRequired(REQ), Regexp(
        r"^\d{1,12}([.,]\d{1,4})?$", message=_l("Angka, mis. 3000,50 (tanpa titik ribuan)."))])
    amount = RupiahField(_l("Rupiah diterima (Rp)"), validators=[InputRequired(REQ), NumberRange(min=1, message=POSITIVE)])
    fee = RupiahField(_l("Biaya kirim yang dibayar pengirim (Rp)"), empty=0)
    received_on = DateField(_l("Tanggal diterima"), validators=[DataRequired(REQ)])
    goal_id = SelectField(_l("Untuk tujuan tabungan"), coerce=int, validators=[Optional()])
    memo = StringField(_l("Keterangan"), validators=[Optional(), Length(max=100)])
    nonce = HiddenField()


class GoalForm(FlaskForm):
    purpose = SelectField(_l("Tujuan"), choices=[SelectChoice(k, _l(v)) for k, v in rules.PURPOSE_LABELS.items()],
                          validators=[DataRequired(REQ)])
    target_amount = RupiahField(_l("Target (Rp)"), validators=[InputRequired(REQ), NumberRange(min=1, message=POSITIVE)])
    target_date = DateField(_l("Tanggal target"), validators=[DataRequired(REQ)])
    note = StringField(_l("Keterangan"), validators=[Optional(), Length(max=200)])


class KurForm(FlaskForm):
    bank = StringField(_l("Bank penyalur"), validators=[DataRequired(REQ), Length(max=100)])
    amount_requested = RupiahField(_l("Jumlah diajukan (Rp)"),
                                   validators=[InputRequired(REQ), NumberRange(min=1, message=POSITIVE)])
    referred_on = DateField(_l("Tanggal dirujuk"), validators=[DataRequired(REQ)])


class KurStatusForm(FlaskForm):
    status = SelectField(_l("Status baru"), choices=[SelectChoice(k, _l(rules.KUR_STATUS_LABELS[k]))
                                                     for k in rules.KUR_STATUSES[1:]], validators=[DataRequired(REQ)])
    on = DateField(_l("Tanggal"), validators=[DataRequired(REQ)])
