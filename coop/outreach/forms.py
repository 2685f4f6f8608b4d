"""WTForms of the outreach pages (imported only by coop/blueprints/outreach.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from coop.outreach import rules

REQ = _l("Wajib diisi.")


class ConsentForm(FlaskForm):
    channel = SelectField(_l("Kanal"), choices=[SelectChoice("whatsapp", "WhatsApp"), SelectChoice("sms", "SMS")],
                          validators=[DataRequired(REQ)])
    phone = StringField(_l("Nomor HP"), validators=[DataRequired(REQ), Length(max=30)])
    given_on = DateField(_l("Tanggal persetujuan"), validators=[DataRequired(REQ)])
    purposes = SelectMultipleField(_l("Untuk keperluan"), choices=[SelectChoice(p, _l(rules.PURPOSE_LABELS[p]))
                                                                    for p in rules.PURPOSES],
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                   validators=[DataRequired(_l("Pilih paling sedikit satu keperluan."))])


class TemplateForm(FlaskForm):
    body = TextAreaField(_l("Teks pesan"), validators=[Length(max=rules.TEMPLATE_MAX)])
