"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) on Authlib's endpoint.

The redirect goes only to a ``post_logout_redirect_uri`` registered by the client named by
the verified ``id_token_hint``. The browser's own SSO session is ended by the web layer,
which alone sees the cookie; the session named in the hint (``sid``) is ended here.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.rpinitiated import EndSessionEndpoint as _EndSessionEndpoint
from authlib.oidc.rpinitiated import EndSessionRequest
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

#: ``typ`` values of our JWTs that are not ID tokens (RFC 9068, Back-Channel Logout 2.4)
NOT_ID_TOKENS = {"at+jwt", "application/at+jwt", "logout+jwt", "application/logout+jwt"}


class EndSessionEndpoint(_EndSessionEndpoint):
    @property
    def ctx(self) -> Any:
        return self.server.ctx

    def get_server_jwks(self) -> Any:
        return self.ctx.keyring.public_keyset()

    def _validate_id_token_hint(self, id_token_hint: str) -> dict[str, Any]:
        """Only one of our ID tokens ends a session: signed by us, not an access or logout
        token, issued by us, for a client we know (an expired one is fine: Core 3.1.2.1)."""
        if len(id_token_hint) > 8192:
            raise InvalidRequestError("id_token_hint is too long.")
        claims: dict[str, Any] = super()._validate_id_token_hint(id_token_hint)  # signed
        try:
            header = extract_compact(id_token_hint.encode()).headers()  # verified just above
        except (JoseError, ValueError) as exc:
            raise InvalidRequestError("id_token_hint is not one of our ID tokens.") from exc
        if str(header.get("typ", "JWT")).lower() in NOT_ID_TOKENS:
            raise InvalidRequestError("id_token_hint must be an ID token.")
        if claims.get("iss") != self.ctx.issuer:
            raise InvalidRequestError("id_token_hint was not issued here.")
        if self.resolve_client_from_id_token_claims(claims) is None:
            raise InvalidRequestError("id_token_hint is not for a known client.")
        return claims

    def resolve_client_from_id_token_claims(self, id_token_claims: dict[str, Any]) -> Any | None:
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
