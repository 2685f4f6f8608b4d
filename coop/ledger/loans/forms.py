"""WTForms of the loan pages (imported only by coop/blueprints/loans.py)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coop.ledger.forms import RupiahField


class ApplicationForm(FlaskForm):
    member_id = SelectField("Anggota", coerce=int, validate_choice=False)
    product_id = SelectField("Produk pinjaman", coerce=int, validate_choice=False)
    principal = RupiahField("Pokok pinjaman (Rp)", validators=[InputRequired()])
    term_months = IntegerField("Jangka waktu (bulan)", validators=[InputRequired(), NumberRange(1, 360)])
    purpose = StringField("Tujuan pinjaman", validators=[DataRequired("Tujuan wajib diisi."), Length(max=300)])
    business_id = SelectField("Usaha (dari pelatihan)", coerce=int, validate_choice=False)
    business_description = TextAreaField("Uraian usaha / rencana usaha", validators=[Optional(), Length(max=2000)])
    guarantor_member_id = SelectField("Penjamin (anggota lain)", coerce=int, validate_choice=False)
    collateral_description = StringField("Jaminan", validators=[Optional(), Length(max=300)])
    collateral_value = RupiahField("Nilai jaminan (Rp)")
    applied_on = DateField("Tanggal pengajuan", validators=[InputRequired()])


class DecisionForm(FlaskForm):
    decision = SelectField("Keputusan", choices=[SelectChoice("approve", "Setujui"), SelectChoice("reject", "Tolak")])
    note = StringField("Catatan / alasan", validators=[Optional(), Length(max=500)])


class DisburseForm(FlaskForm):
    disbursed_on = DateField("Tanggal pencairan", validators=[InputRequired()])
    first_due_date = DateField("Jatuh tempo angsuran pertama", validators=[InputRequired()])
    mode = SelectField("Cara pencairan", choices=[SelectChoice("cash", "Tunai"), SelectChoice("savings", "Ke simpanan sukarela")])


class RepayForm(FlaskForm):
    amount = RupiahField("Jumlah bayar (Rp)", validators=[InputRequired()])
    paid_on = DateField("Tanggal bayar", validators=[InputRequired()])
    channel = SelectField("Dari", choices=[SelectChoice("cash", "Tunai"), SelectChoice("savings", "Simpanan sukarela")])


class PayoffForm(FlaskForm):
    paid_on = DateField("Tanggal pelunasan", validators=[InputRequired()])


class NoteForm(FlaskForm):
    note = StringField("Alasan", validators=[Optional(), Length(max=500)])
    on = DateField("Tanggal", validators=[Optional()])


class RecoveryForm(FlaskForm):
    amount = RupiahField("Jumlah diterima (Rp)", validators=[InputRequired()])
    received_on = DateField("Tanggal terima", validators=[InputRequired()])


class RescheduleForm(FlaskForm):
    on = DateField("Tanggal jadwal ulang", validators=[InputRequired()])
    term_months = IntegerField("Jangka baru (bulan)", validators=[InputRequired(), NumberRange(1, 360)])
    first_due_date = DateField("Jatuh tempo pertama jadwal baru", validators=[InputRequired()])


class ProductForm(FlaskForm):
    name = StringField("Nama produk", validators=[DataRequired(), Length(max=120)])
    method = SelectField("Metode jasa", choices=[SelectChoice("flat", "Flat"), SelectChoice("efektif", "Efektif (menurun)"),
                                                 SelectChoice("anuitas", "Anuitas")])
    rate_percent_per_month = StringField("Jasa per bulan (%)", validators=[DataRequired()])
    frequency = SelectField("Angsuran", choices=[SelectChoice("monthly", "Bulanan"), SelectChoice("weekly", "Mingguan")])
    min_term_months = IntegerField("Jangka minimal (bulan)", default=1, validators=[InputRequired(), NumberRange(1, 360)])
    max_term_months = IntegerField("Jangka maksimal (bulan)", default=36, validators=[InputRequired(), NumberRange(1, 360)])
    min_principal = RupiahField("Plafon minimal (Rp)", default=100_000)
    max_principal = RupiahField("Plafon maksimal (Rp)", default=100_000_000)
    grace_periods = IntegerField("Masa tenggang pokok (angsuran)", default=0, validators=[NumberRange(0, 120)])
    rounding_multiple = IntegerField("Pembulatan angsuran ke kelipatan (Rp)", default=100,
                                     validators=[NumberRange(1, 1_000_000)])
    fee_percent = StringField("Provisi (%)", default="0")
    fee_fixed = RupiahField("Biaya administrasi tetap (Rp)")
    fee_deducted = BooleanField("Provisi dipotong saat pencairan", default=True)
    penalty_kind = SelectField("Denda", choices=[SelectChoice("percent_overdue", "% dari tunggakan (sekali)"),
                                                 SelectChoice("percent_per_day", "% per hari"), SelectChoice("fixed", "Tetap (sekali)"),
                                                 SelectChoice("none", "Tanpa denda")])
    penalty_percent = StringField("Denda (%)", default="1")
    penalty_fixed = RupiahField("Denda tetap (Rp)")
    penalty_grace_days = IntegerField("Hari toleransi denda", default=15, validators=[NumberRange(0, 365)])
    allocation_order = StringField("Urutan alokasi", default="penalty,fee,interest,principal")
