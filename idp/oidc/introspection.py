"""Token introspection (RFC 7662): client-authenticated; revoked or foreign tokens are inactive."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from idp.oidc.access_tokens import AccessToken, decode_access_token, entitled_holder
from idp.oidc.grants.refresh_token import RefreshCredential
from idp.oidc.refresh_tokens import find_refresh_grant, is_grant_usable
from idp.oidc.token_text import looks_like_jwt

CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


class RefreshTokenView(RefreshCredential):
    """A stored refresh token as introspection sees it."""

    def __init__(self, record: Any, revoked: bool) -> None:
        super().__init__(record)
        self.revoked = revoked

    def is_expired(self) -> bool:
        return False  # folded into is_revoked via is_refresh_token_usable

    def is_revoked(self) -> bool:
        return self.revoked


def lookup_token(ctx: Any, token: str, hint: str | None) -> AccessToken | RefreshTokenView | None:
    """Find one of our tokens by its string, trying the hinted type first (RFC 7009 2.1)."""
    if not isinstance(token, str) or not token or len(token) > 8192:
        return None
    if looks_like_jwt(token):
        found = decode_access_token(ctx, token)
        if found is not None and not found.revoked and found.get("sub") != found.get("client_id"):
            found.revoked = entitled_holder(ctx, found) is None
        return found
    grant = find_refresh_grant(ctx, token)
    if grant is None:
        return None
    record, holder = grant
    return RefreshTokenView(record, revoked=not is_grant_usable(ctx, record, holder))


class IntrospectionEndpoint(_IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL_METHODS

    @property
    def ctx(self) -> Any:
        return self.server.ctx

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return lookup_token(self.ctx, token_string, token_type_hint)

    def check_permission(self, token: Any, client: Any, request: Any) -> bool:
        """A client sees its own tokens, the access tokens naming it as audience, and others'
        only if granted (``may_introspect``); anything else reads ``active: false``."""
        if token.check_client(client) or client.may_introspect:
            return True
        if not isinstance(token, AccessToken):
            return False
        audience = token.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        return client.get_client_id() in audiences

    def introspect_token(self, token: Any) -> dict[str, Any]:
        if isinstance(token, AccessToken):
            claims = {
                k: token[k]
                for k in (
                    "sub",
                    "client_id",
                    "scope",
                    "exp",
                    "iat",
                    "jti",
                    "iss",
                    "aud",
                    "auth_time",
                    "acr",
                    "amr",
                )
                if k in token
            }
            return {"active": True, "token_type": "Bearer", **claims}
        record = token.record
        return {
            "active": True,
            "token_type": "refresh_token",
            "client_id": record.client_id,
            "scope": record.scope,
            "iss": self.ctx.issuer,
            "exp": int(record.expires_at.timestamp()),
            "iat": int(record.issued_at.timestamp()),
        }
