"""SQLAlchemy models: the durable state listed in docs/design.md ("Where state lives").

Secrets are never stored in clear: client secrets and refresh tokens as SHA-256 digests
(they are 256-bit random values, so a fast hash is enough), passwords as argon2id hashes,
private keys encrypted under the key-encryption key.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from idp import clock
from idp.storage.database import db


def utcnow() -> datetime:
    return clock.utcnow()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# Every model below subclasses ``db.Model``, which Flask-SQLAlchemy makes at run time from our
# ``Base``; type checkers see a variable, not a class, hence ``type: ignore[name-defined]`` on
# each (its columns are typed through ``Mapped`` all the same).


class User(db.Model):  # type: ignore[name-defined]
    """A person who signs in. ``subject`` is the stable, non-reassignable ``sub``."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    #: the username compared case-insensitively (``idp.accounts.usernames``): what is unique
    username_key: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    #: an address a referent or support typed, waiting for its owner to confirm it
    pending_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    given_name: Mapped[str] = mapped_column(String(150), default="")
    family_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # the "double authentification" flag of ViaTrajectoire accounts
    otp_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: blocked by a référent or support ("Bloquer le compte"): nothing signs in, until then
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: after too many wrong passwords or codes: password attempts from browsers the account
    #: has not used are refused until then (sessions, known browsers and PSC go on)
    locked_out_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: every sign-in before this instant has ended: its sessions, codes, grants, tokens
    signed_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: WebAuthn user handle: random, made at the first passkey (never a name or an id)
    passkey_handle: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    fax: Mapped[str] = mapped_column(String(40), default="", server_default="")
    mobile: Mapped[str] = mapped_column(String(40), default="", server_default="")
    profession: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: Pro Santé Connect's SubjectNameID (RPPS, ADELI, FINESS-based…), stored verbatim; unique
    #: among the accounts where it is verified (``uq_users_verified_national_id``)
    national_id: Mapped[str | None] = mapped_column(String(100), index=True, nullable=True)
    #: False while the identifier was only typed by a referent: the first PSC login with it
    #: then goes through the person's own "rattachement" (password + second factor)
    national_id_verified: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: what PSC signed at the last PSC login (professions, exercices), for the ``psc`` scope
    psc_profile: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: regional or national administrator ("support"): may manage every establishment
    is_support: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[str] = mapped_column(String(150), default="", server_default="")
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    charter_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    charter_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "uq_users_verified_national_id",
            "national_id",
            unique=True,
            sqlite_where=text("national_id_verified"),
            postgresql_where=text("national_id_verified"),
        ),
    )

    def get_user_id(self) -> str:
        return self.subject


