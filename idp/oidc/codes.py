"""Authorization codes in the ephemeral store: single use, at most 60 s, stored by digest.

A code is 256 random bits. Redeeming it is an atomic consume; a second attempt finds the
``idp:code-spent`` marker and revokes every token issued from the code (RFC 6749 4.1.2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from authlib.oidc.core import AuthorizationCodeMixin

from idp.oidc.context import ProviderContext
from idp.oidc.grant_ends import revoke_family
from idp.oidc.token_text import digest
from idp.storage import keys

SPENT_MARKER_TTL = 600


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    client_id: str
    redirect_uri: str | None
    scope: str
    user_id: int
    auth_time: int
    acr: str
    amr: list[str]
    sid: str | None
    family_id: str
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    #: when it was minted (epoch seconds, to the microsecond): compared with the account's
    #: cut-off at the exchange
    issued_at: float = 0.0

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return self.amr


def save_code(ctx: ProviderContext, code: str, data: AuthorizationCode) -> None:
    ctx.store.put(
        keys.authorization_code(digest(code)), asdict(data), ctx.settings.authorization_code_ttl
    )


def redeem_code(ctx: ProviderContext, code: str) -> AuthorizationCode | None:
    """Consume a code exactly once; on a replay, revoke what the first redemption issued."""
    if not code or len(code) > 256:
        return None
    key = digest(code)
    data: dict[str, Any] | None = ctx.store.consume(keys.authorization_code(key))
    if data is None:
        spent = ctx.store.get(keys.spent_code(key))
        if spent is not None:
            revoke_family(ctx, spent["family_id"], reason="authorization code replayed")
            ctx.db_session().commit()  # kept, though the request ends with an error
        return None
    ctx.store.put(keys.spent_code(key), {"family_id": data["family_id"]}, SPENT_MARKER_TTL)
    return AuthorizationCode(**data)
