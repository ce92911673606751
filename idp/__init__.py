"""idp: the OpenID Connect provider of ViaTrajectoire.

``create_app`` makes the Flask application around the services ``idp.services`` builds;
tests pass their own ``Settings``.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from idp import clock, log_format
from idp.services import EXTENSION, build_services
from idp.settings import Settings, load_settings
from idp.storage import db
from idp.storage.database import keep_sqlite_file_private, ping_after_idle
from idp.storage.ephemeral import EphemeralStore, create_store
from idp.web.cookie_session import CookieSessionInterface
from idp.web.responses import Response

__all__ = ["create_app"]

MAX_REQUEST_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, store: EphemeralStore | None = None) -> Flask:
    settings = (settings or load_settings()).validate()
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.response_class = Response
    app.session_interface = CookieSessionInterface()
    store = store or create_store(settings.redis_url)
    clock.follow(store.time if store.shared else None)
    services = build_services(settings, store)
    _configure(app, settings, services.secret_key)
    keep_sqlite_file_private(settings.resolved_database_url())
    db.init_app(app)
    with app.app_context():
        ping_after_idle(db.engine)
    services.backchannel.in_background(app)  # first delivery attempts on a thread
    services.deferred.bind(app)  # and the mail whose sending must not show in the answer
    app.extensions[EXTENSION] = services

    from idp.web import init_web

    init_web(app)
    return app


def _configure(app: Flask, settings: Settings, secret_key: str) -> None:
    if not settings.issuer_is_https:
        # Authlib refuses http URLs unless told; validate() allows http only on loopback.
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    app.config.update(
        SECRET_KEY=secret_key,
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url(),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        # __Host-: Secure, this host only, path / (L8 of the security review)
        SESSION_COOKIE_NAME="__Host-idp_session" if settings.issuer_is_https else "idp_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.issuer_is_https,
        # A form's token lives as long as the browser's session cookie, whose signature is
        # checked on the shared clock; Flask-WTF would check the token's own age against
        # this machine's clock, and refuse a form rendered by an instance whose clock is ahead.
        WTF_CSRF_TIME_LIMIT=None,
        PERMANENT_SESSION_LIFETIME=settings.sso_session_ttl,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        TESTING=settings.environment == "testing",
        JSON_SORT_KEYS=False,
    )
    if settings.log_format == "json":
        log_format.configure("json")
    logging.getLogger("idp").setLevel(logging.INFO)
    # Authlib logs whole token responses at DEBUG: never let a verbose root logger show them.
    logging.getLogger("authlib").setLevel(logging.WARNING)
