"""The client registry: relying-party registrations and Authlib's view of them.

Client secrets are 256-bit random values shown once and stored as SHA-256 digests,
compared in constant time (Authlib's own mixin compares plaintext).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from idp.accounts import audit
from idp.authn.context import ACR_LEVELS
from idp.errors import ConflictError, IdpError, NotFoundError
from idp.oidc import public_http
from idp.oidc.client_cache import ClientSnapshot
from idp.storage.models import OAuthClient

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
SCOPES = ("openid", "profile", "email", "habilitations", "psc", "admin")
SIGNING_ALGS = ("RS256", "PS256", "ES256", "EdDSA")
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{3,100}$")


class InvalidClientMetadataError(IdpError):
    """A registration field is invalid (RFC 7591 ``invalid_client_metadata``)."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class RegisteredClient(ClientMixin):
    """Authlib's ClientMixin over a registration (a cached snapshot of the SQL row)."""

    def __init__(self, record: ClientSnapshot) -> None:
        self.record = record
        self.client_id = record.client_id
        self.id_token_signed_response_alg = record.id_token_signed_response_alg
        self.client_metadata = {"post_logout_redirect_uris": record.post_logout_redirect_uris}

    @property
    def is_public(self) -> bool:
        return self.record.token_endpoint_auth_method == "none"

    @property
    def first_party(self) -> bool:
        return self.record.first_party

    @property
    def may_introspect(self) -> bool:
        """Granted introspection of other clients' tokens (a gateway, a resource server)."""
        return self.record.may_introspect

    @property
    def minimum_acr(self) -> str | None:
        """The least level a login for this module must reach, whatever it asks."""
        return self.record.minimum_acr

    @property
    def pkce_required(self) -> bool:
        """PKCE S256 for every client of the code flow (RFC 9700 2.1.1), unless the operator
        exempted a legacy confidential module; a public client never is."""
        return self.is_public or not self.record.pkce_optional

    @property
    def name(self) -> str:
        return self.record.client_name or self.record.client_id

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.record.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = scope_to_list(self.record.scope) or []
        if not scope:
            return ""
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris  # exact match (RFC 9700 2.1)

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.record.client_secret_hash
        if not stored or len(client_secret) > 512:
            return False
        return hmac.compare_digest(stored, hash_secret(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.record.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.record.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.record.grant_types


@dataclass
class ClientRegistration:
    """What an operator gives to register a client (RFC 7591 names)."""

    client_id: str
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    grant_types: list[str] = field(default_factory=lambda: ["authorization_code"])
    token_endpoint_auth_method: str = "client_secret_basic"
    scope: str = "openid profile email habilitations"
    client_name: str = ""
    first_party: bool = True
    jwks: dict[str, Any] | None = None
    id_token_signed_response_alg: str | None = None
    backchannel_logout_uri: str | None = None
    may_introspect: bool = False
    #: a legacy confidential module that cannot send PKCE yet; never a public client
    pkce_optional: bool = False
    #: the least ``acr`` its logins reach (a module of health data: a phishing-resistant one)
    minimum_acr: str | None = None
    #: it gives access to health data (the assurance report says how its sign-ins were made)
    health_data: bool = False

    def validate(self, allow_private_addresses: bool = True) -> None:
        """``allow_private_addresses``: a back-channel logout URI may point at loopback or a
        private network (development and tests, whose modules run on this machine)."""
        if not CLIENT_ID_PATTERN.match(self.client_id):
            raise InvalidClientMetadataError("client_id: 3-100 letters, digits or . _ : -")
        for grant in self.grant_types:
            if grant not in GRANT_TYPES:
                raise InvalidClientMetadataError(f"grant_type: unsupported {grant!r}")
        if self.token_endpoint_auth_method not in AUTH_METHODS:
            raise InvalidClientMetadataError("auth_method: unsupported")
        public = self.token_endpoint_auth_method == "none"
        if public and "client_credentials" in self.grant_types:
            raise InvalidClientMetadataError("a public client cannot use client_credentials")
        if self.minimum_acr is not None and self.minimum_acr not in ACR_LEVELS:
            raise InvalidClientMetadataError(f"minimum_acr: unknown {self.minimum_acr!r}")
        if public and self.pkce_optional:
            raise InvalidClientMetadataError("pkce_optional: a public client always uses PKCE")
        if self.token_endpoint_auth_method == "private_key_jwt":
            check_public_jwks(self.jwks)
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise InvalidClientMetadataError("redirect_uri: at least one for authorization_code")
        for uri in self.redirect_uris + self.post_logout_redirect_uris:
            check_redirect_uri_registration(uri)
        if self.backchannel_logout_uri is not None:
            check_redirect_uri_registration(self.backchannel_logout_uri)
            if not allow_private_addresses:
                try:
                    public_http.check_literal_host(self.backchannel_logout_uri)
                except public_http.PrivateAddressError as error:
                    raise InvalidClientMetadataError(f"backchannel_logout_uri: {error}") from None
        if self.id_token_signed_response_alg not in (None, *SIGNING_ALGS):
            raise InvalidClientMetadataError("id_token_signed_response_alg: unsupported")
        unknown = [s for s in self.scope.split() if s not in SCOPES]
        if unknown:
            raise InvalidClientMetadataError(f"scope: unsupported {' '.join(unknown)}")


def check_public_jwks(jwks: dict[str, Any] | None) -> None:
    """private_key_jwt needs the client's public keys, and only public ones."""
    if not jwks:
        raise InvalidClientMetadataError("private_key_jwt needs the client's public jwks")
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]  # checked by joserfc
    except Exception as exc:  # joserfc raises several types for malformed sets
        raise InvalidClientMetadataError("jwks: not a valid JWK set") from exc
    if any(key.is_private for key in keys.keys):
        raise InvalidClientMetadataError("jwks: must hold public keys only")


def check_redirect_uri_registration(uri: str) -> None:
    """Absolute, no fragment; https except on the loopback address (RFC 8252 7.3)."""
    parts = urlsplit(uri)
    if parts.fragment or not parts.netloc or parts.scheme not in ("https", "http"):
        raise InvalidClientMetadataError(f"redirect_uri: {uri!r} must be absolute, no fragment")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise InvalidClientMetadataError(f"redirect_uri: {uri!r} must use https")


def create_client(
    session: Session,
    registration: ClientRegistration,
    actor: str = audit.SYSTEM,
    secret: str | None = None,
    allow_private_addresses: bool = True,
) -> tuple[OAuthClient, str | None]:
    """Register a client; returns it and its secret (shown once, None without one).

    ``secret`` is for the development demo only; real clients get 256 random bits.
    """
    registration.validate(allow_private_addresses)
    if get_client(session, registration.client_id) is not None:
        raise ConflictError(f"client {registration.client_id!r} exists")
    if registration.token_endpoint_auth_method in ("client_secret_basic", "client_secret_post"):
        secret = secret or secrets.token_urlsafe(32)
    else:
        secret = None
    record = OAuthClient(
        client_id=registration.client_id,
        client_secret_hash=hash_secret(secret) if secret else None,
        client_name=registration.client_name,
        first_party=registration.first_party,
        redirect_uris=registration.redirect_uris,
        post_logout_redirect_uris=registration.post_logout_redirect_uris,
        grant_types=registration.grant_types,
        scope=registration.scope,
        token_endpoint_auth_method=registration.token_endpoint_auth_method,
        jwks=registration.jwks,
        id_token_signed_response_alg=registration.id_token_signed_response_alg,
        backchannel_logout_uri=registration.backchannel_logout_uri,
        may_introspect=registration.may_introspect,
        pkce_optional=registration.pkce_optional,
        minimum_acr=registration.minimum_acr,
        health_data=registration.health_data,
    )
    session.add(record)
    audit.record(session, actor, "client.created", f"client:{record.client_id}")
    return record, secret


def set_assurance(
    session: Session, record: OAuthClient, changes: dict[str, Any], actor: str
) -> list[str]:
    """Change a module's ``minimum_acr`` or ``health_data`` (support, through the admin API);
    audited; the caller commits. What changed."""
    names: tuple[str, ...] = ("minimum_acr", "health_data")
    wanted = {name: changes[name] for name in names if name in changes}
    if wanted.get("minimum_acr") not in (None, *ACR_LEVELS):
        raise InvalidClientMetadataError(f"minimum_acr: unknown {wanted['minimum_acr']!r}")
    changed = [name for name, value in wanted.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, wanted[name])
    if changed:
        audit.record(
            session,
            actor,
            "client.updated",
            f"client:{record.client_id}",
            fields=changed,
            **{name: wanted[name] for name in changed},
        )
    return changed


def get_client(session: Session, client_id: str) -> OAuthClient | None:
    if not isinstance(client_id, str) or len(client_id) > 100:
        return None
    return session.query(OAuthClient).filter_by(client_id=client_id).one_or_none()


def load_snapshot(session: Session, client_id: str) -> ClientSnapshot | None:
    record = get_client(session, client_id)
    return ClientSnapshot.of(record) if record is not None else None


def list_clients(session: Session) -> list[OAuthClient]:
    return session.query(OAuthClient).order_by(OAuthClient.client_id).all()


def delete_client(session: Session, client_id: str, actor: str = audit.SYSTEM) -> None:
    record = get_client(session, client_id)
    if record is None:
        raise NotFoundError(f"no client {client_id!r}")
    session.delete(record)
    audit.record(session, actor, "client.deleted", f"client:{client_id}")


def describe(record: OAuthClient) -> dict[str, Any]:
    """Public registration metadata (never the secret or its hash)."""
    return {
        "client_id": record.client_id,
        "client_name": record.client_name,
        "first_party": record.first_party,
        "redirect_uris": record.redirect_uris,
        "post_logout_redirect_uris": record.post_logout_redirect_uris,
        "grant_types": record.grant_types,
        "token_endpoint_auth_method": record.token_endpoint_auth_method,
        "scope": record.scope,
        "id_token_signed_response_alg": record.id_token_signed_response_alg or "RS256",
        "backchannel_logout_uri": record.backchannel_logout_uri,
        "may_introspect": bool(record.may_introspect),
        "pkce_optional": bool(record.pkce_optional),
        "minimum_acr": record.minimum_acr,
        "health_data": bool(record.health_data),
        "created_at": record.created_at.isoformat() if record.created_at else None,
    }
