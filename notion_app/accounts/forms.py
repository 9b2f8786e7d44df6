"""The account forms (Flask-WTF, CSRF-protected): sign up, log in, change password, delete,
ask for a password reset, choose a new password, confirm an email address."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
PASSWORD_RULES = [
    DataRequired(),
    Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
           message=f"Use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."),
]
# Shown under a new password before the first try (the same numbers the validator checks).
PASSWORD_HELP = (
    f"At least {PASSWORD_MIN_LENGTH} characters (at most {PASSWORD_MAX_LENGTH}); any characters "
    "count, spaces too. A few words you will remember make a strong password."
)


class SignupForm(FlaskForm):
    email = EmailField(
        "Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField("Password", validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class LoginForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    password = PasswordField("New password", validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=256)])
    confirm = StringField('Type "delete" to confirm', validators=[DataRequired(), Length(max=20)])


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    """The new password, with the mailed link's token carried in the body (never logged)."""

    token = HiddenField(validators=[DataRequired(), Length(max=1000)])
    password = PasswordField("New password", validators=PASSWORD_RULES, description=PASSWORD_HELP)
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class ConfirmEmailForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=1000)])
