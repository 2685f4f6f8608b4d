"""WTForms of the community-parenting pages (imported only by coop/blueprints/parenting.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coop.parenting import rules

REQ = _l("Wajib diisi.")


def _choices(labels: dict) -> list:
    return [SelectChoice(k, _l(v)) for k, v in labels.items()]


def _opt_int(value):
    return int(value) if value not in (None, "", "None") else None


class CsrfForm(FlaskForm):
    """No fields: carries the CSRF token of a button form."""


class ChildForm(FlaskForm):
    resident_id = SelectField(_l("Anak"), coerce=int, validators=[InputRequired(REQ)])
    caregiver_resident_id = SelectField(_l("Pengasuh"), coerce=int, validators=[InputRequired(REQ)])
    group_id = SelectField(_l("Kelompok"), coerce=_opt_int, validators=[Optional()])
    school_status = SelectField(_l("Status sekolah"), choices=_choices(rules.SCHOOL_STATUS_LABELS))
    school_name = StringField(_l("Nama sekolah"), validators=[Optional(), Length(max=200)])
    consent_given_by = SelectField(_l("Persetujuan diberikan oleh"), coerce=int, validators=[InputRequired(REQ)])
    consent_given_on = DateField(_l("Tanggal persetujuan"), validators=[DataRequired(REQ)])
    consent_method = SelectField(_l("Cara persetujuan"), choices=_choices(rules.CONSENT_METHOD_LABELS))


class GroupForm(FlaskForm):
    name = StringField(_l("Nama kelompok"), validators=[DataRequired(REQ), Length(max=200)])
    facilitator = StringField(_l("Pendamping"), validators=[Optional(), Length(max=200)])


class SessionForm(FlaskForm):
    kind = SelectField(_l("Jenis kegiatan"), choices=_choices(rules.SESSION_KIND_LABELS))
    held_on = DateField(_l("Tanggal"), validators=[DataRequired(REQ)])
    topic = StringField(_l("Topik"), validators=[DataRequired(REQ), Length(max=300)])
    facilitator = StringField(_l("Pendamping"), validators=[DataRequired(REQ), Length(max=200)])
    group_id = SelectField(_l("Kelompok"), coerce=_opt_int, validators=[Optional()])


class ContactForm(FlaskForm):
    contacted_on = DateField(_l("Tanggal kontak"), validators=[DataRequired(REQ)])
    method = SelectField(_l("Cara"), choices=_choices(rules.CONTACT_METHOD_LABELS))
    note = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=2000)])


class WithdrawForm(FlaskForm):
    withdrawn_on = DateField(_l("Tanggal penarikan persetujuan"), validators=[DataRequired(REQ)])
    reason = StringField(_l("Alasan"), validators=[Optional(), Length(max=2000)])
