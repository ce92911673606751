"""Verifying a JWT the provider signed: size, shape, algorithm allow-list, key by ``kid``.

The header is read before any key is touched so ``alg: none`` and HMAC algorithms (the
"public key used as an HMAC secret" confusion) are refused by the allow-list, never tried.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from viatrajectoire_auth.errors import InvalidTokenError
from viatrajectoire_auth.jwks import JwksCache

#: the asymmetric algorithms the provider signs with
DEFAULT_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
MAX_TOKEN_SIZE = 16 * 1024


def verify(
    token: str, jwks: JwksCache, algorithms: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a token whose signature checks out, or InvalidTokenError."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_SIZE or token.count(".") != 2:
        raise InvalidTokenError("the token is not a signed JWT")
    header = _header(token)
    alg = header.get("alg")
    if alg not in tuple(algorithms):
        raise InvalidTokenError(f"the token's algorithm {alg!r} is not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidTokenError("the token names no key (kid)")
    keys = jwks.key_set(kid)
    try:
        decoded = jwt.decode(token, keys, algorithms=[alg])
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidTokenError("the token's signature is invalid") from error
    return dict(decoded.header), dict(decoded.claims)


def _header(token: str) -> dict[str, Any]:
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidTokenError("the token's header cannot be read") from error
    if not isinstance(header, dict):
        raise InvalidTokenError("the token's header cannot be read")
    return header


def check_times(claims: dict[str, Any], leeway: int, now: float | None = None) -> None:
    """``exp`` required; ``nbf`` and ``iat`` must not be in the future (all with ``leeway``)."""
    now = time.time() if now is None else now
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidTokenError("the token has no expiry")
    if now > exp + leeway:
        raise InvalidTokenError("the token has expired")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool) or value > now + leeway:
            raise InvalidTokenError(f"the token's {name} is in the future")


def check_audience(claims: dict[str, Any], accepted: Iterable[str]) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not set(audiences) & set(accepted):
        raise InvalidTokenError("the token is not meant for this module (aud)")
