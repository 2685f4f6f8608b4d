"""WTForms of the reports pages (imported only by the blueprint)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired


class CloseYearForm(FlaskForm):
    """No fields: the year comes from the page; the form carries the CSRF token."""


class AllocateForm(FlaskForm):
    decided_on = DateField(_l("Tanggal keputusan RAT"), validators=[DataRequired(message=_l("Wajib diisi."))])


class PayForm(FlaskForm):
    via = SelectField(_l("Dibayar"), choices=[SelectChoice("sukarela", _l("Masuk simpanan sukarela")),
                                              SelectChoice("cash", _l("Tunai"))])
    value_date = DateField(_l("Tanggal bayar"), validators=[DataRequired(message=_l("Wajib diisi."))])
