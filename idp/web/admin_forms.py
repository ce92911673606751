"""Forms of the administration pages (referents and support)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from idp.accounts.users import EMAIL_PATTERN
from idp.web.forms import Form

REQUIRED = _l("Ce champ est obligatoire")


class AccountForm(Form):
    family_name = StringField(_l("Nom*"), validators=[DataRequired(REQUIRED), Length(max=150)])
    given_name = StringField(_l("Prénom"), validators=[Optional(), Length(max=150)])
    email = StringField(
        _l("Email*"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(EMAIL_PATTERN, message=_l("Adresse électronique invalide")),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=40)])
    fax = StringField(_l("Fax"), validators=[Optional(), Length(max=40)])
    mobile = StringField(_l("Téléphone portable"), validators=[Optional(), Length(max=40)])
    profession = StringField(
        _l("Profession*"), validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    otp_required = BooleanField(_l("Double authentification"))
    national_id = StringField(
        _l("Identifiant national (RPPS, ADELI…) pour la carte CPS"),
        validators=[Optional(), Length(max=100)],
    )
    submit = SubmitField(_l("Enregistrer"))


class HabilitationFields(Form):
    profile_id = SelectField(_l("Profil"), coerce=int, validators=[DataRequired(REQUIRED)])
    establishment_id = SelectField(
        _l("Localisation"), coerce=int, validators=[DataRequired(REQUIRED)]
    )
    unit_id = SelectField(_l("Unité (facultatif)"), coerce=int, default=0)
    valid_from = DateField(_l("Valide du"), validators=[Optional()])
    valid_to = DateField(_l("au"), validators=[Optional()])
    receives_mails = BooleanField(_l("Réception des mails"))


class NewAccountForm(AccountForm, HabilitationFields):
    username = StringField(
        _l("Nom d'utilisateur*"), validators=[DataRequired(REQUIRED), Length(min=2, max=150)]
    )
    send_mail = BooleanField(_l("Envoyer un mail à l'utilisateur à l'enregistrement"), default=True)


class AddHabilitationForm(HabilitationFields):
    submit = SubmitField(_l("Ajouter l'habilitation"))


class ActionForm(Form):
    """A button that changes something (block, deactivate, end a habilitation…)."""

    submit = SubmitField()
