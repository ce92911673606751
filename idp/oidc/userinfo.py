"""UserInfo (OpenID Connect Core 5.3) behind a bearer-token check (RFC 6750).

Errors carry ``WWW-Authenticate`` with the RFC 6750 error code, from Authlib's
ResourceProtector. A token of a person who was deactivated since is ``invalid_token``.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError

from idp.oidc.access_tokens import AccessToken, decode_access_token, entitled_holder
from idp.oidc.claims import user_claims
from idp.oidc.context import ProviderContext


class AccessTokenValidator(BearerTokenValidator):
    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(realm=ctx.issuer)
        self.ctx = ctx

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        return decode_access_token(self.ctx, token_string)


def create_resource_protector(ctx: ProviderContext) -> ResourceProtector:
    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator(ctx))
    return protector


def userinfo_claims(ctx: ProviderContext, token: AccessToken) -> dict[str, Any]:
    """The claims the token's scope grants, for the person it was issued to."""
    holder = entitled_holder(ctx, token)
    if holder is None:
        raise InvalidTokenError(realm=ctx.issuer, description="The account is no longer active.")
    return user_claims(holder, token.get_scope(), ctx.db_session())
