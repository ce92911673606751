"""Authorization code grant (RFC 6749 4.1) with OpenID Connect (Core 3.1) and PKCE (RFC 7636)."""

from __future__ import annotations

import secrets
from typing import Any

from authlib.oauth2.rfc6749 import grants

from idp import clock
from idp.accounts import users
from idp.oidc.codes import AuthorizationCode, redeem_code, save_code
from idp.oidc.grant_ends import is_session_ended
from idp.oidc.principal import Principal

TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    @property
    def ctx(self) -> Any:
        return self.server.ctx

    def generate_authorization_code(self) -> str:
        return secrets.token_urlsafe(32)  # 256 bits (RFC 6749 10.10 asks for 128 at least)

    def save_authorization_code(self, code: str, request: Any) -> None:
        principal: Principal = request.user
        payload = request.payload.data
        nonce = payload.get("nonce")
        save_code(
            self.ctx,
            code,
            AuthorizationCode(
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                user_id=principal.user.id,
                auth_time=principal.auth_time,
                acr=principal.acr,
                amr=principal.amr,
                sid=principal.sid,
                family_id=principal.family_id,
                nonce=nonce,
                code_challenge=payload.get("code_challenge"),
                code_challenge_method=payload.get("code_challenge_method"),
                issued_at=clock.now(),
            ),
        )
        if nonce:
            self.server.remember_nonce(request.client.client_id, nonce)

    def query_authorization_code(self, code: str, client: Any) -> AuthorizationCode | None:
        return redeem_code(
            self.ctx, code, client.get_client_id(), self.request.payload.redirect_uri
        )

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: redeeming already consumed the code."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Principal | None:
        """The account as plain columns, read alone (``users.holder_by_id``): with the
        refresh token's INSERT, also alone, a code exchange needs no transaction.

        A code minted before the account's cut-off (a password change, "Se déconnecter
        partout", a block) or by a session a logout ended since is refused: the login it
        stands for has ended, and a stolen session must not outlive it in a new grant."""
        holder = users.holder_by_id(self.ctx.db_session(), authorization_code.user_id)
        if holder is None or not holder.may_hold_tokens:
            return None
        if holder.signed_out_since(authorization_code.issued_at):
            return None
        if is_session_ended(self.ctx, authorization_code.sid):
            return None
        return Principal(
            user=holder,
            auth_time=authorization_code.auth_time,
            acr=authorization_code.acr,
            amr=authorization_code.amr,
            sid=authorization_code.sid,
            family_id=authorization_code.family_id,
        )

    def save_token(self, token: dict[str, Any]) -> None:
        """Kept until the answer is whole (``create_token_response``)."""
        self._answer = token

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Authlib's answer (its OpenID hook adds the ID token as that method returns), then
        the refresh token is stored: on PostgreSQL it is committed at once, so a failure in
        the ID token must not leave it stored for an answer never sent."""
        status, answer, headers = super().create_token_response()
        self.server.save_token(self._answer, self.request)
        return status, answer, headers
