"""ID tokens (OpenID Connect Core 2 and 3.1.3.6): Authlib's extensions, our keys and claims.

Authlib picks a random key from a key set when no ``kid`` is chosen; here the header always
names the active key, and ``azp``, ``auth_time``, ``acr``, ``amr``, ``at_hash`` are always set.
"""

from __future__ import annotations

from typing import Any

from authlib.oidc.core import grants as oidc_grants

from idp import clock
from idp.oidc.claims import user_claims
from idp.oidc.context import ProviderContext
from idp.oidc.principal import Principal
from idp.storage import keys


class _IdTokenMixin:
    ctx: ProviderContext

    def resolve_client_private_key(self, client: Any) -> Any:
        return self.ctx.keyring.signing_key(self.get_client_algorithm(client))

    def get_client_algorithm(self, client: Any) -> str:
        wanted = getattr(client, "id_token_signed_response_alg", None)
        return wanted if wanted in self.ctx.keyring.algorithms() else "RS256"

    def get_encode_header(self, client: Any) -> dict[str, str]:
        alg = self.get_client_algorithm(client)
        return {"alg": alg, "kid": str(self.ctx.keyring.signing_key(alg).kid), "typ": "JWT"}

    def get_client_claims(self, client: Any) -> dict[str, Any]:
        now = clock.seconds()
        return {
            "iss": self.ctx.issuer,
            "aud": [client.get_client_id()],
            "azp": client.get_client_id(),
            "iat": now,
            "exp": now + self.ctx.settings.id_token_ttl,
        }

    def generate_user_info(self, user: Principal, scope: str) -> dict[str, Any]:
        claims = user_claims(user.user, scope, self.ctx.db_session())
        if user.sid:
            claims["sid"] = user.sid
        return claims


class OpenIDCode(_IdTokenMixin, oidc_grants.OpenIDCode):
    """ID token for the code grant; nonce replay refused once a code was issued for it."""

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(require_nonce=False)
        self.ctx = ctx

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return self.ctx.store.get(nonce_key(request.payload.client_id, nonce)) is not None


class OpenIDRefresh(_IdTokenMixin, oidc_grants.OpenIDToken):
    """A fresh ID token with each refresh of an ``openid`` grant (Core 12.2)."""

    def __init__(self, ctx: ProviderContext) -> None:
        self.ctx = ctx


def nonce_key(client_id: str, nonce: str) -> str:
    from idp.oidc.token_text import digest

    return keys.nonce(client_id, digest(nonce))
