"""Passkey pages: sign in with one, give one as the second factor, and manage one's own.

The browser's part is ``static/passkeys.js``: it asks ``/passkeys/options`` for a challenge
(JSON, with the page's CSRF token), hands it to ``navigator.credentials``, and posts the
answer in an ordinary form, so that the login ends as every other (``finish_login``). A
challenge is bound to this browser's step: a login of this browser (a random value in its
session), the password step it follows, or the account page's SSO session.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from idp.authn import aaguids
from idp.authn.context import ACR_EMAIL_OTP, ACR_LEVELS, ACR_PSC, AMR_REMEMBERED
from idp.authn.login import LoginStep
from idp.authn.otp import ChallengeExpiredError
from idp.authn.passkeys import (
    ClonedAuthenticatorError,
    PasskeyError,
    PasskeyNotAllowedError,
    Passkeys,
)
from idp.authn.sessions import SsoSession
from idp.storage.models import User
from idp.web import errors
from idp.web.authorize import APP_CHALLENGE_KEY, CHALLENGE_KEY
from idp.web.authorize import PASSKEY_SECOND_KEY as SECOND_KEY
from idp.web.context import ctx, current_sid, password_login, services
from idp.web.forms import (
    PasskeyEnrolForm,
    PasskeyFallbackForm,
    PasskeyForm,
    PasskeyRemoveForm,
    PasskeyRenameForm,
    PasskeySecondForm,
)
from idp.web.limits import limiter, login_limit
from idp.web.login_journey import AFTER_LOGIN_KEY, bound_pending, finish_login

bp = Blueprint("passkeys", __name__)
errors.handle(bp, errors.html)
BINDING_KEY = "passkey_binding"
#: how recent the sign-in that adds or removes a passkey must be
FRESH_SECONDS = 300

MESSAGES = {
    "passkey_challenge_expired": _l("La demande a expiré : recommencez."),
    "passkey_unknown": _l("Cette clé d'accès n'est pas reconnue pour ce compte."),
    "passkey_cloned": _l(
        "Connexion refusée : cette clé d'accès semble avoir été copiée. Un courriel vous a "
        "été envoyé ; utilisez un autre moyen de connexion."
    ),
    "passkey_model_not_allowed": _l(
        "Ce modèle de clé n'est pas homologué par votre structure : utilisez une clé de la "
        "liste qu'elle vous a indiquée."
    ),
}


def _message(error: PasskeyError) -> str:
    return str(MESSAGES.get(error.code, _("La clé d'accès n'a pas pu être vérifiée.")))


def _passkeys() -> Passkeys:
    return services().passkeys


def _binding() -> str:
    """A random value of this browser's session, for the challenges of its logins."""
    value = session.get(BINDING_KEY)
    if not isinstance(value, str):
        value = secrets.token_urlsafe(16)
        session[BINDING_KEY] = value
    return value


# --- the challenge -------------------------------------------------------------------------
@bp.post("/passkeys/options")
@limiter.limit(login_limit)
def options() -> ResponseReturnValue:
    """``{"purpose": "login" | "second" | "register"}`` -> ``{"challenge_id", "options"}``."""
    body = request.get_json(silent=True)
    purpose = body.get("purpose") if isinstance(body, dict) else None
    try:
        if purpose == "login":
            made = _passkeys().login_options(f"login:{_binding()}")
        elif purpose == "second":
            user_id = password_login().passkey_second_account(session.get(SECOND_KEY))
            if user_id is None:
                return _json_error("passkey_challenge_expired", 400)
            made = _passkeys().login_options(f"second:{_binding()}", user_id=user_id)
        elif purpose == "register":
            user, sso = _signed_in()
            if user is None or sso is None:
                return _json_error("not_signed_in", 401)
            if not fresh_enough(user, sso):
                return _json_error("fresh_sign_in_required", 403)
            made = _passkeys().registration_options(user, f"account:{sso.sid}")
        else:
            return _json_error("invalid_request", 400)
    except PasskeyError as error:
        return _json_error(error.code, 400)
    challenge_id, options_json = made
    return jsonify({"challenge_id": challenge_id, "options": json.loads(options_json)})


