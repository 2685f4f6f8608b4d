from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from coop.auth.roles import ALL_ROLES, ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired(message="Wajib diisi.")])
    password = PasswordField("Kata sandi", validators=[DataRequired(message="Wajib diisi.")])


class UserForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[DataRequired(message="Wajib diisi."), Length(max=80)])
    full_name = StringField("Nama lengkap", validators=[DataRequired(message="Wajib diisi."), Length(max=200)])
    role = SelectField("Peran", choices=[(r, ROLE_LABELS[r]) for r in ALL_ROLES])
    password = PasswordField("Kata sandi", validators=[DataRequired(message="Wajib diisi."),
                                                       Length(min=8, message="Minimal 8 karakter.")])
