"""Every service of the provider, built once per process from the settings and the store
(``build_services``), and reached by typed attributes: views through
``idp.web.context.services()``, the CLI, the worker and tests through ``of(app)``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from idp.accounts.administration import Administration
from idp.authn.account_security import AccountSecurity
from idp.authn.app_enrolment import AuthenticatorApps
from idp.authn.captcha import Captchas
from idp.authn.email_changes import EmailChanges
from idp.authn.known_browsers import KnownBrowsers
from idp.authn.lockout import Lockout, LockoutPolicy
from idp.authn.login import PasswordLogin
from idp.authn.notices import SecurityNotices
from idp.authn.otp import EmailOtp
from idp.authn.passkey_login import PasskeyLogin
from idp.authn.passkeys import PasskeyPolicy, Passkeys
from idp.authn.password_changes import PasswordChanges
from idp.authn.passwords import Passwords
from idp.authn.psc.client import PscClient
from idp.authn.psc.federation import PscFederation
from idp.authn.remembered_devices import RememberedDevices
from idp.authn.sessions import SessionService
from idp.authn.throttle import LoginThrottle
from idp.authn.totp import Totp
from idp.background import Deferred
from idp.keyring import Keyring
from idp.keyring.kek import load_kek
from idp.keyring.lifecycle import KeyLifecycle, Timing
from idp.mail import create_mailer
from idp.oidc.backchannel import BackchannelLogout
from idp.oidc.client_cache import ClientCache
from idp.oidc.context import ProviderContext
from idp.oidc.grant_ends import revoke_session_grants, revoke_user_grants
from idp.oidc.provider import Provider
from idp.settings import Settings
from idp.storage import current_session
from idp.storage.ephemeral import EphemeralStore

EXTENSION = "idp"


@dataclass(frozen=True)
class Services:
    context: ProviderContext  # what the protocol modules are given
    provider: Provider
    login: PasswordLogin
    otp: EmailOtp
    totp: Totp
    devices: RememberedDevices
    throttle: LoginThrottle
    apps: AuthenticatorApps
    security: AccountSecurity
    password_changes: PasswordChanges
    email_changes: EmailChanges
    admin: Administration
    keys: KeyLifecycle
    backchannel: BackchannelLogout
    captchas: Captchas
    psc: PscFederation | None  # None unless Pro Santé Connect is configured
    secret_key: str
    passkeys: Passkeys
    passkey_login: PasskeyLogin
    deferred: Deferred  # work off the request path, on the background thread

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def store(self) -> EphemeralStore:
        return self.context.store

    @property
    def keyring(self) -> Keyring:
        return self.context.keyring

    @property
    def passwords(self) -> Passwords:
        return self.context.passwords

    @property
    def sessions(self) -> SessionService:
        return self.context.sessions

    @property
    def clients(self) -> ClientCache:
        return self.context.clients


def of(app: Flask) -> Services:
    """The services of an application made by ``idp.create_app``."""
    services: Services = app.extensions[EXTENSION]
    return services


def build_services(settings: Settings, store: EphemeralStore) -> Services:
    """Wire the provider: one place where settings, storage, keys, authentication and the
    protocol meet."""
    secret_key = settings.secret_key or _instance_secret(settings.instance_path)
    sessions = SessionService(store, settings.sso_session_ttl)
    passwords = Passwords(
        settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
    )
    kek = load_kek(settings.key_encryption_key, settings.resolved_kek_file())
    keyring = Keyring(current_session, kek, settings.key_cache_seconds)
    ctx = ProviderContext(
        settings=settings,
        store=store,
        keyring=keyring,
        passwords=passwords,
        sessions=sessions,
        db_session=current_session,
    )
    backchannel = BackchannelLogout(ctx, settings.backchannel_timeout)
    sessions.on_logout.append(backchannel.announce)
    sessions.on_logout.append(lambda ended: revoke_session_grants(ctx, [s.sid for s in ended]))
    sessions.on_client_added.append(backchannel.schedule_expiry)
    mailer = create_mailer(settings.mail_from, settings.smtp_url, settings.resolved_outbox())
    otp = EmailOtp(
        store,
        mailer,
        secret_key,
        settings.otp_ttl,
        settings.otp_max_attempts,
        settings.otp_resend_cooldown,
        settings.otp_max_sends,
    )
    devices = RememberedDevices(secret_key, settings.remembered_device_ttl)
    throttle = LoginThrottle(
        store, settings.throttle_after, settings.throttle_max_delay, settings.lockout_per_source
    )
    lockout = Lockout(
        current_session,
        store,
        LockoutPolicy(
            settings.lockout_threshold, settings.lockout_duration, settings.second_factor_lockout
        ),
    )
    known_browsers = KnownBrowsers(
        secret_key,
        store,
        settings.known_browser_ttl,
        allowance=settings.lockout_threshold,
        window=settings.lockout_duration,
    )
    totp = Totp(current_session, store, kek, secret_key)
    notices = SecurityNotices(mailer)
    passkeys = Passkeys(
        current_session,
        store,
        PasskeyPolicy(
            rp_id=settings.passkey_rp_id,
            rp_name="ViaTrajectoire",
            origin=settings.issuer_origin,
            aaguids=frozenset(a.lower() for a in settings.passkey_aaguids),
        ),
        notices.send,
    )
    apps = AuthenticatorApps(current_session, totp, passwords, devices, sessions, lockout, notices)
    login = PasswordLogin(
        db_session=current_session,
        store=store,
        passwords=passwords,
        sessions=sessions,
        otp=otp,
        totp=totp,
        devices=devices,
        known_browsers=known_browsers,
        passkeys=passkeys,
        throttle=throttle,
        lockout=lockout,
        otp_mandatory_from=settings.otp_mandatory_date(),
    )

    keys = KeyLifecycle(
        current_session,
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
    psc = (
        PscFederation(PscClient(settings), store, current_session, sessions, notices.send)
        if settings.psc_enabled
        else None
    )
    security = AccountSecurity(
        current_session,
        devices,
        sessions,
        lambda user: revoke_user_grants(ctx, user),
        notices.send,
    )
    deferred = Deferred("deferred")
    password_changes = PasswordChanges(
        current_session,
        passwords,
        sessions,
        devices,
        store,
        mailer,
        reset_url=lambda token: f"{settings.issuer}/password/reset/{token}",
        end_grants=lambda user: revoke_user_grants(ctx, user),
        totp=totp,
        lockout=lockout,
        deferred=deferred,
        reset_mails_per_hour=settings.reset_mails_per_hour,
    )

    email_changes = EmailChanges(
        current_session,
        store,
        mailer,
        confirm_url=lambda token: f"{settings.issuer}/account/email/confirm/{token}",
        notices=notices,
    )
    admin = Administration(
        current_session,
        passwords,
        security.end_access,
        password_changes.send_welcome,
        email_changes.request,
        notices.send,
    )
    return Services(
        context=ctx,
        provider=Provider(ctx),
        login=login,
        otp=otp,
        totp=totp,
        devices=devices,
        throttle=throttle,
        apps=apps,
        security=security,
        password_changes=password_changes,
        email_changes=email_changes,
        admin=admin,
        keys=keys,
        backchannel=backchannel,
        captchas=Captchas(store),
        psc=psc,
        secret_key=secret_key,
        passkeys=passkeys,
        passkey_login=PasskeyLogin(current_session, passkeys, sessions, known_browsers),
        deferred=deferred,
    )


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