class Passkey(db.Model):  # type: ignore[name-defined]
    """A WebAuthn credential of an account (its public key, never a secret)."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the authenticator's model (all zeros when it does not say)
    aaguid: Mapped[str] = mapped_column(String(36))
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: synced by a passkey provider (backup eligible), and backed up at its last use
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(60))
    #: the ``acr`` of the fresh sign-in that added it (Pro Santé Connect, or a second factor)
    activated_with: Mapped[str] = mapped_column(String(100))
    activated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: when its sign count went back (a copy of it exists): it signs nobody in any more
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SignInCount(db.Model):  # type: ignore[name-defined]
    """Sign-ins to a module per day and level: what the assurance report counts (a
    structure's homologation file), never who signed in."""

    __tablename__ = "sign_in_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    acr: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Establishment(db.Model):  # type: ignore[name-defined]
    """An establishment or service, known by its FINESS number."""

    __tablename__ = "establishments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finess: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(80))  # EHPAD, CH, MAIA, CD, CMP, accueil de jour…
    region: Mapped[str] = mapped_column(String(80), default="")
    #: the FINESS department code ("07", "2A", "9A" for Guadeloupe…)
    department: Mapped[str] = mapped_column(String(3), default="", server_default="")


class Unit(db.Model):  # type: ignore[name-defined]
    """A unit inside an establishment (a ward, a service, a day-care)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(
        ForeignKey("establishments.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))


class Profile(db.Model):  # type: ignore[name-defined]
    """A habilitation profile of one module, carrying rights ("Grand Age - Direction")."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    module: Mapped[str] = mapped_column(String(40))  # GRAND_AGE, HANDICAP, ANNUAIRES, …
    rights: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_referent: Mapped[bool] = mapped_column(Boolean, default=False)


class Habilitation(db.Model):  # type: ignore[name-defined]
    """An account may act with a profile, at a place, for a period. Ended ones stay listed."""

    __tablename__ = "habilitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    receives_mails: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(150), nullable=True)

    profile: Mapped[Profile] = relationship(lazy="joined")
    establishment: Mapped[Establishment] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    def is_valid(self, today: date) -> bool:
        return valid_period(self.valid_from, self.valid_to, self.ended_at, today)

    def is_pending_or_valid(self, today: date) -> bool:
        """Not ended and not over: valid today or starting later. A habilitation that starts
        next month already says where the account belongs (who may manage it)."""
        return self.ended_at is None and (self.valid_to is None or today <= self.valid_to)


def valid_period(
    valid_from: date, valid_to: date | None, ended_at: datetime | None, today: date
) -> bool:
    """A habilitation's validity from its columns alone (for queries that load no objects)."""
    return ended_at is None and valid_from <= today and (valid_to is None or today <= valid_to)


class OAuthClient(db.Model):  # type: ignore[name-defined]
    """A relying party registration (RFC 7591 metadata names)."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    client_name: Mapped[str] = mapped_column(String(200), default="")
    first_party: Mapped[bool] = mapped_column(Boolean, default=True)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text, default="openid")
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    id_token_signed_response_alg: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: OpenID Connect Back-Channel Logout 1.0
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: may introspect tokens issued to other clients (RFC 7662 4: the server decides who)
    may_introspect: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: a legacy confidential module that cannot send PKCE yet (RFC 9700 wants it of every one)
    pkce_optional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the least ``acr`` a login for this module reaches, whatever it asks (step-up)
    minimum_acr: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: the module gives access to health data (the assurance report counts its sign-ins)
    health_data: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RefreshToken(db.Model):  # type: ignore[name-defined]
    """One refresh token of a family; rotation marks it used and issues the next one."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    auth_time: Mapped[int] = mapped_column(Integer)
    acr: Mapped[str | None] = mapped_column(String(100), nullable=True)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RememberedDevice(db.Model):  # type: ignore[name-defined]
    """A browser that passed the second factor for one account; the cookie holds only its id."""

    __tablename__ = "remembered_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    acr: Mapped[str] = mapped_column(String(100))
    authenticated_at: Mapped[int] = mapped_column(Integer)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TotpCredential(db.Model):  # type: ignore[name-defined]
    """An authenticator app (RFC 6238) of one account; the secret is encrypted under the KEK."""

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    last_used_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RecoveryCode(db.Model):  # type: ignore[name-defined]
    """A single-use code to sign in without the app, stored as a keyed hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SigningKey(db.Model):  # type: ignore[name-defined]
    """A signing key; the private JWK is AES-256-GCM encrypted under the KEK."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), index=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_jwk_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: a retired key stays published until then (longest token lifetime + clock skew)
    unpublish_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        # two instances rotating at once can never leave two active keys for one algorithm
        db.Index(
            "uq_signing_keys_one_active_per_alg",
            "alg",
            unique=True,
            sqlite_where=db.text("state = 'active'"),
            postgresql_where=db.text("state = 'active'"),
        ),
    )


class Consent(db.Model):  # type: ignore[name-defined]
    """Scopes a person granted to a third-party client, remembered per scope."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(Text, default="")
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (db.UniqueConstraint("user_id", "client_id", name="uq_consents_user_client"),)


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who changed what, when: every state change made by a person or by ``system``."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LogoutDelivery(db.Model):  # type: ignore[name-defined]
    """A back-channel logout waiting to reach a module: the durable queue behind
    ``idp backchannel deliver`` (retried with backoff until delivered or given up). The token
    is signed afresh at each attempt, so a late delivery is not an expired token."""

    __tablename__ = "logout_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), index=True)
    uri: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    gave_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")


class JobRun(db.Model):  # type: ignore[name-defined]
    """One run of a scheduled job (``idp worker``). Inserting the (job, slot) row is the claim:
    of several workers, the one whose insert succeeds runs that slot; the row is its record."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="running", server_default="running")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
