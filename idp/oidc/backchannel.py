"""OpenID Connect Back-Channel Logout 1.0: logout reaches every module.

When an SSO session ends by a logout — the person's or a module's (RP-initiated), "sign out
everywhere", a password change, an account blocked or deactivated by a referent, the end of its
last habilitation — every module the session signed in to that registered a
``backchannel_logout_uri`` receives a logout token (``typ`` ``logout+jwt``, ``iss``, ``aud``,
``iat``, ``exp``, ``jti``, ``events``, ``sid`` and ``sub``). Each delivery is a row first
(durable), attempted at once with a short timeout, then retried by ``idp backchannel deliver``
(cron, every minute) with growing delays; a module that was down gets it when it is back.

Sessions that simply expire are announced too: when a session first signs in to a module
with a back-channel URI, a delivery is queued for the session's end (sessions do not slide),
and ``idp backchannel deliver`` sends it then; a logout before that brings it forward. A
session swapped for a new one at login is not announced at the swap (its expiry still is).
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from joserfc import jwt

from idp.accounts import users
from idp.authn.sessions import SsoSession
from idp.oidc.context import ProviderContext
from idp.storage.models import LogoutDelivery

log = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_LIFETIME = 120
#: seconds to wait after the 1st, 2nd … failed attempt; then the delivery is given up
BACKOFF = (60, 300, 900, 3600, 6 * 3600, 24 * 3600)


class BackchannelLogout:
    def __init__(self, ctx: ProviderContext, timeout: float) -> None:
        self.ctx = ctx
        self.timeout = timeout
        self.http = requests.Session()

    def announce(self, ended: list[SsoSession]) -> list[LogoutDelivery]:
        """A delivery per (ended session × module with a back-channel URI), tried at once:
        the one the session's expiry scheduled, brought forward, or a new one."""
        session = self.ctx.db_session()
        now = datetime.now(UTC)
        rows = []
        for sso in ended:
            scheduled = {
                row.client_id: row
                for row in session.query(LogoutDelivery).filter(
                    LogoutDelivery.sid == sso.sid[:64],
                    LogoutDelivery.attempts == 0,
                    LogoutDelivery.delivered_at.is_(None),
                    LogoutDelivery.gave_up_at.is_(None),
                )
            }
            for client_id in sso.clients:
                row = scheduled.get(client_id) or self._queue(sso, client_id, now)
                if row is not None:
                    row.next_attempt_at = now
                    rows.append(row)
        if rows:
            session.commit()
            self._attempt(rows)
        return rows

    def schedule_expiry(self, sso: SsoSession, client_id: str) -> None:
        """Queue the logout token this module gets when the session expires."""
        at = datetime.fromtimestamp(self.ctx.sessions.expires_at(sso), UTC)
        if self._queue(sso, client_id, at) is not None:
            self.ctx.db_session().commit()

    def _queue(self, sso: SsoSession, client_id: str, at: datetime) -> LogoutDelivery | None:
        client = self.ctx.clients.get(client_id)
        if client is None or not client.backchannel_logout_uri:
            return None
        session = self.ctx.db_session()
        user = users.get_by_id(session, sso.user_id)
        row = LogoutDelivery(
            client_id=client_id,
            uri=client.backchannel_logout_uri,
            subject=user.subject if user is not None else None,
            sid=sso.sid[:64],
            attempts=0,
            last_error="",
            next_attempt_at=at,
        )
        session.add(row)
        return row

    def deliver_due(
        self, limit: int = 200, retry_now: bool = False, client_id: str | None = None
    ) -> dict[str, int]:
        """Send what is due (expired sessions, retries); returns counts for the operator.

        ``retry_now`` also retries, ahead of their delay, deliveries that failed (a module is
        back up); it never sends the logout of a session that has not ended."""
        session = self.ctx.db_session()
        now = datetime.now(UTC)
        when = LogoutDelivery.next_attempt_at <= now
        if retry_now:
            when = when | (LogoutDelivery.attempts > 0)
        query = session.query(LogoutDelivery).filter(
            LogoutDelivery.delivered_at.is_(None), LogoutDelivery.gave_up_at.is_(None), when
        )
        if client_id:
            query = query.filter(LogoutDelivery.client_id == client_id)
        due = query.order_by(LogoutDelivery.next_attempt_at).limit(limit).all()
        self._attempt(due)
        return {
            "attempted": len(due),
            "delivered": sum(1 for row in due if row.delivered_at is not None),
            "given_up": sum(1 for row in due if row.gave_up_at is not None),
        }

    def logout_token(self, client: Any, subject: str | None, sid: str | None) -> str:
        wanted = client.id_token_signed_response_alg
        alg = wanted if wanted in self.ctx.keyring.algorithms() else "RS256"
        key = self.ctx.keyring.signing_key(alg)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.ctx.issuer,
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

    def _attempt(self, rows: list[LogoutDelivery]) -> None:
        session = self.ctx.db_session()
        for row in rows:
            client = self.ctx.clients.get(row.client_id)
            if client is None:
                row.gave_up_at, row.last_error = datetime.now(UTC), "client deleted"
                continue
            error = self._post(row.uri, self.logout_token(client, row.subject, row.sid))
            row.attempts += 1
            now = datetime.now(UTC)
            if not error:
                row.delivered_at = now
                continue
            row.last_error = error
            if row.attempts > len(BACKOFF):
                row.gave_up_at = now
                log.warning("back-channel logout to %s given up: %s", row.client_id, error)
            else:
                row.next_attempt_at = now + timedelta(seconds=BACKOFF[row.attempts - 1])
                log.info("back-channel logout to %s will be retried: %s", row.client_id, error)
        session.commit()

    def _post(self, uri: str, token: str) -> str:
        """'' when the module accepted the token (200/204), else the reason."""
        try:
            response = self.http.post(
                uri, data={"logout_token": token}, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            return type(error).__name__
        return "" if response.status_code in (200, 204) else f"HTTP {response.status_code}"
