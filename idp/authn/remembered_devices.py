"""Remembered devices: a browser that passed the second factor skips it for 8 hours.

The cookie (one per account, signed with itsdangerous) holds a random device id; the server
keeps only its SHA-256 with the account, the authentication it remembers, the expiry and a user
agent summary, so "Mon compte" can list and revoke it and a password change ends them all.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from idp import clock
from idp.clock import SharedClockSigner
from idp.storage.database import changed_rows
from idp.storage.models import RememberedDevice, User

COOKIE_PREFIX = "idp_device_"


def cookie_name(username: str) -> str:
    """One cookie per account, so a device never carries over to another account."""
    return COOKIE_PREFIX + hashlib.sha256(username.lower().encode()).hexdigest()[:16]


def summarize_user_agent(user_agent: str) -> str:
    """ "Firefox on Windows"-like summary; never the full string (it fingerprints)."""
    ua = user_agent or ""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in ua), "Navigateur")
    system = next((s for s in ("Windows", "Mac OS", "Android", "iPhone", "Linux") if s in ua), "")
    browser = {"Edg": "Edge"}.get(browser, browser)
    return f"{browser} ({system})" if system else browser


@dataclass(frozen=True)
class Remembered:
    amr: list[str]
    acr: str
    authenticated_at: int


class RememberedDevices:
    def __init__(self, secret_key: str, ttl: int) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt="idp.remembered-device", signer=SharedClockSigner
        )
        self.ttl = ttl

    def remember(
        self,
        session: Session,
        user: User,
        amr: list[str],
        acr: str,
        authenticated_at: int,
        user_agent: str,
    ) -> str:
        """Store a device for ``user``; returns the cookie value. The caller commits."""
        device_id = secrets.token_urlsafe(32)
        session.add(
            RememberedDevice(
                device_hash=_digest(device_id),
                user_id=user.id,
                amr=amr,
                acr=acr,
                authenticated_at=authenticated_at,
                user_agent=summarize_user_agent(user_agent)[:200],
                expires_at=clock.utcnow() + timedelta(seconds=self.ttl),
            )
        )
        return self._serializer.dumps({"d": device_id, "s": user.subject})

    def recall(self, session: Session, cookie: str | None, user: User) -> Remembered | None:
        """What this browser proved for ``user``, if its cookie is valid and not revoked."""
        if not cookie or len(cookie) > 500:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.ttl)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("s") != user.subject:
            return None
        params = {"device_hash": _digest(str(data.get("d"))), "user_id": user.id}
        record = session.execute(_recall_query(), params).first()
        if record is None or record.revoked_at or record.expires_at <= clock.utcnow():
            return None
        return Remembered(record.amr, record.acr, record.authenticated_at)

    def list_for(self, session: Session, user: User) -> list[RememberedDevice]:
        now = clock.utcnow()
        return (
            session.query(RememberedDevice)
            .filter(
                RememberedDevice.user_id == user.id,
                RememberedDevice.revoked_at.is_(None),
                RememberedDevice.expires_at > now,
            )
            .order_by(RememberedDevice.created_at.desc())
            .all()
        )

    def revoke(self, session: Session, user: User, record_id: int) -> bool:
        """Forget one device of ``user`` (from "Mon compte"); the caller commits."""
        result = session.execute(
            update(RememberedDevice)
            .where(
                RememberedDevice.id == record_id,
                RememberedDevice.user_id == user.id,
                RememberedDevice.revoked_at.is_(None),
            )
            .values(revoked_at=clock.utcnow())
        )
        return bool(changed_rows(result))

    def revoke_all(self, session: Session, user: User) -> int:
        """Forget every device of ``user`` (password change, block, "everywhere" logout)."""
        result = session.execute(
            update(RememberedDevice)
            .where(RememberedDevice.user_id == user.id, RememberedDevice.revoked_at.is_(None))
            .values(revoked_at=clock.utcnow())
        )
        return int(changed_rows(result) or 0)


def _digest(device_id: str) -> str:
    return hashlib.sha256(device_id.encode()).hexdigest()


@functools.cache
def _recall_query() -> Any:
    """Plain columns, built once with bound parameters: it runs at every remembered login."""
    table = RememberedDevice.__table__
    return select(
        table.c.amr, table.c.acr, table.c.authenticated_at, table.c.revoked_at, table.c.expires_at
    ).where(
        table.c.device_hash == bindparam("device_hash"), table.c.user_id == bindparam("user_id")
    )
