"""Pages of one's own account: forgotten password and username, "Mon compte"."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from idp.authn.app_enrolment import ReauthenticationError
from idp.authn.captcha import Captchas
from idp.authn.email_changes import EmailLinkInvalidError
from idp.authn.password_changes import ResetLinkInvalidError
from idp.authn.password_policy import WeakPasswordError
from idp.authn.passwords import InvalidCredentialsError
from idp.authn.totp import TotpCodeError
from idp.storage.models import User
from idp.web import errors
from idp.web.context import clear_sid, ctx, current_sid, password_changes, services
from idp.web.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    ConfirmTotpForm,
    EverywhereForm,
    ForgotPasswordForm,
    NewPasswordForm,
    PscUnlinkForm,
    RevokeDeviceForm,
)
from idp.web.limits import captcha_audio_limit, captcha_limit, limiter, login_limit

bp = Blueprint("account", __name__)
errors.handle(bp, errors.html)

WEAK_MESSAGES = {
    "too_short": _l("Le mot de passe doit compter au moins 12 caractères."),
    "too_long": _l("Le mot de passe ne peut pas dépasser 1024 caractères."),
    "contains_username": _l("Le mot de passe ne doit pas contenir votre nom d'utilisateur."),
    "guessable": _l(
        "Ce mot de passe est trop facile à deviner : essayez une phrase de "
        "plusieurs mots sans lien entre eux."
    ),
}


def _captchas() -> Captchas:
    return services().captchas


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if not _captchas().check(form.captcha_id.data, form.captcha.data):
            form.captcha.errors.append(
                _("Le code recopié est incorrect : recopiez le nouveau code affiché.")
            )
        else:
            password_changes().request_reset(form.username.data)  # mailed off this request
            return _message(
                _(
                    "Si ce nom d'utilisateur correspond à un compte actif dont "
                    "l'adresse électronique est validée, un courriel vient d'y être "
                    "envoyé avec un lien valable 30 minutes pour choisir un nouveau "
                    "mot de passe."
                )
            )
    form.captcha_id.data = _captchas().new()
    form.captcha.data = ""
    return render_template("forgot_password.html", form=form), 400 if form.errors else 200


@bp.get("/captcha/<captcha_id>.png")
@limiter.limit(captcha_limit)
def captcha_image(captcha_id: str) -> ResponseReturnValue:
    return _media(_captchas().image(captcha_id), "image/png")


@bp.get("/captcha/<captcha_id>.wav")
@limiter.limit(captcha_audio_limit)
def captcha_audio(captcha_id: str) -> ResponseReturnValue:
    return _media(_captchas().audio(captcha_id), "audio/wav")


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def confirm_email(token: str) -> ResponseReturnValue:
    """The link mailed to a new address: a button (link scanners only GET), then done."""
    changes = services().email_changes
    try:
        user = changes.target(token)
    except EmailLinkInvalidError:
        return _invalid_email_link()
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            changes.confirm(token)
        except EmailLinkInvalidError:
            return _invalid_email_link()
        return _message(
            _(
                "Votre adresse électronique est confirmée : vos codes de connexion y seront "
                "envoyés."
            ),
            link=url_for("authorize.login"),
        )
    return render_template("confirm_email.html", form=form, email=user.pending_email)


def _invalid_email_link() -> Response:
    return _message(
        _(
            "Ce lien n'est plus valable (il a expiré, a déjà servi, ou une autre adresse a "
            "été indiquée depuis). Demandez à un référent de votre établissement de "
            "l'envoyer à nouveau."
        ),
        400,
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        user = password_changes().reset_target(token)
    except ResetLinkInvalidError:
        return _invalid_link()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_changes().reset(token, form.password.data, request.form.get("app_code", ""))
        except TotpCodeError:
            form.password.errors.append(
                _("Le code de l'application d'authentification est incorrect.")
            )
        except WeakPasswordError as error:
            form.password.errors.append(str(WEAK_MESSAGES[error.reason]))
        except ResetLinkInvalidError:
            return _invalid_link()
        else:
            return _message(
                _("Votre mot de passe a été changé. Vous pouvez vous connecter."),
                link=url_for("authorize.login"),
            )
    return render_template(
        "reset_password.html",
        form=form,
        username=user.username,
        needs_app_code=password_changes().totp.is_enrolled(user),
    ), (400 if form.errors else 200)


@bp.get("/username/forgot")
def forgot_username() -> ResponseReturnValue:
    settings = ctx().settings
    return render_template(
        "forgot_username.html", email=settings.support_email, phone=settings.support_phone
    )


@bp.route("/account", methods=["GET", "POST"])
def account() -> ResponseReturnValue:
    user = services().security.signed_in_user(current_sid())
    if user is None:
        return redirect(url_for("authorize.login"))
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            password_changes().change(user, form.current.data, form.password.data)
        except InvalidCredentialsError:
            form.current.errors.append(_("Le mot de passe actuel est incorrect."))
        except WeakPasswordError as error:
            form.password.errors.append(str(WEAK_MESSAGES[error.reason]))
        else:
            response = _message(
                _(
                    "Votre mot de passe a été changé : vos sessions et vos "
                    "appareils mémorisés ont été fermés. Reconnectez-vous."
                ),
                link=url_for("authorize.login"),
            )
            clear_sid(response)
            return response
    devices = services().security.devices_of(user)
    totp = services().totp
    totp_enrolled = totp.is_enrolled(user)
    recovery_left = totp.remaining_recovery_codes(user) if totp_enrolled else 0
    return render_template(
        "account.html",
        own_habilitations=services().security.own_habilitations(user),
        totp_enrolled=totp_enrolled,
        recovery_left=recovery_left,
        user=user,
        form=form,
        devices=devices,
        revoke=RevokeDeviceForm(formdata=None),
        everywhere=EverywhereForm(),
        unlink=PscUnlinkForm(formdata=None),
    ), (400 if form.errors else 200)


@bp.get("/account/referents")
def my_referents() -> ResponseReturnValue:
    """ "Mes référents": for each of my habilitations, the referents of its place."""
    user = _signed_in_user()
    rows = services().security.referents_for(user)
    return render_template("referents.html", rows=rows)


@bp.route("/account/totp", methods=["GET", "POST"])
def enrol_totp() -> ResponseReturnValue:
    user = _signed_in_user()
    apps = services().apps
    replacing = apps.totp.is_enrolled(user)
    form = ConfirmTotpForm()
    if form.validate_on_submit():
        try:
            codes = apps.confirm(
                user, form.password.data, form.current_code.data or "", form.code.data
            )
        except ReauthenticationError as error:
            if error.reason == "password":
                form.password.errors.append(_("Le mot de passe est incorrect."))
            else:
                form.current_code.errors.append(
                    _("Le code de l'application actuelle est incorrect.")
                )
        except TotpCodeError:
            form.code.errors.append(
                _(
                    "Ce code ne correspond pas : vérifiez l'heure du téléphone "
                    "et saisissez le code affiché maintenant."
                )
            )
        else:
            return render_template("totp_recovery.html", codes=codes)
    enrolment = apps.begin(user)
    page = render_template(
        "totp_enrol.html",
        form=form,
        replacing=replacing,
        qr=enrolment.qr_data_uri(),
        secret=" ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)),
    )
    return page, 400 if form.errors else 200


@bp.post("/account/devices/revoke")
def revoke_device() -> ResponseReturnValue:
    user = _signed_in_user()
    form = RevokeDeviceForm()
    if form.validate_on_submit() and form.device_id.data.isdigit():
        services().security.forget_device(user, int(form.device_id.data))
    return redirect(url_for("account.account"))


@bp.post("/account/psc/unlink")
def psc_unlink() -> ResponseReturnValue:
    """Detach the national identifier: CPS / e-CPS logins stop finding this account."""
    user = _signed_in_user()
    if not PscUnlinkForm().validate_on_submit():
        abort(400)
    services().security.unlink_psc(user)
    return redirect(url_for("account.account"))


@bp.post("/account/everywhere")
def sign_out_everywhere() -> ResponseReturnValue:
    user = _signed_in_user()
    if not EverywhereForm().validate_on_submit():
        abort(400)
    services().security.sign_out_everywhere(user)
    response = redirect(url_for("pages.logged_out"))
    clear_sid(response)
    return response


def _signed_in_user() -> User:
    user = services().security.signed_in_user(current_sid())
    if user is None:
        abort(redirect(url_for("authorize.login")))
    return user


def _media(body: bytes | None, mimetype: str) -> Response:
    if body is None:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(text: str, status: int = 200, link: str | None = None) -> Response:
    body = render_template("message.html", text=text, link=link)
    return Response(body, status=status, mimetype="text/html")


def _invalid_link() -> Response:
    return _message(
        _(
            "Ce lien n'est plus valable (il a expiré, a déjà servi, ou le mot de passe "
            "a changé depuis). Refaites une demande de mot de passe oublié."
        ),
        400,
        link=url_for("account.forgot_password"),
    )
