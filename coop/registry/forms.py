"""WTForms of the registry pages. Only types and choices here; the registry rules run in the service and
their field errors are put back on the form by the blueprint."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from coop.registry import rules
from coop.text import N_
from coop.web.forms import RupiahField

REQ = DataRequired(message=_l("Wajib diisi."))


def _choices(values, labels=None, blank=True) -> list[SelectChoice]:
    out = [SelectChoice("", _l("—"))] if blank else []
    return out + [SelectChoice(v, (labels or {}).get(v, v)) for v in values]


class ResidentForm(FlaskForm):
    nik = StringField(_l("NIK"), validators=[REQ], render_kw={"inputmode": "numeric", "maxlength": 16})
    kk_number = StringField(_l("Nomor KK"), validators=[REQ], render_kw={"inputmode": "numeric", "maxlength": 16})
    full_name = StringField(_l("Nama lengkap"), validators=[REQ])
    sex = SelectField(_l("Jenis kelamin"), choices=_choices(("F", "M"), {"F": N_("Perempuan"), "M": N_("Laki-laki")}, blank=False))
    birth_place = StringField(_l("Tempat lahir"), validators=[REQ])
    birth_date = DateField(_l("Tanggal lahir"), validators=[REQ])
    village_code = StringField(_l("Kode desa (10 digit)"), validators=[REQ], render_kw={"inputmode": "numeric"})
    address = StringField(_l("Alamat"), validators=[Optional()])
    rt = StringField(_l("RT"), validators=[Optional()], render_kw={"inputmode": "numeric", "maxlength": 3})
    rw = StringField(_l("RW"), validators=[Optional()], render_kw={"inputmode": "numeric", "maxlength": 3})
    dusun = StringField(_l("Dusun"), validators=[Optional()])
    phone = StringField(_l("Telepon"), validators=[Optional()], render_kw={"inputmode": "tel"})
    relationship = SelectField(_l("Hubungan dalam keluarga"), choices=_choices(rules.RELATIONSHIPS, rules.RELATIONSHIP_LABELS), default="")
    education = SelectField(_l("Pendidikan"), choices=_choices(rules.EDUCATION, rules.EDUCATION_LABELS), default="")
    occupation = StringField(_l("Pekerjaan"), validators=[Optional()])
    marital_status = SelectField(_l("Status perkawinan"), choices=_choices(rules.MARITAL_STATUSES, rules.MARITAL_LABELS), default="")
    status = SelectField(_l("Status penduduk"), choices=_choices(rules.RESIDENT_STATUSES, blank=False))

    FIELDS = ("nik", "kk_number", "full_name", "sex", "birth_place", "birth_date", "village_code", "address", "rt",
              "rw", "dusun", "phone", "relationship", "education", "occupation", "marital_status", "status")

    def to_data(self) -> dict:
        return {f: (getattr(self, f).data if getattr(self, f).data != "" else None) for f in self.FIELDS}


class HouseholdForm(FlaskForm):
    address = StringField(_l("Alamat"), validators=[Optional()])
    rt = StringField(_l("RT"), validators=[Optional()], render_kw={"inputmode": "numeric", "maxlength": 3})
    rw = StringField(_l("RW"), validators=[Optional()], render_kw={"inputmode": "numeric", "maxlength": 3})
    dusun = StringField(_l("Dusun"), validators=[Optional()])

    def to_data(self) -> dict:
        return {f: getattr(self, f).data or None for f in ("address", "rt", "rw", "dusun")}


class MigrationRecordForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_choices(
        rules.MIGRATION_STATUSES, {"calon": N_("Calon PMI"), "aktif": N_("PMI aktif"), "purna": N_("PMI purna")}, blank=False))
    country = SelectField(_l("Negara tujuan"), choices=[
        SelectChoice(c, _l(n)) for c, n in sorted(rules.COUNTRY_NAMES.items(), key=lambda kv: kv[1])])
    job_type = SelectField(_l("Jenis pekerjaan"), choices=_choices(rules.JOB_TYPES, rules.JOB_TYPE_LABELS), default="")
    sector = StringField(_l("Sektor"), validators=[Optional()])
    scheme = SelectField(_l("Skema penempatan"), choices=_choices(rules.SCHEMES), default="")
    procedural = BooleanField(_l("Prosedural (melalui jalur resmi)"), default=True)
    agency = StringField(_l("Perusahaan penempatan (P3MI)"), validators=[Optional()])
    passport_number = StringField(_l("Nomor paspor"), validators=[Optional()])
    passport_expiry = DateField(_l("Paspor berlaku sampai"), validators=[Optional()])
    departure_date = DateField(_l("Tanggal berangkat"), validators=[Optional()])
    contract_start_date = DateField(_l("Kontrak mulai"), validators=[Optional()])
    contract_end_date = DateField(_l("Kontrak selesai"), validators=[Optional()])
    return_date = DateField(_l("Tanggal pulang"), validators=[Optional()])
    return_reason = StringField(_l("Alasan pulang"), validators=[Optional()])
    monthly_remittance = RupiahField(_l("Perkiraan kiriman uang per bulan (Rp)"), validators=[Optional()])
    notes = TextAreaField(_l("Catatan"), validators=[Optional()])
    doc_marital_status_letter = BooleanField(_l(rules.DOCUMENT_LABELS["marital_status_letter"]))
    doc_family_permission = BooleanField(_l(rules.DOCUMENT_LABELS["family_permission"]))
    doc_health = BooleanField(_l(rules.DOCUMENT_LABELS["health"]))
    doc_competence = BooleanField(_l(rules.DOCUMENT_LABELS["competence"]))
    doc_passport = BooleanField(_l(rules.DOCUMENT_LABELS["passport"]))
    doc_work_visa = BooleanField(_l(rules.DOCUMENT_LABELS["work_visa"]))
    doc_placement_agreement = BooleanField(_l(rules.DOCUMENT_LABELS["placement_agreement"]))
    doc_work_contract = BooleanField(_l(rules.DOCUMENT_LABELS["work_contract"]))
    doc_bpjs = BooleanField(_l(rules.DOCUMENT_LABELS["bpjs"]))

    FIELDS = ("status", "country", "job_type", "sector", "scheme", "procedural", "agency", "passport_number",
              "passport_expiry", "departure_date", "contract_start_date", "contract_end_date", "return_date",
              "return_reason", "monthly_remittance", "notes")
    #: service field name -> form field name where they differ
    ERROR_FIELDS = {"departure_on": "departure_date", "return_on": "return_date", "is_procedural": "procedural",
                    "passport_expires_on": "passport_expiry", "contract_start_on": "contract_start_date",
                    "contract_end_on": "contract_end_date"}

    def to_data(self) -> dict:
        data = {f: (getattr(self, f).data if getattr(self, f).data != "" else None) for f in self.FIELDS}
        for d in rules.DOCUMENTS:
            data[f"has_{d}_doc"] = bool(getattr(self, f"doc_{d}").data)
        return data

    def fill(self, m) -> None:
        for form_name, attr in (("status", "status"), ("country", "country"), ("job_type", "job_type"),
                                ("sector", "sector"), ("scheme", "scheme"), ("procedural", "is_procedural"),
                                ("agency", "agency"), ("passport_number", "passport_number"),
                                ("passport_expiry", "passport_expires_on"), ("departure_date", "departure_on"),
                                ("contract_start_date", "contract_start_on"), ("contract_end_date", "contract_end_on"),
                                ("return_date", "return_on"), ("return_reason", "return_reason"),
                                ("monthly_remittance", "monthly_remittance"), ("notes", "notes")):
            getattr(self, form_name).data = getattr(m, attr)
        for d in rules.DOCUMENTS:
            getattr(self, f"doc_{d}").data = getattr(m, f"has_{d}_doc")


class ImportForm(FlaskForm):
    """A file, or ``staged``: the token of the file kept after a dry run ("Impor file ini" without choosing
    it again); the view asks for a file when there is neither."""
    file = FileField(_l("Berkas CSV atau XLSX"))
    dry_run = BooleanField(_l("Uji coba saja (tidak disimpan)"), default=True)
    staged = HiddenField()
