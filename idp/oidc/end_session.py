"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) on Authlib's endpoint.

The redirect goes only to a ``post_logout_redirect_uri`` registered by the client named by
the verified ``id_token_hint``. The browser's own SSO session is ended by the web layer,
which alone sees the cookie; the session named in the hint (``sid``) is ended here.
"""

from __future__ import annotations

from typing import Any

from authlib.oidc.rpinitiated import EndSessionEndpoint as _EndSessionEndpoint
from authlib.oidc.rpinitiated import EndSessionRequest


class EndSessionEndpoint(_EndSessionEndpoint):
    @property
    def ctx(self) -> Any:
        return self.server.ctx

    def get_server_jwks(self) -> Any:
        return self.ctx.keyring.public_keyset()

    def resolve_client_from_id_token_claims(self, id_token_claims: dict) -> Any | None:
        """Our ID tokens name their client in ``azp`` (and ``aud`` holds only it)."""
        aud = id_token_claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else list(aud or [])
        azp = id_token_claims.get("azp")
        client_id = azp if azp in audiences else (audiences[0] if len(audiences) == 1 else None)
        return self.server.query_client(client_id) if isinstance(client_id, str) else None

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims = end_session_request.id_token_claims or {}
        if claims.get("iss") == self.ctx.issuer and isinstance(claims.get("sid"), str):
            self.ctx.sessions.logout(claims["sid"])
