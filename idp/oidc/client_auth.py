"""``private_key_jwt`` client authentication (RFC 7523 2.2, OpenID Connect Core 9).

Each assertion's ``jti`` is remembered until the assertion expires, so a captured assertion
cannot be replayed. The audience must be the issuer alone (a string, or an array holding it
and nothing else), after the 2025 audience-injection advisory and RFC 7523bis: an assertion
made for an endpoint URL, or for several servers among which we are one, could have been
made for another server and must not open ours.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp import clock
from idp.oidc.context import ProviderContext
from idp.oidc.token_text import digest
from idp.storage import keys

#: Asymmetric algorithms only: a shared-secret (HS*) assertion is not private_key_jwt.
ASSERTION_ALGS = ["RS256", "PS256", "ES256", "Ed25519"]  # Ed25519: RFC 9864 name
MAX_ASSERTION_LIFETIME = 600


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(validate_jti=True, leeway=ctx.settings.clock_skew)
        self.ctx = ctx

    def get_audiences(self) -> list[str]:
        return [self.ctx.issuer]

    def verify_claims(self, claims: Any) -> None:
        """The issuer alone as ``aud``, before Authlib's checks (which accept an array that
        holds the issuer among others)."""
        audience = claims.get("aud")
        if audience != self.ctx.issuer and audience != [self.ctx.issuer]:
            raise InvalidClientError(description="The assertion's audience must be the issuer.")
        super().verify_claims(claims)

    def validate_jti(self, claims: Any, jti: Any) -> bool:
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            return False
        remaining = int(claims["exp"]) - clock.seconds()
        if remaining > MAX_ASSERTION_LIFETIME:
            return False
        ttl = max(remaining, 0) + self.leeway + 1
        return self.ctx.store.add(keys.client_assertion(claims["sub"], digest(jti)), {}, ttl)

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> Any:
        """Authlib's check, with the algorithms we advertise instead of joserfc's defaults."""
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=ASSERTION_ALGS)
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(description="Invalid client assertion.") from exc
        self.verify_claims(token.claims)
        return token.claims

    def resolve_client_public_key(self, client: Any) -> KeySet:
        if not client.check_endpoint_auth_method(self.CLIENT_AUTH_METHOD, "token"):
            raise InvalidClientError(
                description=f"The client cannot authenticate with {self.CLIENT_AUTH_METHOD}."
            )
        return KeySet.import_key_set(client.record.jwks)
