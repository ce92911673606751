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
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WsgiResponse

from idp.accounts.eligibility import NotEligibleError
from idp.authn.login import LoginStep
from idp.authn.psc.client import PscDeniedError, PscError, PscUnavailableError
from idp.authn.psc.federation import NoLinkedAccountError, PscFederation
from idp.authn.sessions import SsoSession
from idp.web import errors
from idp.web.context import ctx, provider
from idp.web.forms import LoginForm
from idp.web.limits import limiter, login_limit
from idp.web.login_journey import (
    LINK_KEY,
    bound_pending,
    federation,
    finish_login,
)

bp = Blueprint("psc", __name__, url_prefix="/psc")
errors.handle(bp, errors.html)
log = logging.getLogger(__name__)
STATE_KEY = "psc_state"
LOGOUT_KEY = "psc_logout"


def _federation() -> PscFederation:
    found = federation()
    if found is None:
        abort(404)
    return found


@bp.get("/start")
@limiter.limit(login_limit)
def start() -> ResponseReturnValue:
    """Both buttons land here; PSC's own page then offers the card or the app."""
    pending = bound_pending(request.args.get("request"))
    if pending is not None:
        provider().authorization.keep_for_login(pending)
    try:
        state, url = _federation().start(_callback_url(), pending.id if pending else None)
    except PscError as error:
        return _failed(error, pending.id if pending else None)
    session[STATE_KEY] = state
    return redirect(url)


@bp.get("/callback")
@limiter.limit(login_limit)
def callback() -> ResponseReturnValue:
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
    except NotEligibleError as error:
        log.warning("psc login refused by account state: %s", error.code)
        raise  # the refusal page, as for a password login
    return finish_login(LoginStep(sso), pending)


@bp.get("/link")
def link() -> ResponseReturnValue:
    """ "Rattachement": sign in once with the password to bind this identity to the account."""
    pending = bound_pending(request.args.get("request"))
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
def logged_out() -> ResponseReturnValue:
    """Back from PSC's logout; PSC may drop the ``state``, which is tolerated."""
    saved = session.pop(LOGOUT_KEY, None) or {}
    returned = request.args.get("state")
    if returned is not None and returned != saved.get("state"):
        log.warning("psc logout: state mismatch on return; showing our own page")
        return redirect(url_for("pages.logged_out"))
    return redirect(saved.get("next") or url_for("pages.logged_out"))


def through_psc_logout(sso: SsoSession | None, response: WsgiResponse) -> WsgiResponse:
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


def _callback_url() -> str:
    return ctx().issuer + url_for("psc.callback")


def _pending(pending_id: str | None) -> Any:
    return bound_pending(pending_id) if pending_id else None


def _failed(error: PscError, pending_id: str | None) -> Response:
    log.warning("psc login failed: %s", error.reason)
    unavailable = isinstance(error, PscUnavailableError)
    denied = isinstance(error, PscDeniedError) and error.error == "access_denied"
    body = render_template(
        "psc_failed.html",
        unavailable=unavailable,
        denied=denied,
        login_url=url_for("authorize.login", request=pending_id),
    )
    status = 503 if unavailable else (403 if denied else 400)
    return Response(body, status=status, mimetype="text/html")
