"""idp: the OpenID Connect provider of ViaTrajectoire.

``create_app`` is the one place where settings, storage, keys, authentication and the
protocol are wired together; tests pass their own ``Settings``.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

from idp import clock, log_format
from idp.accounts.administration import Administration
from idp.authn.account_security import AccountSecurity
from idp.authn.app_enrolment import AuthenticatorApps
from idp.authn.captcha import Captchas
from idp.authn.email_changes import EmailChanges
from idp.authn.lockout import Lockout, LockoutPolicy
from idp.authn.login import PasswordLogin
from idp.authn.notices import SecurityNotices
from idp.authn.otp import EmailOtp
from idp.authn.password_changes import PasswordChanges
from idp.authn.passwords import Passwords
from idp.authn.psc.client import PscClient
from idp.authn.psc.federation import PscFederation
from idp.authn.remembered_devices import RememberedDevices
from idp.authn.sessions import SessionService
from idp.authn.throttle import LoginThrottle
from idp.authn.totp import Totp
from idp.keyring import Keyring
from idp.keyring.kek import load_kek
from idp.keyring.lifecycle import KeyLifecycle, Timing
from idp.mail import create_mailer
from idp.oidc.backchannel import BackchannelLogout
from idp.oidc.context import ProviderContext
from idp.oidc.grant_ends import revoke_session_grants, revoke_user_grants
from idp.oidc.provider import Provider
from idp.settings import Settings, load_settings
from idp.storage import db
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
    _configure(app, settings)
    db.init_app(app)
    store = store or create_store(settings.redis_url)
    clock.follow(store.time if store.shared else None)
    sessions = SessionService(store, settings.sso_session_ttl)
    passwords = Passwords(
        settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
    )
    kek = load_kek(settings.key_encryption_key, settings.resolved_kek_file())
    keyring = Keyring(lambda: db.session, kek, settings.key_cache_seconds)
    ctx = ProviderContext(
        settings=settings,
        store=store,
        keyring=keyring,
        passwords=passwords,
        sessions=sessions,
        db_session=lambda: db.session,
    )
    app.extensions["idp"] = ctx
    app.extensions["idp.provider"] = Provider(ctx)
    backchannel = BackchannelLogout(ctx, settings.backchannel_timeout, app)
    sessions.on_logout.append(backchannel.announce)
    sessions.on_logout.append(lambda ended: revoke_session_grants(ctx, [s.sid for s in ended]))
    sessions.on_client_added.append(backchannel.schedule_expiry)
    app.extensions["idp.backchannel"] = backchannel
    mailer = create_mailer(settings.mail_from, settings.smtp_url, settings.resolved_outbox())
    otp = EmailOtp(
        store,
        mailer,
        app.config["SECRET_KEY"],
        settings.otp_ttl,
        settings.otp_max_attempts,
        settings.otp_resend_cooldown,
        settings.otp_max_sends,
    )
    devices = RememberedDevices(app.config["SECRET_KEY"], settings.remembered_device_ttl)
    throttle = LoginThrottle(
        store, settings.throttle_after, settings.throttle_max_delay, settings.lockout_per_source
    )
    lockout = Lockout(
        lambda: db.session,
        store,
        LockoutPolicy(
            settings.lockout_threshold, settings.lockout_duration, settings.second_factor_lockout
        ),
        devices,
        sessions,
    )
    totp = Totp(lambda: db.session, store, kek, app.config["SECRET_KEY"])
    notices = SecurityNotices(mailer)
    app.extensions["idp.apps"] = AuthenticatorApps(
        lambda: db.session, totp, passwords, devices, sessions, lockout, notices
    )
    app.extensions["idp.login"] = PasswordLogin(
        lambda: db.session,
        passwords,
        sessions,
        otp,
        devices,
        settings.otp_mandatory_date(),
        throttle,
        lockout,
        totp,
        store,
    )

    app.extensions["idp.keys"] = KeyLifecycle(
        lambda: db.session,
        keyring,
        store,
        Timing(
            jwks_max_age=settings.jwks_max_age,
            longest_token_lifetime=max(settings.access_token_ttl, settings.id_token_ttl),
            clock_skew=settings.clock_skew,
            key_cache_seconds=settings.key_cache_seconds,
            rotation_days=settings.key_rotation_days,
        ),
    )
    if settings.psc_enabled:
        app.extensions["idp.psc"] = PscFederation(
            PscClient(settings), store, lambda: db.session, sessions, notices.send
        )
    app.extensions["idp.captcha"] = Captchas(store)
    app.extensions["idp.security"] = AccountSecurity(
        lambda: db.session,
        devices,
        sessions,
        lambda user: revoke_user_grants(ctx, user),
        notices.send,
    )
    app.extensions["idp.passwords"] = PasswordChanges(
        lambda: db.session,
        passwords,
        sessions,
        devices,
        store,
        mailer,
        reset_url=lambda token: f"{settings.issuer}/password/reset/{token}",
        end_grants=lambda user: revoke_user_grants(ctx, user),
        totp=app.extensions["idp.login"].totp,
        lockout=lockout,
    )

    app.extensions["idp.email_changes"] = EmailChanges(
        lambda: db.session,
        store,
        mailer,
        confirm_url=lambda token: f"{settings.issuer}/account/email/confirm/{token}",
        notices=notices,
    )
    app.extensions["idp.admin"] = Administration(
        lambda: db.session,
        passwords,
        app.extensions["idp.security"].end_access,
        app.extensions["idp.passwords"].send_welcome,
        app.extensions["idp.email_changes"].request,
        notices.send,
    )

    from idp.web import init_web

    init_web(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    if not settings.issuer_is_https:
        # Authlib refuses http URLs unless told; validate() allows http only on loopback.
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    app.config.update(
        SECRET_KEY=settings.secret_key or _instance_secret(settings.instance_path),
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url(),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
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


def _instance_secret(instance: Path) -> str:
    """The embedded default keeps its cookie-signing secret in a 0600 file."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker created it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
