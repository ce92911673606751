"""Flask blueprints and templates: parse the request, call one service, render or redirect."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect

from idp.web import account, admin, authorize, errors, pages, protocol
from idp.web.i18n import select_locale
from idp.web.limits import init_limits

csrf = CSRFProtect()


def init_web(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    csrf.init_app(app)
    init_limits(app)
    for blueprint in (protocol.bp, authorize.bp, pages.bp, account.bp, admin.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(protocol.bp)
    csrf.exempt(authorize.authorize_endpoint)
    errors.register(app)
    app.after_request(_security_headers)


def _security_headers(response):  # type: ignore[no-untyped-def]
    """Baseline headers for every answer; pages are never cached or framed."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        )
        response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
