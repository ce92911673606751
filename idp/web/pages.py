"""Pages outside a relying party's request: home, logout (RP-initiated or not), languages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from idp.web import errors
from idp.web.context import (
    allow_form_target,
    clear_sid,
    ctx,
    current_sid,
    provider,
    services,
    set_cookie,
)
from idp.web.forms import LogoutForm
from idp.web.i18n import LANG_COOKIE
from idp.web.psc import through_psc_logout

bp = Blueprint("pages", __name__)
errors.handle(bp, errors.html)
LOGOUT_PARAMS = (
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
    "logout_hint",
    "ui_locales",
)


@bp.get("/")
def home() -> ResponseReturnValue:
    user = services().security.signed_in_user(current_sid())
    return render_template("home.html", user=user, form=LogoutForm())


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    validated = provider().validate_end_session()  # an OAuth2Error is the error page
    form = LogoutForm()
    allow_form_target(validated.redirect_uri)
    if provider().logout_needs_confirmation(validated, current_sid()) and not (
        form.validate_on_submit()
    ):
        params = {k: request.values[k] for k in LOGOUT_PARAMS if k in request.values}
        return render_template("logout_confirm.html", form=form, params=params)
    sso = ctx().sessions.get(current_sid())
    ended = provider().end_session(validated, current_sid())
    response = ended if ended is not None else redirect(url_for("pages.logged_out"))
    clear_sid(response)
    return through_psc_logout(sso, response)


@bp.get("/logged-out")
def logged_out() -> ResponseReturnValue:
    return render_template("logged_out.html")


def local_path(target: str) -> str | None:
    """``target`` if it is a path of this site, else None (no open redirect, RFC 9700 4.11).

    Browsers drop tabs and newlines and read ``\\`` as ``/``, so ``/\t/evil`` and ``/\\evil``
    lead elsewhere: only a printable path with no scheme, host or backslash is kept.
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target


@bp.get("/lang/<code>")
def choose_language(code: str) -> ResponseReturnValue:
    target = local_path(request.args.get("next", "")) or url_for("pages.home")
    response = redirect(target)
    if code in ctx().settings.supported_locales:
        set_cookie(response, LANG_COOKIE, code, 365 * 86400)
    return response
