"""The steps every login method shares (password and Pro Santé Connect): a pending request
bound to this browser, the provider's outcome followed (login, charter, consent, answer to the
module), a finished login (browser session renewed, SSO and device cookies, a PSC identity
held for linking bound), and the pages for a login the account's state refuses."""

from __future__ import annotations

import logging

from flask import (
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from idp.accounts.national_ids import AlreadyLinkedError
from idp.authn.context import AMR_OTP
from idp.authn.login import LoginStep
from idp.authn.psc.federation import LinkExpiredError, PscFederation
from idp.errors import IdpError
from idp.oidc.authorization import Outcome, PendingRequest
from idp.web.context import (
    allow_form_target,
    ctx,
    current_sid,
    provider,
    services,
    set_cookie,
    set_sid,
)
from idp.web.forms import CharterForm, ConsentForm

log = logging.getLogger(__name__)
MAX_PENDING_PER_BROWSER = 10


class RequestExpiredError(IdpError):
    """The pending authorization request is gone (expired, finished, or not this browser's)."""

    code = "request_expired"


LINK_KEY = "psc_link"
#: where a login without a module's request goes once done (a page asking a fresh sign-in)
AFTER_LOGIN_KEY = "after_login"


def federation() -> PscFederation | None:
    return services().psc


def finish_login(step: LoginStep, pending: PendingRequest | None) -> Response:
    """A login is done: swap the browser's session and go on with the pending request."""
    step = link_after_password(step)
    if step.session is None:
        raise ValueError("finish_login needs a finished login")
    provider().ctx.sessions.end(current_sid())
    after = session.get(AFTER_LOGIN_KEY)
    renew_browser_session()
    if pending is None:
        local = isinstance(after, str) and after.startswith("/") and not after.startswith("//")
        response = redirect(str(after) if local else url_for("pages.home"))
    else:
        answer = provider().answer_after_login(pending, step.session, step.account)
        response = answer or redirect(url_for("authorize.resume", request=pending.id))
    set_sid(response, step.session.sid)
    if step.device_cookie:
        set_cookie(
            response,
            step.device_cookie_name,
            step.device_cookie,
            ctx().settings.remembered_device_ttl,
        )
    if step.known_cookie:
        set_cookie(
            response, step.known_cookie_name, step.known_cookie, ctx().settings.known_browser_ttl
        )
    return response


def renew_browser_session() -> None:
    """A new Flask session at login (ASVS V7.2.4): what the browser held before signing in
    (CSRF token, code challenges, PSC state) is dropped; only its pending requests stay."""
    bound = session.get("pending", [])
    session.clear()
    if bound:
        session["pending"] = bound


def follow(outcome: Outcome) -> Response | str:
    if outcome.kind == "respond":
        response: Response = outcome.response
        return response
    if outcome.error is not None:  # an error page: the client cannot be redirected to
        raise outcome.error
    pending = outcome.pending
    if pending is None:  # every other outcome carries the request it continues
        raise RequestExpiredError("")
    bind(pending)
    if outcome.kind == "login":
        if federation() is not None and provider().authorization.wants_psc(pending):
            return redirect(url_for("psc.start", request=pending.id))
        return redirect(url_for("authorize.login", request=pending.id))
    if outcome.kind == "charter":
        return render_template(
            "charter.html",
            form=CharterForm(request_id=pending.id),
            version=ctx().settings.charter_version,
        )
    form = ConsentForm(request_id=pending.id)
    return render_template(
        "consent.html",
        form=form,
        client_name=outcome.client_name,
        scopes=outcome.scopes,
        pending=pending,
    )


def bind(pending: PendingRequest) -> None:
    """Tie a pending request to this browser, so no one else can finish it."""
    allow_form_target(pending.param("redirect_uri"))
    bound = [pid for pid in session.get("pending", []) if pid != pending.id]
    session["pending"] = (bound + [pending.id])[-MAX_PENDING_PER_BROWSER:]


def required_pending(pending_id: str | None) -> PendingRequest:
    """The pending request this step continues; the expired-request page without it."""
    pending = bound_pending(pending_id)
    if pending is None:
        raise RequestExpiredError(pending_id or "")
    return pending


def bound_pending(pending_id: str | None) -> PendingRequest | None:
    """The pending request of this browser named ``pending_id``, if it is still there."""
    pending = None
    if pending_id and pending_id in session.get("pending", []):
        pending = provider().authorization.get_pending(pending_id)
    if pending is not None:
        g.ui_locales = pending.param("ui_locales") or ""
        allow_form_target(pending.param("redirect_uri"))
    return pending


def params(pending: PendingRequest | None) -> list[tuple[str, str]]:
    return pending.pairs() if pending else []


def param(pending: PendingRequest | None, name: str) -> str | None:
    return pending.param(name) if pending else None


def link_after_password(step: LoginStep) -> LoginStep:
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
        raise  # nothing was changed: the page says so
    return LoginStep(
        sso,
        device_cookie=step.device_cookie,
        device_cookie_name=step.device_cookie_name,
        known_cookie=step.known_cookie,
        known_cookie_name=step.known_cookie_name,
    )


def confirming_link() -> bool:
    """This password login comes from the "rattachement" page with an identity held."""
    return request.form.get("psc_link") == "1" and bool(session.get(LINK_KEY))


def forget_link_unless_confirmed() -> None:
    """A password login that does not come from the "rattachement" page drops a held
    identity, so that nobody else signing in on this browser gets it bound."""
    if request.form.get("psc_link") != "1":
        session.pop(LINK_KEY, None)
