"""Refresh token grant (RFC 6749 6) with rotation and reuse detection (RFC 9700 4.14.2).

Every use returns a new refresh token and marks the old one used. Presenting a used token
again means it leaked: the whole family is revoked. Two requests racing on one token are
decided by an atomic conditional UPDATE; the loser gets ``invalid_grant`` and its response
is rolled back.

The same request sent again because its answer was lost (same ``Idempotency-Key`` or proxy
``X-Request-Id``) gets that answer again for a few seconds (``idp.oidc.refresh_retries``)
instead of revoking the grant.

A refresh runs on every module all day, so it is kept to two database round trips on
PostgreSQL: the token with its account's state (one query) and the rotation (one statement),
each committed at once (``idp.oidc.refresh_tokens``, bench/RESULTS.md). The answer a retry
would get is therefore kept before the rotation, and replaced after it by the winner of two
racing requests that the loser's answer got ahead of.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import InvalidGrantError, TokenMixin, grants

from idp import metrics
from idp.accounts.users import TokenHolder
from idp.oidc import refresh_retries
from idp.oidc.grant_ends import revoke_family
from idp.oidc.grants.authorization_code import TOKEN_AUTH_METHODS
from idp.oidc.principal import Principal
from idp.oidc.refresh_tokens import (
    StoredRefresh,
    find_refresh_grant,
    is_grant_usable,
    refresh_token_row,
    rotate_refresh_token,
)
from idp.storage.models import RefreshToken


class RefreshCredential(TokenMixin):
    def __init__(
        self, record: StoredRefresh | RefreshToken, holder: TokenHolder | None = None
    ) -> None:
        self.record = record
        self.holder = holder  # the account, read with the token by the grant

    def check_client(self, client: Any) -> bool:
        return bool(self.record.client_id == client.get_client_id())

    def get_scope(self) -> str:
        return self.record.scope


class RefreshedAuthentication:
    """How the person originally signed in, for the ID token of a refresh (Core 12.2)."""

    def __init__(self, record: StoredRefresh | RefreshToken) -> None:
        self.record = record

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> int:
        return self.record.auth_time

    def get_acr(self) -> str | None:
        return self.record.acr

    def get_amr(self) -> list[str]:
        return self.record.amr


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    @property
    def ctx(self) -> Any:
        return self.server.ctx

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshCredential | None:
        found = find_refresh_grant(self.ctx, refresh_token)
        if found is None:
            return None
        record, holder = found
        if record.used_at is not None and record.revoked_at is None:
            self._repeat_if_retry(refresh_token, record)
            revoke_family(self.ctx, record.family_id, reason="refresh token reused")
            self.ctx.db_session().commit()  # kept, though the request ends with an error
            metrics.REFRESH_REUSE.inc()
            return None
        if not is_grant_usable(self.ctx, record, holder):
            return None  # used up, revoked, its grant or its account's sign-in ended
        return RefreshCredential(record, holder)

    def _repeat_if_retry(self, presented: str, record: StoredRefresh) -> None:
        """A retry of a rotation whose answer was lost gets that answer (RetriedRefresh)."""
        if record.client_id != self.request.client.client_id:
            return
        recalled = refresh_retries.recall(
            self.ctx.store, presented, refresh_retries.marker(self.request.headers)
        )
        if recalled is None:
            return
        successor, answer = recalled
        row = self.ctx.db_session().query(RefreshToken).filter_by(token_hash=successor).first()
        if row is not None and row.used_at is None and row.revoked_at is None:
            raise refresh_retries.RetriedRefresh(answer)

    def authenticate_user(self, refresh_token: RefreshCredential) -> Principal | None:
        record, user = refresh_token.record, refresh_token.holder
        if user is None:
            return None
        self.request.authorization_code = RefreshedAuthentication(record)
        return Principal(
            user=user,
            auth_time=record.auth_time,
            acr=record.acr or "",
            amr=record.amr,
            sid=record.sid,
            family_id=record.family_id,
        )

    def save_token(self, token: dict[str, Any]) -> None:
        """Kept for the rotation, which stores it (``create_token_response``)."""
        self._answer = token
        self._issued = refresh_token_row(
            self.ctx, token, self.request.client.client_id, self.request.user
        )

    def revoke_old_credential(self, refresh_token: RefreshCredential) -> None:
        """Kept for the rotation too: it comes once the answer is whole."""
        self._old = refresh_token

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """Authlib's answer (its OpenID hook adds the ID token as that method returns), then
        the rotation, which commits at once: the answer a retry would get is kept whole
        before it."""
        status, answer, headers = super().create_token_response()
        self._rotate()
        return status, answer, headers

    def _rotate(self) -> None:
        retry_marker = refresh_retries.marker(self.request.headers)
        presented = self.request.payload.data["refresh_token"]
        kept = retry_marker is not None and refresh_retries.remember(
            self.ctx.store, presented, self._answer, retry_marker
        )
        if not rotate_refresh_token(self.ctx, self._old.record, self._issued):
            raise InvalidGrantError("The refresh token was already used.")
        if retry_marker is not None and not kept:  # a racing request's answer got there first
            refresh_retries.remember(
                self.ctx.store, presented, self._answer, retry_marker, replace=True
            )
