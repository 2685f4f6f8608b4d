"""WTForms of the desk pages (imported only by coop/blueprints/desk.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from coop.desk import rules
from coop.registry import rules as registry_rules

REQ = _l("Wajib diisi.")
COUNTRY = Regexp(r"^[A-Za-z]{2}$", message=_l("Kode negara dua huruf (mis. HK)."))


class CaseForm(FlaskForm):
    nik = StringField(_l("NIK calon PMI"), validators=[DataRequired(REQ), Regexp(r"^\d{16}$", message=_l("NIK 16 digit."))])
    destination_country = StringField(_l("Negara tujuan (kode, mis. HK, TW, MY)"),
                                      validators=[DataRequired(REQ), COUNTRY])
    job_title = StringField(_l("Jabatan/pekerjaan"), validators=[DataRequired(REQ), Length(max=200)])
    job_type = SelectField(_l("Jenis pemberi kerja"), validators=[Optional()],
                           choices=[SelectChoice("", "-")] + [SelectChoice(k, _l(v)) for k, v in registry_rules.JOB_TYPE_LABELS.items()])
    scheme = SelectField(_l("Skema"), validators=[Optional()],
                         choices=[SelectChoice("", "-")] + [SelectChoice(s, s) for s in registry_rules.SCHEMES])
    agency_name = StringField(_l("Nama P3MI (perusahaan penempatan)"), validators=[Optional(), Length(max=200)])
    agency_licence_number = StringField(_l("Nomor SIP3MI"), validators=[Optional(), Length(max=100)])
    job_order_ref = StringField(_l("Nomor job order"), validators=[Optional(), Length(max=100)])
    contract_months = IntegerField(_l("Lama kontrak (bulan)"),
                                   validators=[Optional(), NumberRange(min=1, max=240)])
    opened_on = DateField(_l("Tanggal dibuka"), validators=[DataRequired(REQ)])


class DocumentForm(FlaskForm):
    code = SelectField(_l("Dokumen"), choices=[SelectChoice(c, c) for c in rules.DOCUMENT_CODES], validators=[DataRequired(REQ)])
    status = SelectField(_l("Status"), choices=[SelectChoice(s, s) for s in rules.DOCUMENT_STATUSES],
                         validators=[DataRequired(REQ)])
    number = StringField(_l("Nomor"), validators=[Optional(), Length(max=100)])
    expires_on = DateField(_l("Berlaku sampai"), validators=[Optional()])
    visa_kind = SelectField(_l("Jenis visa"), validators=[Optional()],
                            choices=[SelectChoice("", "-"), SelectChoice("work", _l("Visa kerja")),
                                     SelectChoice("visit", _l("Visa kunjungan")),
                                     SelectChoice("tourist", _l("Visa turis")), SelectChoice("other", _l("Lainnya"))])


class StageForm(FlaskForm):
    stage = HiddenField(validators=[DataRequired(REQ)])
    on = DateField(_l("Tanggal"), validators=[DataRequired(REQ)])
    reason = StringField(_l("Alasan"), validators=[Optional(), Length(max=300)])


class AgencyCheckForm(FlaskForm):
    licence_number = StringField(_l("Nomor SIP3MI yang diperiksa"), validators=[DataRequired(REQ), Length(max=100)])
    source = StringField(_l("Sumber (mis. SISKOP2MI)"), validators=[DataRequired(REQ), Length(max=200)])
    checked_on = DateField(_l("Tanggal periksa"), validators=[DataRequired(REQ)])
    result = SelectField(_l("Hasil"), choices=[SelectChoice("valid", _l("Terdaftar dan berlaku")),
                                               SelectChoice("invalid", _l("Tidak berlaku")),
                                               SelectChoice("not_found", _l("Tidak ditemukan"))])


class ConsultationForm(FlaskForm):
    nik = StringField(_l("NIK warga (bila terdaftar)"),
                      validators=[Optional(), Regexp(r"^\d{16}$", message=_l("NIK 16 digit."))])
    visitor_name = StringField(_l("Nama pengunjung (bila belum terdaftar)"), validators=[Optional(), Length(max=200)])
    held_on = DateField(_l("Tanggal"), validators=[DataRequired(REQ)])
    topic = SelectField(_l("Topik"), choices=[SelectChoice(k, _l(v)) for k, v in rules.CONSULTATION_TOPIC_LABELS.items()])
    country = StringField(_l("Negara yang ditanyakan"), validators=[Optional(), COUNTRY])
    note = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=2000)])
