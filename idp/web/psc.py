"""Pro Santé Connect pages: the CPS / e-CPS buttons' start, PSC's callback, the one-time
"rattachement" of a PSC identity to an account, and the return from PSC's logout.

Every failure ends on one page that says what happened in plain French and offers the
password login instead; the reason goes to the log (never a token), no session is opened.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from idp.accounts.users import AccountDeactivatedError
from idp.authn.context import AMR_OTP
from idp.authn.login import LoginStep, NoValidHabilitationError
from idp.authn.psc.client import PscError, PscUnavailableError
from idp.authn.psc.federation import (
    AccountBlockedError,
    LinkExpiredError,
    NoLinkedAccountError,
    PscFederation,
)
from idp.authn.psc.links import AlreadyLinkedError
from idp.authn.sessions import SsoSession
from idp.web.context import ctx
from idp.web.errors import render_error
from idp.web.forms import LoginForm
from idp.web.limits import limiter, login_limit

bp = Blueprint("psc", __name__, url_prefix="/psc")
log = logging.getLogger(__name__)
STATE_KEY = "psc_state"
LINK_KEY = "psc_link"
LOGOUT_KEY = "psc_logout"


def federation() -> PscFederation | None:
    return current_app.extensions.get("idp.psc")


def _federation() -> PscFederation:
    found = federation()
    if found is None:
        abort(404)
    return found


@bp.get("/start")
@limiter.limit(login_limit)
def start() -> Response:
    """Both buttons land here; PSC's own page then offers the card or the app."""
    from idp.web.authorize import bound_pending

    pending = bound_pending(request.args.get("request"), required=False)
    try:
        state, url = _federation().start(_callback_url(), pending.id if pending else None)
    except PscError as error:
        return _failed(error, pending.id if pending else None)
    session[STATE_KEY] = state
    return redirect(url)


@bp.get("/callback")
@limiter.limit(login_limit)
def callback() -> Response:
    from idp.web.authorize import finish_login

    fed = _federation()
    args = {k: v for k, v in request.args.items() if isinstance(v, str)}
    try:
        answer = fed.callback(args, session.pop(STATE_KEY, None))
    except PscError as error:
        return _failed(error, error.pending_id)
    pending = _pending(answer.pending_id)
    try:
        sso = fed.sign_in(answer)
    except NoLinkedAccountError as missing:
        session[LINK_KEY] = missing.link_id
        return redirect(url_for("psc.link", request=pending.id if pending else None))
    except (AccountDeactivatedError, AccountBlockedError, NoValidHabilitationError) as error:
        return _account_refused(error)
    return finish_login(LoginStep(sso), pending)


@bp.get("/link")
def link() -> Response | str:
    """ "Rattachement": sign in once with the password to bind this identity to the account."""
    from idp.web.authorize import bound_pending

    pending = bound_pending(request.args.get("request"), required=False)
    identity = _federation().held_identity(session.get(LINK_KEY))
    if identity is None:
        return _failed(PscError("identity held for linking expired"), None)
    settings = ctx().settings
    return render_template(
        "psc_link.html",
        form=LoginForm(),
        identity=identity,
        pending=pending,
        support_email=settings.support_email,
        support_phone=settings.support_phone,
    )


@bp.get("/logged-out")
def logged_out() -> Response:
    """Back from PSC's logout; PSC may drop the ``state``, which is tolerated."""
    saved = session.pop(LOGOUT_KEY, None) or {}
    returned = request.args.get("state")
    if returned is not None and returned != saved.get("state"):
        log.warning("psc logout: state mismatch on return; showing our own page")
        return redirect(url_for("pages.logged_out"))
    return redirect(saved.get("next") or url_for("pages.logged_out"))


def through_psc_logout(sso: SsoSession | None, response: Response) -> Response:
    """After our logout: end PSC's browser session too when this one came from PSC, then
    continue to where ``response`` was going."""
    fed = federation()
    if fed is None or sso is None or not sso.psc:
        return response
    state = secrets.token_urlsafe(16)
    try:
        url = fed.logout_url(sso, ctx().issuer + url_for("psc.logged_out"), state)
    except PscError as error:
        log.warning("psc logout skipped: %s", error.reason)
        return response
    if url is None:
        return response
    session[LOGOUT_KEY] = {"state": state, "next": response.location or ""}
    target = redirect(url)
    for header in response.headers.getlist("Set-Cookie"):
        target.headers.add("Set-Cookie", header)
    return target


def link_after_password(step: LoginStep) -> LoginStep | Response:
    """Called when a password login finishes: bind a held PSC identity if this browser
    asked for it on the "rattachement" page."""
    link_id = session.pop(LINK_KEY, None)
    fed = federation()
    if not link_id or fed is None or step.session is None:
        return step
    if AMR_OTP not in step.session.amr:
        log.warning("psc link refused: no second factor (account %s)", step.session.user_id)
        return step  # a password alone never binds an identity
    try:
        sso = fed.link_and_sign_in(link_id, step.session)
    except LinkExpiredError:
        return step
    except AlreadyLinkedError:
        ctx().sessions.end(step.session.sid)
        log.warning(
            "psc link refused: identifier bound elsewhere (account %s)", step.session.user_id
        )
        return render_error(
            "psc_already_linked",
            _(
                "Cette identité Pro Santé Connect est déjà rattachée à un autre compte "
                "ViaTrajectoire, ou votre compte est rattaché à un autre identifiant national. "
                "Rien n'a été modifié. Contactez les référents ViaTrajectoire de votre "
                "établissement."
            ),
            409,
        )
    return LoginStep(
        sso, device_cookie=step.device_cookie, device_cookie_name=step.device_cookie_name
    )


def confirming_link() -> bool:
    """This password login comes from the "rattachement" page with an identity held."""
    return request.form.get("psc_link") == "1" and bool(session.get(LINK_KEY))


def forget_link_unless_confirmed() -> None:
    """A password login that does not come from the "rattachement" page drops a held
    identity, so that nobody else signing in on this browser gets it bound."""
    if request.form.get("psc_link") != "1":
        session.pop(LINK_KEY, None)


def _callback_url() -> str:
    return ctx().issuer + url_for("psc.callback")


def _pending(pending_id: str | None) -> Any:
    from idp.web.authorize import bound_pending

    return bound_pending(pending_id, required=False) if pending_id else None


def _failed(error: PscError, pending_id: str | None) -> Response:
    log.warning("psc login failed: %s", error.reason)
    unavailable = isinstance(error, PscUnavailableError)
    denied = "error=access_denied" in error.reason
    body = render_template(
        "psc_failed.html",
        unavailable=unavailable,
        denied=denied,
        login_url=url_for("authorize.login", request=pending_id),
    )
    status = 503 if unavailable else (403 if denied else 400)
    return Response(body, status=status, mimetype="text/html")


def _account_refused(error: Exception) -> Response:
    from idp.web.authorize import account_refusal

    log.warning("psc login refused by account state: %s", type(error).__name__)
    return account_refusal(error)
