"""WTForms of the training pages (imported only by coop/blueprints/training.py)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from coop.training.followup import SECTOR_LABELS, SECTORS
from coop.training.rules import ADMISSION_LABELS
from coop.web.forms import RupiahField

REQ = _l("Wajib diisi.")


class CsrfForm(FlaskForm):
    """No fields: carries the CSRF token of a button form."""


class ProgramForm(FlaskForm):
    name = StringField(_l("Nama program"), validators=[DataRequired(REQ), Length(max=200)])
    topic = StringField(_l("Topik"), validators=[DataRequired(REQ), Length(max=200)])
    organiser = StringField(_l("Penyelenggara (mis. Disnaker, BP3MI)"), validators=[DataRequired(REQ), Length(max=200)])
    funder = StringField(_l("Sumber dana"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Keterangan"), validators=[Optional(), Length(max=5000)])


def parse_session_dates(text: str) -> list[date]:
    """One ISO date (YYYY-MM-DD) per line or separated by commas."""
    out = []
    for part in (text or "").replace(",", "\n").split():
        try:
            out.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise ValidationError(gettext("Tanggal tidak valid: %(part)s (tulis TTTT-BB-HH).", part=part)) from None
    return out


class CohortForm(FlaskForm):
    name = StringField(_l("Nama angkatan (kosongkan: otomatis)"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("Tanggal mulai"), validators=[DataRequired(REQ)])
    ends_on = DateField(_l("Tanggal selesai"), validators=[DataRequired(REQ)])
    venue = StringField(_l("Tempat"), validators=[DataRequired(REQ), Length(max=200)])
    capacity = IntegerField(_l("Kapasitas peserta"), default=20, validators=[DataRequired(REQ), NumberRange(min=1, max=10000)])
    sessions = TextAreaField(_l("Tanggal sesi (satu per baris, TTTT-BB-HH)"), validators=[DataRequired(REQ)])
    trainers = TextAreaField(_l("Pelatih / narasumber (satu per baris)"), validators=[Optional(), Length(max=2000)])
    allowance_amount = RupiahField(_l("Uang saku per peserta (Rp, 0 = tidak ada)"), default=0, empty=0, maximum=100_000_000,
                                   validators=[Optional()])
    admission = SelectField(_l("Peserta yang diterima"), choices=[SelectChoice(k, _l(v)) for k, v in ADMISSION_LABELS.items()], default="pmi")

    def validate_sessions(self, field):
        self.session_dates = parse_session_dates(field.data)


class EnrolForm(FlaskForm):
    resident_id = IntegerField(_l("ID warga"), validators=[DataRequired(REQ), NumberRange(min=1)])


class RejectForm(FlaskForm):
    reason = StringField(_l("Alasan penolakan"), validators=[DataRequired(REQ), Length(max=300)])


class RevokeForm(FlaskForm):
    reason = StringField(_l("Alasan pencabutan"), validators=[DataRequired(_l("Alasan pencabutan wajib diisi.")),
                                                               Length(max=300)])


class FollowUpForm(FlaskForm):
    done_on = DateField(_l("Tanggal kunjungan"), validators=[DataRequired(REQ)])
    business_started = BooleanField(_l("Sudah memulai usaha"))
    name = StringField(_l("Nama usaha"), validators=[Optional(), Length(max=200)])
    kind = StringField(_l("Jenis usaha (mis. keripik pisang)"), validators=[Optional(), Length(max=120)])
    sector = SelectField(_l("Sektor"), choices=[SelectChoice(s, _l(SECTOR_LABELS[s])) for s in SECTORS], default="pangan")
    nib = StringField(_l("NIB (Nomor Induk Berusaha)"), validators=[Optional(), Length(max=20)])
    pirt = StringField(_l("Nomor PIRT"), validators=[Optional(), Length(max=30)])
    halal = StringField(_l("Nomor sertifikat halal"), validators=[Optional(), Length(max=40)])
    monthly_revenue = RupiahField(_l("Omzet per bulan (Rp)"), default=0, empty=0, validators=[Optional()])
    workers = IntegerField(_l("Jumlah pekerja"), default=1, validators=[Optional(), NumberRange(min=0, max=100000)])
    business_group = StringField(_l("Kelompok usaha"), validators=[Optional(), Length(max=200)])
    started_on = DateField(_l("Mulai usaha"), validators=[Optional()])
    notes = TextAreaField(_l("Catatan pendampingan"), validators=[Optional(), Length(max=5000)])


class ResidentLoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQ), Length(min=3, max=80)])
    password = PasswordField(_l("Kata sandi (min. 10 karakter)"), validators=[DataRequired(REQ), Length(min=10, max=200)])
