"""The logout token of OpenID Connect Back-Channel Logout 1.0 (section 2.4): a signed JWT of
type ``logout+jwt`` naming the session (``sid``) and the person (``sub``) that ended."""

from __future__ import annotations

import secrets
from typing import Any

from joserfc import jwt

from idp import clock
from idp.oidc.context import ProviderContext

EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: seconds; a module receives it at once, and may check it against our JWKS
TOKEN_LIFETIME = 120


def logout_token(ctx: ProviderContext, client: Any, subject: str | None, sid: str | None) -> str:
    """Signed with the algorithm the module registered for its ID tokens, as it expects."""
    wanted = client.id_token_signed_response_alg
    alg = wanted if wanted in ctx.keyring.algorithms() else "RS256"
    key = ctx.keyring.signing_key(alg)
    now = clock.seconds()
    claims: dict[str, Any] = {
        "iss": ctx.issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME,
        "jti": secrets.token_urlsafe(16),
        "events": {EVENT: {}},
    }
    if subject:
        claims["sub"] = subject
    if sid:
        claims["sid"] = sid
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "logout+jwt"}, claims, key)
