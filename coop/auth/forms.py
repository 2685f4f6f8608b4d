from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from coop.auth.roles import ALL_ROLES, ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(message=_l("Wajib diisi."))])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(message=_l("Wajib diisi."))])


class UserForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(message=_l("Wajib diisi.")), Length(max=80)])
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(message=_l("Wajib diisi.")), Length(max=200)])
    role = SelectField(_l("Peran"), choices=[SelectChoice(r, _l(ROLE_LABELS[r])) for r in ALL_ROLES])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(message=_l("Wajib diisi.")),
                                                       Length(min=10, message=_l("Minimal 10 karakter."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(message=_l("Wajib diisi."))])
    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(message=_l("Wajib diisi.")),
                                                                Length(max=200)])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        DataRequired(message=_l("Wajib diisi.")), EqualTo("new_password", message=_l("Tidak sama."))])
