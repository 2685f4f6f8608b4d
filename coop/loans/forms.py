"""WTForms of the loan pages (imported only by coop/blueprints/loans.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coop.web.forms import RupiahField


class ApplicationForm(FlaskForm):
    member_id = SelectField(_l("Anggota"), coerce=int, validate_choice=False)
    product_id = SelectField(_l("Produk pinjaman"), coerce=int, validate_choice=False)
    principal = RupiahField(_l("Pokok pinjaman (Rp)"), validators=[InputRequired()])
    term_months = IntegerField(_l("Jangka waktu (bulan)"), validators=[InputRequired(), NumberRange(1, 360)])
    purpose = StringField(_l("Tujuan pinjaman"), validators=[DataRequired(_l("Tujuan wajib diisi.")), Length(max=300)])
    business_id = SelectField(_l("Usaha (dari pelatihan)"), coerce=int, validate_choice=False)
    business_description = TextAreaField(_l("Uraian usaha / rencana usaha"), validators=[Optional(), Length(max=2000)])
    guarantor_member_id = SelectField(_l("Penjamin (anggota lain)"), coerce=int, validate_choice=False)
    collateral_description = StringField(_l("Jaminan"), validators=[Optional(), Length(max=300)])
    collateral_value = RupiahField(_l("Nilai jaminan (Rp)"))
    applied_on = DateField(_l("Tanggal pengajuan"), validators=[InputRequired()])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Keputusan"), choices=[SelectChoice("approve", _l("Setujui")), SelectChoice("reject", _l("Tolak"))])
    note = StringField(_l("Catatan / alasan"), validators=[Optional(), Length(max=500)])


class DisburseForm(FlaskForm):
    disbursed_on = DateField(_l("Tanggal pencairan"), validators=[InputRequired()])
    first_due_date = DateField(_l("Jatuh tempo angsuran pertama"), validators=[InputRequired()])
    mode = SelectField(_l("Cara pencairan"), choices=[SelectChoice("cash", _l("Tunai")), SelectChoice("savings", _l("Ke simpanan sukarela"))])
    nonce = HiddenField()  # one-time: the idempotency key of the confirmed posting


class RepayForm(FlaskForm):
    amount = RupiahField(_l("Jumlah bayar (Rp)"), validators=[InputRequired()])
    paid_on = DateField(_l("Tanggal bayar"), validators=[InputRequired()])
    channel = SelectField(_l("Dari"), choices=[SelectChoice("cash", _l("Tunai")), SelectChoice("savings", _l("Simpanan sukarela"))])
    nonce = HiddenField()


class PayoffForm(FlaskForm):
    paid_on = DateField(_l("Tanggal pelunasan"), validators=[InputRequired()])
    nonce = HiddenField()


class NoteForm(FlaskForm):
    note = StringField(_l("Alasan"), validators=[Optional(), Length(max=500)])
    on = DateField(_l("Tanggal"), validators=[Optional()])


class RejectWriteOffForm(FlaskForm):
    reason = StringField(_l("Alasan penolakan"), validators=[DataRequired(), Length(max=500)])


class RecoveryForm(FlaskForm):
    amount = RupiahField(_l("Jumlah diterima (Rp)"), validators=[InputRequired()])
    received_on = DateField(_l("Tanggal terima"), validators=[InputRequired()])
    nonce = HiddenField()


class RescheduleForm(FlaskForm):
    on = DateField(_l("Tanggal jadwal ulang"), validators=[InputRequired()])
    term_months = IntegerField(_l("Jangka baru (bulan)"), validators=[InputRequired(), NumberRange(1, 360)])
    first_due_date = DateField(_l("Jatuh tempo pertama jadwal baru"), validators=[InputRequired()])


class ProductForm(FlaskForm):
    name = StringField(_l("Nama produk"), validators=[DataRequired(), Length(max=120)])
    method = SelectField(_l("Metode jasa"), choices=[SelectChoice("flat", _l("Flat")), SelectChoice("efektif", _l("Efektif (menurun)")),
                                                 SelectChoice("anuitas", _l("Anuitas"))])
    rate_percent_per_month = StringField(_l("Jasa per bulan (%)"), validators=[DataRequired()])
    frequency = SelectField(_l("Angsuran"), choices=[SelectChoice("monthly", _l("Bulanan")), SelectChoice("weekly", _l("Mingguan"))])
    min_term_months = IntegerField(_l("Jangka minimal (bulan)"), default=1, validators=[InputRequired(), NumberRange(1, 360)])
    max_term_months = IntegerField(_l("Jangka maksimal (bulan)"), default=36, validators=[InputRequired(), NumberRange(1, 360)])
    min_principal = RupiahField(_l("Plafon minimal (Rp)"), empty=0, default=100_000)
    max_principal = RupiahField(_l("Plafon maksimal (Rp)"), empty=0, default=100_000_000)
    grace_periods = IntegerField(_l("Masa tenggang pokok (angsuran)"), default=0, validators=[NumberRange(0, 120)])
    rounding_multiple = RupiahField(_l("Pembulatan angsuran ke kelipatan (Rp)"), default=100,
                                    validators=[InputRequired(), NumberRange(1, 1_000_000)])
    fee_percent = StringField(_l("Provisi (%)"), default="0")
    fee_fixed = RupiahField(_l("Biaya administrasi tetap (Rp)"), empty=0)
    fee_deducted = BooleanField(_l("Provisi dipotong saat pencairan"), default=True)
    penalty_kind = SelectField(_l("Denda"), choices=[SelectChoice("percent_overdue", _l("% dari tunggakan (sekali)")),
                                                 SelectChoice("percent_per_day", _l("% per hari")), SelectChoice("fixed", _l("Tetap (sekali)")),
                                                 SelectChoice("none", _l("Tanpa denda"))])
    penalty_percent = StringField(_l("Denda (%)"), default="1")
    penalty_fixed = RupiahField(_l("Denda tetap (Rp)"), empty=0)
    penalty_grace_days = IntegerField(_l("Hari toleransi denda"), default=15, validators=[NumberRange(0, 365)])
    allocation_order = StringField(_l("Urutan alokasi"), default="penalty,fee,interest,principal")
