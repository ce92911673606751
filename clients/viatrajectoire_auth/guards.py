"""The checks an API route makes, as plain functions any framework can call.

Each raises an ``AuthError`` carrying its status and challenge; a route (or the Flask
extension) turns it into the answer. Typical use::

    identity = resource.authenticate(request.headers.get("Authorization"))
    require_habilitation(identity, module="GRAND_AGE", establishment=finess)
    require_acr(identity, acr.EMAIL_OTP)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from viatrajectoire_auth import acr as levels
from viatrajectoire_auth.claims import Habilitation, Identity
from viatrajectoire_auth.errors import (
    InsufficientScopeError,
    InsufficientUserAuthenticationError,
    InvalidRequestError,
    MissingTokenError,
)

#: RFC 6750 §2.1 b64token
B64TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header (scheme case-insensitive)."""
    if not authorization or not authorization.strip():
        raise MissingTokenError()
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise MissingTokenError()
    token = token.strip()
    if not token or not B64TOKEN.match(token):
        raise InvalidRequestError("malformed Bearer credentials")
    return token


def require_scope(identity: Identity, *scopes: str) -> None:
    missing = [scope for scope in scopes if scope not in identity.scopes]
    if missing:
        raise InsufficientScopeError(
            f"the token lacks the scope {' '.join(missing)}", scope=" ".join(scopes)
        )


def require_habilitation(
    identity: Identity,
    module: str | None = None,
    profile: str | None = None,
    establishment: str | None = None,
    right: str | None = None,
) -> Habilitation:
    """The first valid habilitation matching every given criterion, else 403."""
    found = identity.habilitations_for(module, profile, establishment, right)
    if not found:
        wanted = ", ".join(
            f"{name}={value}"
            for name, value in (
                ("module", module),
                ("profile", profile),
                ("establishment", establishment),
                ("right", right),
            )
            if value
        )
        raise InsufficientScopeError(f"no valid habilitation for {wanted or 'this route'}")
    return found[0]


def require_acr(
    identity: Identity, acr_values: str | Iterable[str], max_age: int | None = None
) -> None:
    """401 with an RFC 9470 challenge unless the login is strong enough (and recent enough).

    The module sends the person back to the provider with the challenge's ``acr_values`` /
    ``max_age`` as authorization parameters; stronger levels satisfy weaker ones."""
    wanted = [acr_values] if isinstance(acr_values, str) else list(acr_values)
    if not levels.satisfies(identity.acr, wanted):
        raise InsufficientUserAuthenticationError(
            "a stronger authentication is required", acr_values=" ".join(wanted)
        )
    if max_age is not None:
        if identity.auth_time is None or time.time() - identity.auth_time > max_age:
            raise InsufficientUserAuthenticationError(
                "a more recent authentication is required", max_age=str(max_age)
            )
