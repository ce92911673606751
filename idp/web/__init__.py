"""Flask blueprints and templates: parse the request, call one service, render or redirect."""

from __future__ import annotations

from flask import Flask, abort, g, request
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from idp.services import of as services_of
from idp.web import (
    account,
    admin,
    admin_api,
    authorize,
    errors,
    pages,
    passkeys,
    protocol,
    psc,
    telemetry,
)
from idp.web.context import allow_form_target, ctx
from idp.web.i18n import select_locale
from idp.web.limits import init_limits

csrf = CSRFProtect()


class RecordId(IntegerConverter):
    """A database id in a URL: 1 to 2**31 - 1 (a PostgreSQL integer). A larger number is a
    missing record (404), not a database error (found by fuzzing the admin API)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


MAX_ID = 2**31 - 1


def init_web(app: Flask) -> None:
    app.url_map.converters["id"] = RecordId  # before the blueprints' rules are read
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["psc_enabled"] = services_of(app).psc is not None
    app.jinja_env.globals["passkeys_enabled"] = services_of(app).passkeys.policy.enabled
    csrf.init_app(app)
    init_limits(app)
    blueprints = (
        protocol.bp,
        authorize.bp,
        pages.bp,
        account.bp,
        admin.bp,
        admin_api.bp,
        psc.bp,
        passkeys.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    csrf.exempt(protocol.bp)
    csrf.exempt(admin_api.bp)
    csrf.exempt(authorize.authorize_endpoint)
    errors.register(app)
    telemetry.init(app)
    app.before_request(_refuse_nul_bytes)
    app.after_request(_security_headers)


def _refuse_nul_bytes() -> None:
    """NUL is never legitimate in our inputs, and PostgreSQL text cannot hold it."""
    if _carries_nul():
        abort(400, description="NUL bytes are not accepted.")


def _carries_nul() -> bool:
    """Read on the raw request: a NUL reaches a decoded value only as a raw byte, ``%00`` in a
    query string or form body, or ``\\u0000`` in JSON (decoding every value to look for it
    was a tenth of a token request's CPU). Multipart values are checked decoded."""
    query = request.environ.get("QUERY_STRING", "")
    if "\x00" in request.path or "\x00" in query or "%00" in query:
        return True
    if not request.content_length:
        return False
    body = request.get_data(cache=True)
    if b"\x00" in body or b"\\u0000" in body:
        return True
    if request.mimetype == "application/x-www-form-urlencoded":
        return b"%00" in body
    return any("\x00" in value for value in request.form.values())


BASELINE_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
PAGE_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CSP + "form-action 'self'"),
    ("Cache-Control", "no-store"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def form_action_policy(origins: set[str]) -> str:
    return CSP + "form-action 'self' " + " ".join(sorted(origins))


def _security_headers(response: Response) -> Response:
    """Baseline headers for every answer; pages are never cached or framed. A view's own
    value wins. (Werkzeug's ``setdefault`` and ``in`` raise a KeyError for every absent
    header: a measurable part of a small response.)"""
    headers = response.headers
    wanted: tuple[tuple[str, str], ...] = BASELINE_HEADERS
    if response.mimetype == "text/html":
        wanted += PAGE_HEADERS
        settings = ctx().settings
        if settings.psc_enabled:  # a logout may pass through PSC's own
            allow_form_target(settings.psc_issuer or settings.psc_discovery_url)
        if g.get("form_origins"):
            # browsers apply form-action to the redirects that follow a form: a page whose
            # form ends at a relying party (or PSC) names that origin, and only it
            wanted = (("Content-Security-Policy", form_action_policy(g.form_origins)), *wanted)
    if request.is_secure:
        wanted += (HSTS,)
    present = {name.lower() for name, _ in headers}
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
            present.add(name.lower())
    return response
