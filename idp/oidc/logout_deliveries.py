"""The back-channel delivery table (``logout_deliveries``): one row per ended (or ending)
session and module, durable before any attempt, with its retry schedule.

The queries and the state changes of a row are here; sending is ``backchannel``'s. Nothing
here commits: the caller does, once per batch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from idp import clock
from idp.storage.models import LogoutDelivery

log = logging.getLogger("idp.oidc.backchannel")
#: seconds to wait after the 1st, 2nd … failed attempt; then the delivery is given up
BACKOFF = (60, 300, 900, 3600, 6 * 3600, 24 * 3600)


def _open() -> ColumnElement[bool]:
    return LogoutDelivery.delivered_at.is_(None) & LogoutDelivery.gave_up_at.is_(None)


def scheduled_for(session: Session, sid: str) -> dict[str, LogoutDelivery]:
    """The deliveries a session's expiry queued and nobody tried yet, by module."""
    rows = session.query(LogoutDelivery).filter(
        LogoutDelivery.sid == sid[:64], LogoutDelivery.attempts == 0, _open()
    )
    return {row.client_id: row for row in rows}


def add(
    session: Session, client_id: str, uri: str, subject: str | None, sid: str, at: datetime
) -> LogoutDelivery:
    row = LogoutDelivery(
        client_id=client_id,
        uri=uri,
        subject=subject,
        sid=sid[:64],
        attempts=0,
        last_error="",
        next_attempt_at=at,
    )
    session.add(row)
    return row


def due(
    session: Session, limit: int, retry_now: bool, client_id: str | None
) -> list[LogoutDelivery]:
    """What is due now, oldest first; with ``retry_now``, failed ones too, ahead of their
    delay (never a session's expiry that has not come)."""
    when = LogoutDelivery.next_attempt_at <= clock.utcnow()
    if retry_now:
        when = when | (LogoutDelivery.attempts > 0)
    query = session.query(LogoutDelivery).filter(_open(), when)
    if client_id:
        query = query.filter(LogoutDelivery.client_id == client_id)
    return query.order_by(LogoutDelivery.next_attempt_at).limit(limit).all()


def by_ids(session: Session, ids: list[int]) -> list[LogoutDelivery]:
    return session.query(LogoutDelivery).filter(LogoutDelivery.id.in_(ids)).all()


def record_attempt(row: LogoutDelivery, error: str) -> None:
    """'' for a module that accepted the token; else the reason, and the next try (or the end
    of trying, after the last delay)."""
    row.attempts += 1
    now = clock.utcnow()
    if not error:
        row.delivered_at = now
        return
    row.last_error = error
    if row.attempts > len(BACKOFF):
        row.gave_up_at = now
        log.warning("back-channel logout to %s given up: %s", row.client_id, error)
    else:
        row.next_attempt_at = now + timedelta(seconds=BACKOFF[row.attempts - 1])
        log.info("back-channel logout to %s will be retried: %s", row.client_id, error)


def give_up(row: LogoutDelivery, reason: str) -> None:
    row.gave_up_at, row.last_error = clock.utcnow(), reason


def counts(session: Session) -> dict[str, int]:
    """Deliveries not made yet, by state: pending (never tried), failing, given up."""
    count = select(func.count()).select_from(LogoutDelivery)
    return {
        "pending": session.scalar(count.where(_open(), LogoutDelivery.attempts == 0)) or 0,
        "failing": session.scalar(count.where(_open(), LogoutDelivery.attempts > 0)) or 0,
        "given_up": session.scalar(count.where(LogoutDelivery.gave_up_at.is_not(None))) or 0,
    }


def waiting(session: Session, client_id: str | None = None) -> list[dict[str, Any]]:
    """Deliveries that failed and wait for a retry, oldest first (for the operator)."""
    query = session.query(LogoutDelivery).filter(_open(), LogoutDelivery.attempts > 0)
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
