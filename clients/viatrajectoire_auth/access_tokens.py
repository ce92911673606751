"""Access-token validation per RFC 9068 §4, optionally confirmed by introspection (RFC 7662).

Local validation is enough for most routes: a token lives minutes. Routes that must see a
revocation at once (a referent blocks an account, a person signs out everywhere) also ask the
provider, through ``Introspector`` and its short cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from viatrajectoire_auth.claims import Identity
from viatrajectoire_auth.errors import InvalidTokenError
from viatrajectoire_auth.introspection import Introspector
from viatrajectoire_auth.jwks import JwksCache
from viatrajectoire_auth.signed import DEFAULT_ALGORITHMS, check_audience, check_times, verify

ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


class AccessTokenValidator:
    def __init__(
        self,
        issuer: str,
        audience: str | Iterable[str],
        jwks: JwksCache,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        leeway: int = 30,
        introspector: Introspector | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audiences = (audience,) if isinstance(audience, str) else tuple(audience)
        self.jwks = jwks
        self.algorithms = tuple(a for a in algorithms if a != "none" and not a.startswith("HS"))
        self.leeway = leeway
        #: the time source (tests and replays of old traffic shift it)
        self.clock = clock
        self.introspector = introspector

    def validate(self, token: str, introspect: bool | None = None) -> Identity:
        """The caller's identity, or InvalidTokenError saying why (for logs; not for users).

        ``introspect`` overrides the default (True when an introspector was given)."""
        header, claims = verify(token, self.jwks, self.algorithms)
        if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidTokenError("not an access token (typ must be at+jwt)")
        if claims.get("iss") != self.issuer:
            raise InvalidTokenError("the token comes from another issuer")
        check_audience(claims, self.audiences)
        check_times(claims, self.leeway, self.clock())
        for name in ("sub", "client_id", "iat", "jti"):
            if name not in claims:
                raise InvalidTokenError(f"the token has no {name}")
        wants_introspection = self.introspector is not None if introspect is None else introspect
        if wants_introspection:
            if self.introspector is None:
                raise ValueError("introspection asked for but no Introspector configured")
            self.introspector.check_active(token, claims)
        return Identity.from_claims(claims)
