"""Access tokens: JWTs (RFC 9068) signed by the active key, and their verification.

An access token's ``jti`` is ``<family>.<random>`` for tokens issued to a person, so that
ending a grant (``oidc.grant_ends``) also ends every access token it gave.
"""

from __future__ import annotations

import secrets
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError

from idp import clock
from idp.accounts.users import TokenHolder
from idp.oidc.claims import access_token_claims
from idp.oidc.context import ProviderContext
from idp.oidc.grant_ends import revocation_state
from idp.oidc.principal import Principal
from idp.oidc.token_text import looks_like_jwt

ACCESS_TOKEN_TYP = "at+jwt"


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens signed by the active key of ``signing_alg`` (ES256 signs about ten
    times faster than RS256), ``kid`` set, lifetimes from settings."""

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(
            issuer=ctx.issuer,
            alg=ctx.settings.signing_alg,
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: ctx.settings.access_token_ttl,
        )
        self.ctx = ctx

    def get_jwks(self) -> Any:
        """The active key, handed to joserfc as a resolver that also names it in the header
        (``kid``): picking it out of a key set cost more than the ES256 signature's encoding."""
        key = self.ctx.keyring.signing_key(self.alg)

        def active_key(signature: Any) -> Any:
            signature.set_kid(str(key.kid))
            return key

        return active_key

    def get_jti(self, client: Any, grant_type: str, user: Any, scope: str) -> str:
        random = secrets.token_urlsafe(16)
        return f"{user.family_id}.{random}" if isinstance(user, Principal) else random

    def get_auth_time(self, user: Any) -> int | None:
        return user.auth_time if isinstance(user, Principal) else None

    def get_acr(self, user: Any) -> str | None:
        return user.acr if isinstance(user, Principal) else None

    def get_amr(self, user: Any) -> list[str] | None:
        return user.amr if isinstance(user, Principal) else None

    def get_extra_claims(
        self, client: Any, grant_type: str, user: Any, scope: str
    ) -> dict[str, Any]:
        """Also ``iat`` and ``exp`` again, on the shared clock (Authlib reads this machine's)."""
        now = clock.seconds()
        extra: dict[str, Any] = {"iat": now, "exp": now + self._get_expires_in(client, grant_type)}
        if not isinstance(user, Principal):
            return extra
        if user.sid:
            extra["sid"] = user.sid
        extra.update(access_token_claims(user.user, scope, self.ctx.db_session()))
        return extra


class AccessToken(dict[str, Any], TokenMixin):
    """The verified claims of one of our access tokens."""

    def __init__(self, claims: dict[str, Any], revoked: bool) -> None:
        super().__init__(claims)
        self.revoked = revoked

    def check_client(self, client: Any) -> bool:
        return bool(self.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.get("scope", ""))

    @property
    def scope(self) -> str:
        return self.get_scope()

    def get_expires_in(self) -> int:
        return int(self["exp"] - self["iat"])

    def is_expired(self) -> bool:
        return bool(self["exp"] <= clock.now())

    def is_revoked(self) -> bool:
        return self.revoked

    def family_id(self) -> str | None:
        jti = self.get("jti", "")
        return jti.split(".", 1)[0] if "." in jti else None


def decode_access_token(ctx: ProviderContext, token: str) -> AccessToken | None:
    """Verify signature, ``typ``, ``iss`` and required claims; None for anything not ours.
    A token verified before is not verified again; its revocation state always is read."""
    if not looks_like_jwt(token):
        return None
    known = ctx.verified_tokens.get(token)
    if known is None:
        known = _verify_access_token(ctx, token)
        if known is None:
            return None
        ctx.verified_tokens.put(token, *known)
    kid, claims = known
    kid_revoked, revoked = revocation_state(ctx, kid, claims)
    if kid_revoked:
        return None  # a revoked key: refused at once on every instance, before caches expire
    return AccessToken(claims, revoked=revoked)


def entitled_holder(ctx: ProviderContext, token: AccessToken) -> TokenHolder | None:
    """The account of a person's access token, if it may still hold it: eligible, and the
    token issued after the account's cut-off (the durable answer, once the store's markers
    have expired). Read through the per-worker holder cache; the markers cover its seconds."""
    holder = ctx.holders.get(str(token.get("sub")))
    if holder is None or not holder.may_hold_tokens:
        return None
    if holder.signed_out_since(int(token.get("iat", 0))):
        return None
    return holder


def _verify_access_token(ctx: ProviderContext, token: str) -> tuple[str, dict[str, Any]] | None:
    try:
        decoded = jwt.decode(
            token, ctx.keyring.public_keyset(), algorithms=ctx.keyring.algorithms()
        )
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    claims = decoded.claims
    typ = str(decoded.header.get("typ", "")).lower()
    if typ not in (ACCESS_TOKEN_TYP, "application/at+jwt") or claims.get("iss") != ctx.issuer:
        return None
    required = ("exp", "iat", "jti", "client_id", "sub")
    if any(name not in claims for name in required) or not isinstance(claims["exp"], int):
        return None
    return str(decoded.header.get("kid")), claims
