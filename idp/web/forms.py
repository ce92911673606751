"""The hosted forms (Flask-WTF: every form carries a CSRF token)."""

import functools
from typing import Any

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class Form(FlaskForm):
    """Every hosted form. WTForms' own messages are translated from a catalogue read once per
    worker and language: Flask-WTF reads it from disk for every request that builds a form
    (a fifth of the login page's CPU, bench/RESULTS.md)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            return _wtforms_catalogue(str(get_locale()))


@functools.lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class LoginForm(Form):
    request_id = HiddenField()
    username = StringField(
        _l("Nom d'utilisateur"),
        validators=[DataRequired(_l("Veuillez indiquer votre nom d'utilisateur")), Length(max=150)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Veuillez indiquer votre mot de passe")), Length(max=1024)],
    )
    submit = SubmitField(_l("Se connecter"))


class OtpForm(Form):
    otp = StringField(
        _l("Code reçu par courriel"),
        validators=[DataRequired(_l("Veuillez saisir le code reçu")), Length(max=12)],
    )
    submit = SubmitField(_l("Valider"))


class AppCodeForm(Form):
    otp = StringField(
        _l("Code de l'application d'authentification, ou code de secours"),
        validators=[DataRequired(_l("Veuillez saisir le code")), Length(max=32)],
    )
    submit = SubmitField(_l("Valider"))


class ResendForm(Form):
    resend = SubmitField(_l("Je n'ai pas reçu de code"))


class CharterForm(Form):
    request_id = HiddenField(validators=[DataRequired()])
    accept = SubmitField(_l("J'accepte les conditions d'utilisation"))


class ConsentForm(Form):
    request_id = HiddenField(validators=[DataRequired()])
    allow = SubmitField(_l("Autoriser"))
    deny = SubmitField(_l("Refuser"))


class LogoutForm(Form):
    submit = SubmitField(_l("Se déconnecter"))


class ForgotPasswordForm(Form):
    username = StringField(
        _l("Nom d'utilisateur"),
        validators=[
            DataRequired(_l("Veuillez indiquer votre nom d'utilisateur")),
            Length(max=150),
        ],
    )
    captcha_id = HiddenField(validators=[DataRequired()])
    captcha = StringField(
        _l("Code de sécurité à recopier"),
        validators=[DataRequired(_l("Recopiez le code affiché")), Length(max=32)],
    )
    submit = SubmitField(_l("Regénérer mon mot de passe"))


class NewPasswordForm(Form):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(_l("Veuillez choisir un mot de passe")), Length(max=1024)],
    )
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[EqualTo("password", _l("Les deux mots de passe diffèrent"))],
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Mot de passe actuel"),
        validators=[
            DataRequired(_l("Veuillez indiquer votre mot de passe actuel")),
            Length(max=1024),
        ],
    )


class ConfirmTotpForm(Form):
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(_l("Veuillez saisir votre mot de passe")), Length(max=1024)],
    )
    current_code = StringField(
        _l("Code de l'application actuelle (ou code de secours)"),
        validators=[Optional(), Length(max=32)],
    )
    code = StringField(
        _l("Code affiché par l'application"),
        validators=[DataRequired(_l("Veuillez saisir le code")), Length(max=12)],
    )
    submit = SubmitField(_l("Activer l'application"))


class RevokeDeviceForm(Form):
    device_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Oublier cet appareil"))


class EverywhereForm(Form):
    everywhere = SubmitField(_l("Se déconnecter partout"))


class PscUnlinkForm(Form):
    unlink = SubmitField(_l("Détacher ma carte CPS / e-CPS"))


class ConfirmEmailForm(Form):
    submit = SubmitField(_l("Confirmer cette adresse"))


class PasskeyForm(Form):
    """A browser's WebAuthn answer, filled in by ``static/passkeys.js``."""

    challenge_id = HiddenField(validators=[DataRequired(), Length(max=64)])
    credential = HiddenField(validators=[DataRequired(), Length(max=16_384)])
    submit = SubmitField(_l("Se connecter avec une clé d'accès"))


class PasskeySecondForm(PasskeyForm):
    submit = SubmitField(_l("Utiliser ma clé d'accès"))


class PasskeyFallbackForm(Form):
    submit = SubmitField(_l("Je n'ai pas ma clé d'accès : recevoir un code à la place"))


class PasskeyEnrolForm(PasskeyForm):
    name = StringField(
        _l("Nom de la clé d'accès (pour la reconnaître)"),
        validators=[Optional(), Length(max=60)],
    )
    submit = SubmitField(_l("Ajouter une clé d'accès"))


class PasskeyRenameForm(Form):
    name = StringField(
        _l("Nouveau nom"), validators=[DataRequired(_l("Indiquez un nom")), Length(max=60)]
    )
    submit = SubmitField(_l("Renommer"))


class PasskeyRemoveForm(Form):
    submit = SubmitField(_l("Retirer cette clé d'accès"))
