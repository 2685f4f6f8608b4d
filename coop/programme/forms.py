"""Forms of the programme pages (web layer: imported only by coop.blueprints.programme)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

_REQUIRED = DataRequired(message=_l("Wajib diisi."))


class RegionForm(FlaskForm):
    class Meta:
        csrf = False

    region = StringField(_l("Kode wilayah"), validators=[Optional(), Length(max=20)])
    from_ = DateField(_l("Dari tanggal"), validators=[Optional()])
    to = DateField(_l("Sampai tanggal"), validators=[Optional()])
    group_by = SelectField(_l("Kelompokkan per"), default="village", validators=[Optional()], choices=[
        SelectChoice("village", _l("Desa")), SelectChoice("district", _l("Kecamatan")),
        SelectChoice("regency", _l("Kabupaten/Kota")), SelectChoice("province", _l("Provinsi"))])


class SnapshotForm(FlaskForm):
    region = StringField(_l("Kode wilayah"), validators=[Optional(), Length(max=20)])
    period = StringField(_l("Periode (mis. 2027-S1)"), validators=[_REQUIRED, Length(max=20)])


class OnboardForm(FlaskForm):
    name = StringField(_l("Nama koperasi"), validators=[_REQUIRED, Length(max=200)])
    village_code = StringField(_l("Kode desa (10 digit)"), validators=[_REQUIRED, Length(max=13)])
    legal_number = StringField(_l("Nomor badan hukum (AHU)"), validators=[Optional(), Length(max=100)])
    founded_on = DateField(_l("Tanggal berdiri"), validators=[Optional()])
    admin_username = StringField(_l("Nama pengguna admin"), validators=[_REQUIRED, Length(max=80)])
    admin_full_name = StringField(_l("Nama lengkap admin"), validators=[_REQUIRED, Length(max=200)])
    admin_password = PasswordField(_l("Kata sandi admin"), validators=[
        _REQUIRED, Length(min=10, message=_l("Minimal 10 karakter."))])


class CoordinatorForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[_REQUIRED, Length(max=80)])
    full_name = StringField(_l("Nama lengkap"), validators=[_REQUIRED, Length(max=200)])
    region = StringField(_l("Kode wilayah"), validators=[_REQUIRED, Length(max=20)])
    password = PasswordField(_l("Kata sandi"), validators=[_REQUIRED, Length(min=10, message=_l("Minimal 10 karakter."))])
