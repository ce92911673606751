"""Back-channel logout, module side (OpenID Connect Back-Channel Logout 1.0 §2.6).

The provider POSTs ``logout_token`` to the module's ``backchannel_logout_uri``. The module
validates it with ``LogoutTokenValidator``, records the ended session in ``EndedSessions``
and answers 200; every request of a local session then asks ``EndedSessions.is_ended`` and
signs the person out. A replayed token (same ``jti``) is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from viatrajectoire_auth.errors import InvalidLogoutTokenError, InvalidTokenError
from viatrajectoire_auth.jwks import JwksCache
from viatrajectoire_auth.replay import MemoryStore, SharedStore
from viatrajectoire_auth.signed import DEFAULT_ALGORITHMS, check_audience, check_times, verify

EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: how long ended sessions and seen ``jti`` values are remembered: beyond any SSO session
REMEMBER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class LogoutEvent:
    """What ended: one SSO session (``sid``), or every session of a person (``sub`` only)."""

    issuer: str
    subject: str | None
    sid: str | None
    issued_at: int


class LogoutTokenValidator:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        jwks: JwksCache,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        leeway: int = 30,
        seen: SharedStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.jwks = jwks
        self.algorithms = tuple(a for a in algorithms if a != "none" and not a.startswith("HS"))
        self.leeway = leeway
        #: the time source (tests and replays of old traffic shift it)
        self.clock = clock
        self.seen = seen if seen is not None else MemoryStore()

    def validate(self, token: str | None) -> LogoutEvent:
        """The event, or InvalidLogoutTokenError (answer 400, end nothing)."""
        if not token:
            raise InvalidLogoutTokenError("no logout_token")
        try:
            header, claims = verify(token, self.jwks, self.algorithms)
            check_audience(claims, [self.client_id])
            check_times(claims, self.leeway, self.clock())
        except InvalidTokenError as error:
            raise InvalidLogoutTokenError(str(error)) from error
        typ = header.get("typ")
        if typ is not None and str(typ).lower() not in ("logout+jwt", "application/logout+jwt"):
            raise InvalidLogoutTokenError("not a logout token (typ)")
        if claims.get("iss") != self.issuer:
            raise InvalidLogoutTokenError("the logout token comes from another issuer")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
            raise InvalidLogoutTokenError("the logout token lacks the back-channel logout event")
        if "nonce" in claims:
            raise InvalidLogoutTokenError("a logout token must not carry a nonce")
        subject, sid = claims.get("sub"), claims.get("sid")
        if not (isinstance(subject, str) and subject) and not (isinstance(sid, str) and sid):
            raise InvalidLogoutTokenError("the logout token names neither sub nor sid")
        jti, iat = claims.get("jti"), claims.get("iat")
        if not isinstance(jti, str) or not jti or not isinstance(iat, int):
            raise InvalidLogoutTokenError("the logout token lacks jti or iat")
        if not self.seen.set(f"vt-auth:logout-jti:{jti}", 1, nx=True, ex=REMEMBER_SECONDS):
            raise InvalidLogoutTokenError("this logout token was already received (replay)")
        return LogoutEvent(self.issuer, subject, sid, iat)


class EndedSessions:
    """Which provider sessions ended, for modules whose own sessions live in cookies."""

    def __init__(self, store: SharedStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()

    def record(self, event: LogoutEvent) -> None:
        if event.sid:
            self.store.set(f"vt-auth:ended-sid:{event.sid}", 1, ex=REMEMBER_SECONDS)
        else:  # every session of the person that began before the token was issued
            self.store.set(
                f"vt-auth:ended-sub:{event.subject}", event.issued_at, ex=REMEMBER_SECONDS
            )

    def is_ended(self, sid: str | None, subject: str | None, signed_in_at: int) -> bool:
        """True when the local session signed in with ``sid`` (at ``signed_in_at``) must end."""
        if sid and self.store.get(f"vt-auth:ended-sid:{sid}") is not None:
            return True
        cutoff = self.store.get(f"vt-auth:ended-sub:{subject}") if subject else None
        return cutoff is not None and signed_in_at <= int(cutoff)
