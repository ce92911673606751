"""One typed settings object: defaults < config/*.toml < ``IDP_*`` environment.

Every option has a default and a one-line description. ``load_settings`` reads the sources in
order and ``Settings.validate`` refuses a configuration that would be unsafe or cannot work,
so the provider fails at start rather than on a user's request.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from idp.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _doc(text: str, default: Any = None, factory: Any = None) -> Any:
    if factory is not None:
        return field(default_factory=factory, metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


@dataclass
class Settings:
    """Everything an operator can set. Environment variable: ``IDP_`` + the upper-case name."""

    environment: str = _doc("development, testing or production", "development")
    issuer: str = _doc("issuer identifier; https outside development", "http://127.0.0.1:5000")
    instance_dir: str = _doc("folder for the embedded default's files", str(ROOT / "instance"))
    database_url: str = _doc("SQLAlchemy URL; default: SQLite under instance_dir", "")
    redis_url: str = _doc("Redis URL; unset: the in-process store (one process only)", "")
    smtp_url: str = _doc("smtp://user:password@host:port; unset: the outbox folder", "")
    secret_key: str = _doc("signs cookies; default: a file under instance_dir", "")
    key_encryption_key: str = _doc("base64 AES-256 key wrapping private keys", "")
    key_encryption_key_file: str = _doc("where the embedded default keeps its KEK", "")
    default_locale: str = _doc("language of the hosted pages", "fr")
    supported_locales: list[str] = _doc(
        "languages the pages can show", factory=lambda: ["fr", "en"]
    )
    authorization_code_ttl: int = _doc("seconds an authorization code lives (at most 60)", 60)
    access_token_ttl: int = _doc("seconds an access token lives", 600)
    id_token_ttl: int = _doc("seconds an ID token lives", 600)
    refresh_token_ttl: int = _doc("seconds a refresh token lives unused", 12 * 3600)
    sso_session_ttl: int = _doc("seconds a single sign-on session lives", 10 * 3600)
    refresh_family_max_age: int = _doc(
        "seconds a refresh grant lives from the login, whatever its rotations "
        "(0: as long as the single sign-on session)",
        0,
    )
    second_factor_lockout: int = _doc(
        "consecutive wrong second-factor codes (email, app, reset page) that lock an account "
        "out for unknown browsers",
        10,
    )
    pending_request_ttl: int = _doc("seconds a user may take to sign in", 1800)
    pending_unseen_ttl: int = _doc(
        "seconds a waiting authorization request lives until its login page is shown", 120
    )
    clock_skew: int = _doc("seconds of leeway when checking client assertions", 60)
    argon2_time_cost: int = _doc("argon2id passes (OWASP minimum: 2)", 2)
    argon2_memory_cost: int = _doc("argon2id memory in KiB (OWASP minimum: 19456)", 19456)
    argon2_parallelism: int = _doc("argon2id lanes", 1)
    signing_alg: str = _doc(
        "algorithm of access tokens (RS256, PS256, ES256, EdDSA); ES256 signs ten times faster "
        "than RS256. ID tokens use RS256 unless a client registers another",
        "ES256",
    )
    key_cache_seconds: int = _doc("how long a worker trusts its cached signing keys", 30)
    holder_cache_seconds: float = _doc(
        "how long a worker reuses an account's state for introspection and userinfo "
        "(revocations are immediate regardless)",
        5.0,
    )
    key_rotation_days: int = _doc("age of the active key after which `rotate --if-due` acts", 90)
    jwks_max_age: int = _doc("Cache-Control max-age of the JWKS, in seconds", 300)
    backchannel_timeout: float = _doc(
        "seconds a module may take to accept a back-channel logout before a later retry", 2.0
    )
    otp_mandatory_from: str = _doc(
        "date (YYYY-MM-DD) from which every password login asks a "
        "code; before it only flagged accounts",
        "2026-03-31",
    )
    otp_ttl: int = _doc("seconds an emailed code is valid", 600)
    otp_max_attempts: int = _doc("wrong codes that void a challenge", 5)
    otp_resend_cooldown: int = _doc("seconds between two sends of a code", 30)
    otp_max_sends: int = _doc("sends of a code per challenge", 4)
    remembered_device_ttl: int = _doc("seconds a browser is remembered after a code", 8 * 3600)
    lockout_threshold: int = _doc(
        "consecutive failed passwords from unknown browsers that lock an account out for them "
        "(and failed passwords a known browser may make before it counts as unknown)",
        10,
    )
    lockout_per_source: int = _doc("failures one IP address may add to an account's count", 5)
    lockout_duration: int = _doc(
        "seconds unknown browsers stay locked out unless a référent unblocks", 900
    )
    passkey_aaguids: list[str] = _doc(
        "AAGUIDs of the only authenticator models accepted as passkeys (empty: any)",
        factory=list,
    )
    passkey_activation: str = _doc(
        "the fresh sign-in that adds a passkey: psc_when_linked (Pro Santé Connect for an "
        "account linked to a national identifier, else a second factor) or second_factor",
        "psc_when_linked",
    )
    known_browser_ttl: int = _doc(
        "seconds a browser stays known to an account after a login (exempt from lockouts)",
        90 * 24 * 3600,
    )
    throttle_after: int = _doc("failures (account + IP) before each try waits", 3)
    throttle_max_delay: int = _doc("longest wait between two tries, in seconds", 60)
    rate_limit_login: str = _doc("per-IP limit of password, code and reset posts", "30/minute")
    rate_limit_resend: str = _doc("per-IP limit of code resends", "10/minute")
    reset_mails_per_hour: int = _doc("password-reset links mailed to one account per hour", 3)
    rate_limit_captcha: str = _doc("per-IP limit of captcha images", "60/minute")
    rate_limit_captcha_audio: str = _doc(
        "per-IP limit of captcha sounds (about half a second of CPU each when drawn)", "10/minute"
    )
    rate_limit_pending: str = _doc(
        "per-IP limit of authorization requests kept waiting for a login (a signed-in "
        "browser's requests are not counted; one address may hide a whole hospital)",
        "120/minute",
    )
    inactivity_days: int = _doc("days without login after which maintenance deactivates", 365)
    log_format: str = _doc("text, or json: one JSON object per line with the request id", "text")
    metrics_token: str = _doc(
        "bearer token a Prometheus scraper sends to /metrics; unset: /metrics answers 404", ""
    )
    charter_version: str = _doc(
        "version of the conditions of use (CGU) every account accepts", "2026-01"
    )
    support_email: str = _doc("support address shown to professionals", "support.VT.pro@sesan.fr")
    support_phone: str = _doc(
        "support phone shown to professionals", "01 48 78 75 82 (du lundi au vendredi, 8h-20h)"
    )
    mail_from: str = _doc(
        "sender address of the provider's mails", "ne-pas-repondre@viatrajectoire.fr"
    )
    outbox_dir: str = _doc(
        "folder of the embedded default's mails; default instance_dir/outbox", ""
    )
    demo: bool = _doc("seed a demo user and demo clients (development only)", False)
    psc_issuer: str = _doc("Pro Santé Connect issuer; unset: the CPS buttons are hidden", "")
    psc_discovery_url: str = _doc(
        "PSC discovery document; default {issuer}/.well-known/wallet-openid-configuration", ""
    )
    psc_client_id: str = _doc("our client id at Pro Santé Connect", "")
    psc_client_secret: str = _doc("our client secret at Pro Santé Connect", "")
    psc_token_auth_method: str = _doc(
        "client_secret_basic or client_secret_post at PSC's token endpoint", "client_secret_basic"
    )
    psc_client_cert: str = _doc("PEM client certificate for mTLS to PSC (optional)", "")
    psc_client_key: str = _doc("PEM private key of psc_client_cert", "")
    psc_authorization_endpoint: str = _doc("override of PSC's authorization endpoint", "")
    psc_token_endpoint: str = _doc("override of PSC's token endpoint", "")
    psc_userinfo_endpoint: str = _doc("override of PSC's userinfo endpoint", "")
    psc_jwks_uri: str = _doc("override of PSC's JWKS", "")
    psc_end_session_endpoint: str = _doc("override of PSC's logout endpoint", "")
    psc_scope: str = _doc("scope asked of PSC", "openid scope_all")
    psc_acr_values: str = _doc("acr_values asked of PSC", "eidas1")
    psc_timeout: float = _doc("seconds to wait for any answer from PSC", 5.0)
    psc_leeway: int = _doc("seconds of clock skew tolerated on PSC's ID tokens", 60)
    psc_jwks_refetch_interval: int = _doc(
        "fewest seconds between two JWKS fetches on an unknown kid", 10
    )

    @property
    def passkey_rp_id(self) -> str | None:
        """The WebAuthn RP ID: the issuer's host, if it is a domain name (browsers refuse an
        IP address, so passkeys are off on one: serve on ``localhost`` to try them)."""
        host = urlsplit(self.issuer).hostname or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return host or None
        return None

    @property
    def issuer_origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def psc_enabled(self) -> bool:
        """PSC is offered only when configured; otherwise its buttons are hidden."""
        return bool(self.psc_client_id and (self.psc_issuer or self.psc_discovery_url))

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def instance_path(self) -> Path:
        return Path(self.instance_dir)

    @property
    def issuer_is_https(self) -> bool:
        return urlsplit(self.issuer).scheme == "https"

    def key_algorithms(self) -> list[str]:
        """The algorithms that need an active key: access tokens', and RS256, which ID tokens,
        logout tokens and every OpenID Connect client can rely on."""
        return sorted({"RS256", self.signing_alg})

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_path / 'idp.db'}"

    def resolved_outbox(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else self.instance_path / "outbox"

    def family_max_age(self) -> int:
        """How long after the login a refresh grant ends (RFC 9700 4.14.2: an absolute end)."""
        return self.refresh_family_max_age or self.sso_session_ttl

    def otp_mandatory_date(self) -> date:
        return date.fromisoformat(self.otp_mandatory_from)

    def resolved_kek_file(self) -> Path:
        return Path(self.key_encryption_key_file or ROOT / "keys" / "kek")

    def validate(self) -> Settings:
        """Refuse settings that are unsafe or cannot work; returns self for chaining."""
        if self.log_format not in {"text", "json"}:
            raise ConfigurationError(f"log_format: text or json, not {self.log_format!r}")
        if self.environment not in {"development", "testing", "production"}:
            raise ConfigurationError(f"environment: unknown value {self.environment!r}")
        parts = urlsplit(self.issuer)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
            raise ConfigurationError("issuer: must be an absolute http(s) URL without query")
        if self.issuer.endswith("/"):
            raise ConfigurationError("issuer: must not end with a slash")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigurationError("issuer: https is required outside the loopback address")
        if self.is_production and parts.scheme != "https":
            raise ConfigurationError("issuer: production requires https")
        if self.is_production and self.demo:
            raise ConfigurationError("demo: demo data refuses to run in production")
        if self.is_production and not self.secret_key:
            raise ConfigurationError("secret_key: IDP_SECRET_KEY is required in production")
        for name in (
            "access_token_ttl",
            "id_token_ttl",
            "refresh_token_ttl",
            "sso_session_ttl",
            "pending_request_ttl",
            "key_cache_seconds",
            "jwks_max_age",
        ):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{name}: must be a positive number of seconds")
        if not 1 <= self.authorization_code_ttl <= 60:
            raise ConfigurationError("authorization_code_ttl: between 1 and 60 seconds")
        if self.argon2_time_cost < 1 or self.argon2_memory_cost < 8 or self.argon2_parallelism < 1:
            raise ConfigurationError("argon2: parameters out of range")
        try:
            self.otp_mandatory_date()
        except ValueError as exc:
            raise ConfigurationError("otp_mandatory_from: a date as YYYY-MM-DD") from exc
        if self.refresh_family_max_age < 0:
            raise ConfigurationError("refresh_family_max_age: seconds, or 0")
        for name in (
            "otp_ttl",
            "otp_max_attempts",
            "otp_max_sends",
            "remembered_device_ttl",
            "known_browser_ttl",
            "pending_unseen_ttl",
            "second_factor_lockout",
        ):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{name}: must be positive")
        if self.signing_alg not in {"RS256", "PS256", "ES256", "EdDSA"}:
            raise ConfigurationError("signing_alg: RS256, PS256, ES256 or EdDSA")
        if self.default_locale not in self.supported_locales:
            raise ConfigurationError("default_locale: must be one of supported_locales")
        if self.passkey_activation not in {"psc_when_linked", "second_factor"}:
            raise ConfigurationError("passkey_activation: psc_when_linked or second_factor")
        self._validate_psc()
        return self

    def _validate_psc(self) -> None:
        if not self.psc_enabled:
            return
        if not self.psc_client_secret and not self.psc_client_cert:
            raise ConfigurationError("psc_client_secret: required (or psc_client_cert for mTLS)")
        if self.psc_token_auth_method not in {"client_secret_basic", "client_secret_post"}:
            raise ConfigurationError(
                "psc_token_auth_method: client_secret_basic or client_secret_post"
            )
        if bool(self.psc_client_cert) != bool(self.psc_client_key):
            raise ConfigurationError("psc_client_cert and psc_client_key go together")
        for name in ("psc_issuer", "psc_discovery_url", "psc_authorization_endpoint"):
            url = getattr(self, name)
            parts = urlsplit(url)
            if url and (parts.scheme not in {"http", "https"} or not parts.netloc):
                raise ConfigurationError(f"{name}: must be an absolute http(s) URL")
            if url and parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
                raise ConfigurationError(f"{name}: https is required outside the loopback address")
        if self.psc_timeout <= 0 or self.psc_leeway < 0:
            raise ConfigurationError("psc_timeout must be positive and psc_leeway not negative")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def _coerce(name: str, raw: str, kind: Any) -> Any:
    kind = str(kind)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes"}
        if kind.startswith("list"):
            return [item.strip() for item in raw.split(",") if item.strip()]
    except ValueError as exc:
        raise ConfigurationError(f"IDP_{name.upper()}: not a valid {kind}") from exc
    return raw


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return _flatten(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: {exc}") from exc


def load_settings(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Build the settings from defaults, config/default.toml, IDP_CONFIG, IDP_* and overrides."""
    environ = dict(os.environ if environ is None else environ)
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    sources = [ROOT / "config" / "default.toml"]
    if environ.get("IDP_CONFIG"):
        sources.append(Path(environ["IDP_CONFIG"]))
    for source in sources:
        if source.exists() or source != sources[0]:
            values.update(_read_toml(source))
    for name, spec in known.items():
        raw = environ.get(f"IDP_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(name, raw, spec.type)
    values.update(overrides or {})
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigurationError(f"unknown settings: {', '.join(unknown)}")
    return dataclasses.replace(Settings(), **values).validate()
