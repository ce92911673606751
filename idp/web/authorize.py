"""The authorization endpoint and the pages a person meets during it: login, code, consent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WsgiResponse

from idp.authn.known_browsers import cookie_name as known_cookie_name
from idp.authn.login import LoginStep
from idp.authn.otp import (
    Challenge,
    ChallengeExpiredError,
    ResendLimitError,
    ResendTooSoonError,
    WrongCodeError,
    mask_email,
)
from idp.authn.passwords import InvalidCredentialsError
from idp.authn.remembered_devices import cookie_name as device_cookie_name
from idp.authn.throttle import ThrottledError
from idp.oidc.authorization import PendingRequest
from idp.web import errors
from idp.web.context import (
    cookie_name,
    ctx,
    current_sid,
    password_changes,
    password_login,
    provider,
    services,
)
from idp.web.forms import (
    AppCodeForm,
    CharterForm,
    ConsentForm,
    LoginForm,
    OtpForm,
    ResendForm,
)
from idp.web.limits import created_pending, limiter, login_limit, pending_limit, resend_limit
from idp.web.login_journey import (
    bound_pending,
    confirming_link,
    finish_login,
    follow,
    forget_link_unless_confirmed,
    param,
    params,
    required_pending,
)

bp = Blueprint("authorize", __name__)
errors.handle(bp, errors.html)
MAX_PENDING_PER_BROWSER = 10
CHALLENGE_KEY = "otp_challenge"
APP_CHALLENGE_KEY = "app_challenge"
PASSKEY_SECOND_KEY = "passkey_second"


@bp.route("/authorize", methods=["GET", "POST"])
@limiter.limit(pending_limit, deduct_when=created_pending)
def authorize_endpoint() -> ResponseReturnValue:
    g.ui_locales = request.values.get("ui_locales", "")
    # werkzeug's stub types items(multi=True) as lists of values: it yields (name, value)
    params = cast(list[tuple[str, str]], list(request.values.items(multi=True)))
    outcome = provider().authorize(params, current_sid())
    g.created_pending = outcome.created_pending
    return follow(outcome)


@bp.get("/authorize/resume")
def resume() -> ResponseReturnValue:
    pending = required_pending(request.args.get("request"))
    return follow(provider().authorize(params(pending), current_sid(), pending))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    pending = bound_pending(request.values.get("request"))
    form = LoginForm()
    if request.method == "GET" and pending is not None:
        provider().authorization.keep_for_login(pending)
        form.username.data = pending.param("login_hint") or ""
    if request.method == "POST":
        forget_link_unless_confirmed()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("login.html", form=form, pending=pending), status
    try:
        step = password_login().login(
            form.username.data,
            form.password.data,
            source=request.remote_addr or "",
            device_cookie=request.cookies.get(cookie_name(device_cookie_name(form.username.data))),
            known_cookie=request.cookies.get(cookie_name(known_cookie_name(form.username.data))),
            # binding a PSC identity ("rattachement") always takes the second factor too
            fresh_second_factor=confirming_link()
            or bool(session.get("fresh_second_factor"))  # adding a passkey ("Mon compte")
            or provider().authorization.wants_fresh_second_factor(pending),
        )
    except InvalidCredentialsError:
        password_changes().offer_welcome(form.username.data)
        form.password.errors.append(_("Nom d'utilisateur ou mot de passe incorrect."))
        return render_template("login.html", form=form, pending=pending), 401
    except ThrottledError as error:
        form.password.errors.append(
            _("Trop de tentatives : patientez %(s)d secondes avant de réessayer.", s=error.wait)
        )
        return render_template("login.html", form=form, pending=pending), 429
    if step.challenge is not None:
        session[CHALLENGE_KEY] = step.challenge.id
        return redirect(url_for("authorize.code", request=pending.id if pending else None))
    if step.app_challenge is not None:
        session[APP_CHALLENGE_KEY] = step.app_challenge
        return redirect(url_for("authorize.app_code", request=pending.id if pending else None))
    if step.passkey_second is not None:
        session[PASSKEY_SECOND_KEY] = step.passkey_second
        return redirect(url_for("passkeys.second", request=pending.id if pending else None))
    return finish_login(step, pending)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def code() -> ResponseReturnValue:
    pending = bound_pending(request.values.get("request"))
    challenge = services().otp.get(session.get(CHALLENGE_KEY))
    if challenge is None:
        return _restart(pending)
    form = OtpForm()
    if form.validate_on_submit():
        done = _submit_code(form, password_login().complete, challenge.id, CHALLENGE_KEY, pending)
        if done is not None:
            return done
    return _code_page(form, challenge, pending, status=400 if form.errors else 200)


@bp.route("/login/app", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def app_code() -> ResponseReturnValue:
    pending = bound_pending(request.values.get("request"))
    challenge_id = session.get(APP_CHALLENGE_KEY)
    if not password_login().app_challenge_exists(challenge_id):
        return _restart(pending)
    form = AppCodeForm()
    if form.validate_on_submit():
        done = _submit_code(
            form, password_login().complete_with_app, challenge_id, APP_CHALLENGE_KEY, pending
        )
        if done is not None:
            return done
    page = render_template("app_code.html", form=form, pending=pending)
    return page, 400 if form.errors else 200


@bp.post("/login/code/resend")
@limiter.limit(resend_limit)
def resend() -> ResponseReturnValue:
    pending = bound_pending(request.values.get("request"))
    if not ResendForm().validate_on_submit():
        abort(400)
    message = ""
    try:
        sent = services().otp.resend(session.get(CHALLENGE_KEY))
        message = _("Un nouveau code a été envoyé.") if sent.delivered else ""
    except ChallengeExpiredError:
        return _restart(pending)
    except ResendTooSoonError as error:
        message = _("Patientez %(s)d secondes avant de demander un nouveau code.", s=error.wait)
    except ResendLimitError:
        message = _("Trop de codes ont été envoyés. Reconnectez-vous dans quelques minutes.")
    challenge = services().otp.get(session.get(CHALLENGE_KEY))
    if challenge is None:
        return _restart(pending)
    return _code_page(OtpForm(formdata=None), challenge, pending, message=message)


def _code_page(
    form: OtpForm,
    challenge: Challenge,
    pending: PendingRequest | None,
    message: str = "",
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "otp.html",
        form=form,
        resend=ResendForm(formdata=None),
        pending=pending,
        email=mask_email(challenge.email),
        delivered=challenge.delivered,
        message=message,
        minutes=ctx().settings.otp_ttl // 60,
    )
    return page, status


@bp.post("/charter")
def charter() -> ResponseReturnValue:
    pending = required_pending(request.form.get("request_id"))
    if CharterForm().validate_on_submit():
        provider().accept_charter(current_sid())
    return follow(provider().authorize(params(pending), current_sid(), pending))


@bp.route("/consent", methods=["GET", "POST"])
def consent() -> ResponseReturnValue:
    pending = required_pending(request.values.get("request_id") or request.args.get("request"))
    form = ConsentForm()
    if form.validate_on_submit():
        allowed = bool(form.allow.data)
        scopes = (param(pending, "scope") or "").split()
        if allowed:
            provider().record_consent(current_sid(), pending, scopes)
        return follow(provider().authorize(params(pending), current_sid(), pending, allowed))
    return follow(provider().authorize(params(pending), current_sid(), pending))


def _submit_code(
    form: Any,
    complete: Callable[[str | None, str, str], LoginStep],
    challenge_id: str | None,
    key: str,
    pending: PendingRequest | None,
) -> WsgiResponse | None:
    """Post an email or app code; the response to send, or None to show the form again."""
    try:
        step = complete(challenge_id, form.otp.data, request.headers.get("User-Agent", ""))
    except WrongCodeError as error:
        form.otp.errors.append(
            _("Code incorrect. Il vous reste %(n)d essai(s).", n=error.remaining)
        )
        return None
    except ChallengeExpiredError:
        return _restart(pending)
    session.pop(key, None)
    return finish_login(step, pending)


def _restart(pending: PendingRequest | None) -> WsgiResponse:
    """The code step cannot go on (expired, used, too many tries): back to the password."""
    session.pop(CHALLENGE_KEY, None)
    target = url_for("authorize.login", request=pending.id if pending else None, expired=1)
    return redirect(target)
