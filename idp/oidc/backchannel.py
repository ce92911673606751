"""OpenID Connect Back-Channel Logout 1.0: logout reaches every module.

This module decides what to send and sends it over HTTP; the token is ``logout_tokens``',
the delivery table ``logout_deliveries``', the background thread ``background``'s.

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

from datetime import UTC, datetime
from typing import Any

import requests
from flask import Flask

from idp import clock
from idp.accounts import users
from idp.authn.sessions import SsoSession
from idp.background import BackgroundQueue
from idp.oidc import logout_deliveries as deliveries
from idp.oidc import public_http
from idp.oidc.context import ProviderContext
from idp.oidc.logout_tokens import logout_token
from idp.storage.models import LogoutDelivery


class BackchannelLogout:
    def __init__(self, ctx: ProviderContext, timeout: float) -> None:
        self.ctx = ctx
        self.timeout = timeout
        # module-registered URIs: public addresses only, outside development and tests
        self.http = public_http.session(allow_private=not ctx.settings.is_production)
        self._app: Flask | None = None
        self._background = BackgroundQueue("backchannel", self._attempt_ids)

    def in_background(self, app: Flask | None) -> None:
        """With an app, first attempts run on a background thread (a server); without, inline
        (a command, whose process ends with it: a thread would die before sending)."""
        self._app = app

    def announce(self, ended: list[SsoSession]) -> list[LogoutDelivery]:
        """A delivery per (ended session × module with a back-channel URI), tried at once:
        the one the session's expiry scheduled, brought forward, or a new one."""
        session = self.ctx.db_session()
        now = clock.utcnow()
        rows = []
        for sso in ended:
            scheduled = deliveries.scheduled_for(session, sso.sid)
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

    def deliver_due(
        self, limit: int = 200, retry_now: bool = False, client_id: str | None = None
    ) -> dict[str, int]:
        """Send what is due (expired sessions, retries); returns counts for the operator.

        ``retry_now`` also retries, ahead of their delay, deliveries that failed (a module is
        back up); it never sends the logout of a session that has not ended."""
        due = deliveries.due(self.ctx.db_session(), limit, retry_now, client_id)
        self._attempt(due)
        return {
            "attempted": len(due),
            "delivered": sum(1 for row in due if row.delivered_at is not None),
            "given_up": sum(1 for row in due if row.gave_up_at is not None),
        }

    def counts(self) -> dict[str, int]:
        return deliveries.counts(self.ctx.db_session())

    def waiting(self, client_id: str | None = None) -> list[dict[str, Any]]:
        return deliveries.waiting(self.ctx.db_session(), client_id)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the background thread has attempted what was handed to it."""
        return self._background.drain(timeout)

    def _new_delivery(self, sso: SsoSession, client_id: str, at: datetime) -> LogoutDelivery | None:
        client = self.ctx.clients.get(client_id)
        if client is None or not client.backchannel_logout_uri:
            return None
        session = self.ctx.db_session()
        user = users.get_by_id(session, sso.user_id)
        subject = user.subject if user is not None else None
        return deliveries.add(
            session, client_id, client.backchannel_logout_uri, subject, sso.sid, at
        )

    def _dispatch(self, rows: list[LogoutDelivery]) -> None:
        if self._app is None:
            self._attempt(rows)
        else:
            self._background.put((self._app, [row.id for row in rows]))

    def _attempt_ids(self, work: tuple[Flask, list[int]]) -> None:
        """On the background thread; rows it could not attempt stay due for the worker."""
        app, ids = work
        with app.app_context():
            self._attempt(deliveries.by_ids(self.ctx.db_session(), ids))

    def _attempt(self, rows: list[LogoutDelivery]) -> None:
        for row in rows:
            client = self.ctx.clients.get(row.client_id)
            if client is None:
                deliveries.give_up(row, "client deleted")
                continue
            token = logout_token(self.ctx, client, row.subject, row.sid)
            deliveries.record_attempt(row, self._post(row.uri, token))
        self.ctx.db_session().commit()

    def _post(self, uri: str, token: str) -> str:
        """'' when the module accepted the token (200/204), else the reason."""
        try:
            response = self.http.post(
                uri, data={"logout_token": token}, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            return type(error).__name__
        return "" if response.status_code in (200, 204) else f"HTTP {response.status_code}"