def _json_error(code: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": code}), status


# --- signing in ----------------------------------------------------------------------------
@bp.post("/login/passkey")
@limiter.limit(login_limit)
def sign_in() -> ResponseReturnValue:
    """A passwordless sign-in: the form of the login page, filled in by the script."""
    pending = bound_pending(request.values.get("request"))
    form = PasskeyForm()
    if not form.validate_on_submit():
        return _back_to_login(pending, _("La clé d'accès n'a pas pu être lue : recommencez."))
    try:
        step = services().passkey_login.sign_in(
            form.challenge_id.data, form.credential.data, f"login:{_binding()}"
        )
    except PasskeyError as error:
        return _back_to_login(pending, _message(error))
    return finish_login(step, pending)


def _back_to_login(pending: Any, message: str) -> tuple[str, int]:
    from idp.web.forms import LoginForm

    form = LoginForm()
    form.password.errors = [message]
    return render_template("login.html", form=form, pending=pending, passkey_error=True), 400


@bp.route("/login/passkey/second", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def second() -> ResponseReturnValue:
    """The passkey after the password; a code the account's policy allows instead."""
    pending = bound_pending(request.values.get("request"))
    step_id = session.get(SECOND_KEY)
    if password_login().passkey_second_account(step_id) is None:
        return redirect(url_for("authorize.login", request=pending.id if pending else None))
    form = PasskeySecondForm()
    message = ""
    if form.validate_on_submit():
        try:
            step = password_login().complete_with_passkey(
                step_id, form.challenge_id.data, form.credential.data, f"second:{_binding()}"
            )
        except ChallengeExpiredError:
            return redirect(url_for("authorize.login", request=pending.id if pending else None))
        except (ClonedAuthenticatorError, PasskeyNotAllowedError, PasskeyError) as error:
            message = _message(error)
        else:
            session.pop(SECOND_KEY, None)
            return finish_login(step, pending)
    page = render_template(
        "passkey_second.html",
        form=form,
        fallback=PasskeyFallbackForm(formdata=None),
        pending=pending,
        message=message,
    )
    return page, 400 if message or form.errors else 200


@bp.post("/login/passkey/second/fallback")
@limiter.limit(login_limit)
def fallback() -> ResponseReturnValue:
    pending = bound_pending(request.values.get("request"))
    target = pending.id if pending else None
    if not PasskeyFallbackForm().validate_on_submit():
        return redirect(url_for("passkeys.second", request=target))
    try:
        step = password_login().passkey_fallback(session.pop(SECOND_KEY, None))
    except ChallengeExpiredError:
        return redirect(url_for("authorize.login", request=target))
    return _code_page(step, target)


def _code_page(step: LoginStep, target: str | None) -> Response:
    if step.app_challenge is not None:
        session[APP_CHALLENGE_KEY] = step.app_challenge
        return redirect(url_for("authorize.app_code", request=target))
    if step.challenge is None:
        raise ValueError("a fallback is a code to ask")
    session[CHALLENGE_KEY] = step.challenge.id
    return redirect(url_for("authorize.code", request=target))


# --- "Mon compte": one's passkeys ---------------------------------------------------------
def _signed_in() -> tuple[User | None, SsoSession | None]:
    sso = ctx().sessions.get(current_sid())
    return services().security.signed_in_user(current_sid()), sso


def fresh_enough(user: User, sso: SsoSession) -> bool:
    """Adding or removing a passkey needs a sign-in of the last 5 minutes, with a second
    factor given then (not a remembered browser), and through Pro Santé Connect for an
    account linked to a national identifier (``passkey_activation``: the RIE v2 path)."""
    if sso.age() > FRESH_SECONDS or AMR_REMEMBERED in sso.amr:
        return False
    linked = bool(user.national_id and user.national_id_verified)
    if ctx().settings.passkey_activation == "psc_when_linked" and linked:
        return sso.acr == ACR_PSC
    return ACR_LEVELS.get(sso.acr, 0) >= ACR_LEVELS[ACR_EMAIL_OTP]


@bp.get("/account/passkeys")
def account_passkeys() -> ResponseReturnValue:
    user, sso = _signed_in()
    if user is None or sso is None:
        return redirect(url_for("authorize.login"))
    return _account_page(user, sso)


def _account_page(
    user: User, sso: SsoSession, form: PasskeyEnrolForm | None = None, message: str = ""
) -> tuple[str, int]:
    linked = bool(user.national_id and user.national_id_verified)
    page = render_template(
        "account_passkeys.html",
        user=user,
        passkeys=_passkeys().of(user),
        model_of=aaguids.name_of,
        enabled=_passkeys().policy.enabled,
        fresh=fresh_enough(user, sso),
        via_psc=ctx().settings.passkey_activation == "psc_when_linked" and linked,
        form=form or PasskeyEnrolForm(formdata=None),
        rename=PasskeyRenameForm(formdata=None),
        remove=PasskeyRemoveForm(formdata=None),
        message=message,
    )
    return page, 400 if message else 200


@bp.get("/account/passkeys/fresh")
def sign_in_again() -> ResponseReturnValue:
    """Sign in again (a code asked even on a remembered browser, or PSC), then come back."""
    session[AFTER_LOGIN_KEY] = url_for("passkeys.account_passkeys")
    session["fresh_second_factor"] = True
    if request.args.get("via") == "psc" and services().psc is not None:
        return redirect(url_for("psc.start"))
    return redirect(url_for("authorize.login"))


@bp.post("/account/passkeys")
def enrol() -> ResponseReturnValue:
    user, sso = _signed_in()
    if user is None or sso is None:
        return redirect(url_for("authorize.login"))
    form = PasskeyEnrolForm()
    if not form.validate_on_submit():
        return _account_page(user, sso, form, _("La clé d'accès n'a pas pu être lue."))
    if not fresh_enough(user, sso):
        return _account_page(user, sso, form, _("Reconnectez-vous d'abord (moins de 5 minutes)."))
    try:
        _passkeys().register(
            user,
            form.challenge_id.data,
            form.credential.data,
            f"account:{sso.sid}",
            name=form.name.data or "",
            activated_with=sso.acr,
        )
    except PasskeyError as error:
        return _account_page(user, sso, form, _message(error))
    return redirect(url_for("passkeys.account_passkeys"))


@bp.post("/account/passkeys/<id:passkey_id>/rename")
def rename(passkey_id: int) -> ResponseReturnValue:
    user, sso = _signed_in()
    if user is None or sso is None:
        return redirect(url_for("authorize.login"))
    form = PasskeyRenameForm()
    if form.validate_on_submit():
        try:
            _passkeys().rename(user, passkey_id, form.name.data)
        except PasskeyError as error:
            return _account_page(user, sso, message=_message(error))
    return redirect(url_for("passkeys.account_passkeys"))


@bp.post("/account/passkeys/<id:passkey_id>/remove")
def remove(passkey_id: int) -> ResponseReturnValue:
    user, sso = _signed_in()
    if user is None or sso is None:
        return redirect(url_for("authorize.login"))
    if not PasskeyRemoveForm().validate_on_submit():
        return redirect(url_for("passkeys.account_passkeys"))
    if not fresh_enough(user, sso):
        return _account_page(user, sso, message=_("Reconnectez-vous d'abord (moins de 5 minutes)."))
    try:
        _passkeys().remove(user, passkey_id, actor=user.username)
    except PasskeyError as error:
        return _account_page(user, sso, message=_message(error))
    return redirect(url_for("passkeys.account_passkeys"))
