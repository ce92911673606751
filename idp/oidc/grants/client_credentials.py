"""Client credentials grant (RFC 6749 4.4) for service-to-service calls: no person, no refresh."""

from typing import Any

from authlib.oauth2.rfc6749 import grants

USER_SCOPES = {"openid", "profile", "email", "habilitations"}


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Issue a token carrying the client's own scopes, never a person's (no openid)."""
        requested = (self.request.payload.scope or "").split()
        scope = " ".join(s for s in requested if s not in USER_SCOPES)
        token = self.generate_token(scope=scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER
