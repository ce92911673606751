"""Authorization codes in the ephemeral store: single use, at most 60 s, stored by digest.

A code is 256 random bits. Redeeming it is an atomic consume; a second attempt by the same
client finds the ``idp:code-spent`` marker and revokes every token issued from the code
(RFC 6749 4.1.2). A code shown by another client, or with another redirect URI, is refused
and left as it was: that is no replay, and must not cost its client the grant (RFC 6749 4.1.3).
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


def redeem_code(
    ctx: ProviderContext, code: str, client_id: str, redirect_uri: str | None
) -> AuthorizationCode | None:
    """Consume a code exactly once, for the client and redirect URI it was issued to; on a
    replay by that client, revoke what the first redemption issued."""
    if not code or len(code) > 256:
        return None
    key = digest(code)
    found: dict[str, Any] | None = ctx.store.get(keys.authorization_code(key))
    if found is not None and not _issued_to(found, client_id, redirect_uri):
        return None  # someone else's code, or another redirect URI: left for its client
    data: dict[str, Any] | None = ctx.store.consume(keys.authorization_code(key))
    if data is None:
        spent = ctx.store.get(keys.spent_code(key))
        if spent is not None and spent.get("client_id", client_id) == client_id:
            revoke_family(ctx, spent["family_id"], reason="authorization code replayed")
            ctx.db_session().commit()  # kept, though the request ends with an error
        return None
    marker = {"family_id": data["family_id"], "client_id": data["client_id"]}
    ctx.store.put(keys.spent_code(key), marker, SPENT_MARKER_TTL)
    return AuthorizationCode(**data)


def _issued_to(data: dict[str, Any], client_id: str, redirect_uri: str | None) -> bool:
    """RFC 6749 4.1.3: the same client, and the same redirect URI if the request had one."""
    return data["client_id"] == client_id and (
        not data.get("redirect_uri") or data["redirect_uri"] == redirect_uri
    )
