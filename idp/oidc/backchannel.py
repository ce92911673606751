"""OpenID Connect Back-Channel Logout 1.0: logout reaches every module.

When an SSO session ends by a logout — the person's or a module's (RP-initiated), "sign out
everywhere", a password change, an account blocked or deactivated by a referent, the end of its
last habilitation — every module the session signed in to that registered a
``backchannel_logout_uri`` receives a logout token (``typ`` ``logout+jwt``, ``iss``, ``aud``,
``iat``, ``exp``, ``jti``, ``events``, ``sid`` and ``sub``). Each delivery is a row first
(durable), attempted at once by a background thread of the worker (so a slow or down module
never delays the person's logout page, and a module validating the token against our JWKS
cannot deadlock a busy worker), then retried by ``idp backchannel deliver`` (cron, every
minute) with growing delays; a module that was down gets it when it is back.

Sessions that simply expire are announced too: when a session first signs in to a module
with a back-channel URI, a delivery is queued for the session's end (sessions do not slide),
and ``idp backchannel deliver`` sends it then; a logout before that brings it forward. A
session swapped for a new one at login is not announced at the swap (its expiry still is).
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from joserfc import jwt
from sqlalchemy import func, select

from idp import clock
from idp.accounts import users
from idp.authn.sessions import SsoSession
from idp.oidc.context import ProviderContext
from idp.storage.models import LogoutDelivery

log = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_LIFETIME = 120
#: seconds to wait after the 1st, 2nd … failed attempt; then the delivery is given up
BACKOFF = (60, 300, 900, 3600, 6 * 3600, 24 * 3600)
#: a delivery thread with nothing to do for this long ends (the next logout starts one)
IDLE_SECONDS = 60


class BackchannelLogout:
    def __init__(self, ctx: ProviderContext, timeout: float, app: Any = None) -> None:
        self.ctx = ctx
        self.timeout = timeout
        self.http = requests.Session()
        #: with an app, first attempts run on a background thread; without, inline (the CLI)
        self.app = app
        self._queue: queue.Queue[list[int]] = queue.Queue()
        self._worker_pid: int | None = None
        self._lock = threading.Lock()

    def announce(self, ended: list[SsoSession]) -> list[LogoutDelivery]:
        """A delivery per (ended session × module with a back-channel URI), tried at once:
        the one the session's expiry scheduled, brought forward, or a new one."""
        session = self.ctx.db_session()
        now = clock.utcnow()
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
                row = scheduled.get(client_id) or self._new_delivery(sso, client_id, now)
                if row is not None:
                    row.next_attempt_at = now
                    rows.append(row)
        if rows:
            session.commit()
            self._dispatch(rows)
        return rows

    def schedule_expiry(self, sso: SsoSession, client_id: str) -> None:
        """Queue the logout token this module gets when the session expires (in the
        authorization request's unit of work, which commits it with the code)."""
        at = datetime.fromtimestamp(self.ctx.sessions.expires_at(sso), UTC)
        self._new_delivery(sso, client_id, at)

    def _new_delivery(self, sso: SsoSession, client_id: str, at: datetime) -> LogoutDelivery | None:
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
        now = clock.utcnow()
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
        now = clock.seconds()
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

    def counts(self) -> dict[str, int]:
        """Deliveries not made yet, by state: pending (never tried), failing, given up."""
        session = self.ctx.db_session()
        open_ = LogoutDelivery.delivered_at.is_(None) & LogoutDelivery.gave_up_at.is_(None)
        count = select(func.count()).select_from(LogoutDelivery)
        return {
            "pending": session.scalar(count.where(open_, LogoutDelivery.attempts == 0)),
            "failing": session.scalar(count.where(open_, LogoutDelivery.attempts > 0)),
            "given_up": session.scalar(count.where(LogoutDelivery.gave_up_at.is_not(None))),
        }

    def waiting(self, client_id: str | None = None) -> list[dict[str, Any]]:
        """Deliveries that failed and wait for a retry, oldest first (for the operator)."""
        query = (
            self.ctx.db_session()
            .query(LogoutDelivery)
            .filter(
                LogoutDelivery.delivered_at.is_(None),
                LogoutDelivery.gave_up_at.is_(None),
                LogoutDelivery.attempts > 0,
            )
        )
        if client_id:
            query = query.filter(LogoutDelivery.client_id == client_id)
        return [
            {
                "client_id": row.client_id,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "next_attempt_at": row.next_attempt_at.isoformat(timespec="seconds"),
                "created_at": row.created_at.isoformat(timespec="seconds"),
            }
            for row in query.order_by(LogoutDelivery.created_at).limit(1000)
        ]

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the background thread has attempted what was handed to it (tests,
        shutdown); False when ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def _dispatch(self, rows: list[LogoutDelivery]) -> None:
        if self.app is None:
            self._attempt(rows)
            return
        with self._lock:
            if self._worker_pid != os.getpid():  # idle, first use, or a forked server worker
                if self._worker_pid is not None:
                    self._queue = queue.Queue()  # a parent's queue: its thread is not here
                threading.Thread(target=self._work, name="backchannel", daemon=True).start()
                self._worker_pid = os.getpid()
            self._queue.put([row.id for row in rows])

    def _work(self) -> None:
        """Attempts what logouts hand over; ends after a minute without work."""
        work = self._queue
        while True:
            try:
                ids = work.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if work.empty():
                        self._worker_pid = None
                        return
                continue
            try:
                with self.app.app_context():
                    session = self.ctx.db_session()
                    rows = session.query(LogoutDelivery).filter(LogoutDelivery.id.in_(ids)).all()
                    self._attempt(rows)
            except Exception:  # the rows stay due: the cron retries them
                log.exception("back-channel logout attempt failed")
            finally:
                work.task_done()

    def _attempt(self, rows: list[LogoutDelivery]) -> None:
        session = self.ctx.db_session()
        for row in rows:
            client = self.ctx.clients.get(row.client_id)
            if client is None:
                row.gave_up_at, row.last_error = clock.utcnow(), "client deleted"
                continue
            error = self._post(row.uri, self.logout_token(client, row.subject, row.sid))
            row.attempts += 1
            now = clock.utcnow()
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
