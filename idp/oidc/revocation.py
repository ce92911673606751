"""Token revocation (RFC 7009): an access token by its jti, a refresh token with its family."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint

from idp.oidc.access_tokens import AccessToken
from idp.oidc.grant_ends import revoke_access_token, revoke_family
from idp.oidc.introspection import CONFIDENTIAL_METHODS, lookup_token


class RevocationEndpoint(_RevocationEndpoint):
    CLIENT_AUTH_METHODS = [*CONFIDENTIAL_METHODS, "none"]

    @property
    def ctx(self) -> Any:
        return self.server.ctx

    def authenticate_token(self, request: Any, client: Any) -> Any:
        """A token of another client is ignored, as for an unknown one (RFC 7009 2.2)."""
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        if token is not None and not token.check_client(client):
            return None
        return token

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return lookup_token(self.ctx, token_string, token_type_hint)

    def revoke_token(self, token: Any, request: Any) -> None:
        if isinstance(token, AccessToken):
            revoke_access_token(self.ctx, token)
        else:
            revoke_family(self.ctx, token.record.family_id, reason="revoked by the client")
            self.ctx.db_session().commit()
