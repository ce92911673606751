"""Single sign-on sessions, kept in the ephemeral store under ``idp:session:<sid>``.

The browser holds only the random session id in an HttpOnly cookie; everything else stays
server-side so a session can be ended from anywhere (logout, later back-channel logout).

"Everywhere" is a cut-off, not a list: ending every session of an account records the time
under ``idp:sessions-ended:<user>``, and a session started before it is never read back,
however many sessions the account had (the per-account index of recent sessions only serves
to announce logouts to relying parties).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from idp import clock, metrics
from idp.accounts import eligibility, users
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User


@dataclass
class SsoSession:
    sid: str
    user_id: int
    auth_time: int
    amr: list[str]
    acr: str
    clients: list[str] = field(default_factory=list)
    #: a Pro Santé Connect login's evidence: its ``id_token`` (for logout), ``acr``, ``auth_mode``
    psc: dict[str, str] | None = None
    #: when the session was opened, to the microsecond (compared with the account's cut-off)
    started: float = 0.0

    def age(self, now: int | None = None) -> int:
        return (now or clock.seconds()) - self.auth_time


class SessionService:
    """Create, find, extend and end SSO sessions."""

    def __init__(self, store: EphemeralStore, ttl: int) -> None:
        self._store = store
        self._ttl = ttl
        #: called with the sessions a logout ended (back-channel logout listens here)
        self.on_logout: list[Callable[[list[SsoSession]], Any]] = []
        #: called when a session signs in to a relying party for the first time
        self.on_client_added: list[Callable[[SsoSession, str], Any]] = []

    @staticmethod
    def _key(sid: str) -> str:
        return keys.sso_session(sid)

    def start(
        self, user_id: int, amr: list[str], acr: str, psc: dict[str, str] | None = None
    ) -> SsoSession:
        session = SsoSession(
            sid=secrets.token_urlsafe(32),
            user_id=user_id,
            auth_time=clock.seconds(),
            amr=amr,
            acr=acr,
            psc=psc,
            started=clock.now(),
        )
        # the session and the account's index of sessions in one round trip
        index_key = self._user_key(user_id)
        sids = (self._store.get(index_key) or {"sids": []})["sids"][-49:]
        self._store.put_many(
            [
                (self._key(session.sid), asdict(session), self._ttl),
                (index_key, {"sids": [*sids, session.sid]}, self._ttl),
            ]
        )
        metrics.SESSIONS.labels(acr).inc()
        return session

    def end_all(self, user_id: int) -> int:
        """Log an account out everywhere (password change, "sign out everywhere", blocking)."""
        self._store.put(self._cutoff_key(user_id), {"at": clock.now()}, self._ttl)
        index = self._store.consume(self._user_key(user_id)) or {"sids": []}
        ended = [self._consume(sid) for sid in index["sids"]]
        self._announce([s for s in ended if s is not None])
        return len(index["sids"])

    def logout(self, sid: str | None) -> SsoSession | None:
        """End one session because its person or a relying party logged out."""
        ended = self.end(sid)
        if ended is not None:
            self._announce([ended])
        return ended

    def _consume(self, sid: str) -> SsoSession | None:
        data = self._store.consume(self._key(sid))
        return SsoSession(**data) if data else None

    def _announce(self, ended: list[SsoSession]) -> None:
        if ended:
            for listener in self.on_logout:
                listener(ended)

    @staticmethod
    def _user_key(user_id: int) -> str:
        return keys.user_sessions(user_id)

    @staticmethod
    def _cutoff_key(user_id: int) -> str:
        return keys.sessions_ended(user_id)

    def get(self, sid: str | None) -> SsoSession | None:
        """The live session, unless its account was signed out everywhere since it began."""
        if not sid or len(sid) > 100:
            return None
        data = self._store.get(self._key(sid))
        if not data:
            return None
        session = SsoSession(**data)
        cutoff = self._store.get(self._cutoff_key(session.user_id))
        if cutoff is not None and session.started <= cutoff["at"]:
            self._store.delete(self._key(sid))
            return None
        return session

    def add_client(self, session: SsoSession, client_id: str) -> None:
        """Remember which relying parties this session signed in to (for logout)."""
        if client_id not in session.clients:
            session.clients.append(client_id)
            self._save(session)
            for listener in self.on_client_added:
                listener(session, client_id)

    def expires_at(self, session: SsoSession) -> int:
        """Sessions do not slide: they end ``ttl`` after the login, whatever happens."""
        return session.auth_time + self._ttl

    def end(self, sid: str | None) -> SsoSession | None:
        if not sid or len(sid) > 100:
            return None
        data = self._store.consume(self._key(sid))
        return SsoSession(**data) if data else None

    def _save(self, session: SsoSession) -> None:
        remaining = self._ttl - session.age()
        if remaining > 0:
            self._store.put(self._key(session.sid), asdict(session), remaining)


def signed_in_user(db: Session, session: SsoSession | None) -> User | None:
    """The account an SSO session stands for, if it may still sign in (active, not blocked,
    not left without a habilitation) and the session began after the account's cut-off (the
    durable answer, should the store's "sessions ended" marker be gone): the one rule for the
    pages, the authorization endpoint, the consent and the charter."""
    if session is None:
        return None
    found = users.get_with_state(db, session.user_id)
    if found is None:
        return None
    user, ended_all = found
    state = eligibility.state_of(db, user, ended_all)
    if not eligibility.eligible(state) or eligibility.ended_by_cut_off(state, session.started):
        return None
    return user
