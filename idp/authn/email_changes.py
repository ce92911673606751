"""A new email address, confirmed by its owner before it counts.

A referent or support types the address; it waits on the account (``pending_email``) while a
link goes to it, and the current address is told. Only the link's use makes it the address
that receives codes and links. The link proves the mailbox and nothing else: it never sets a
password (a welcome link that did was how an account could be taken over).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy.orm import Session

from idp.accounts import audit, users
from idp.authn.notices import SecurityNotices
from idp.errors import IdpError
from idp.mail import Mailer, render
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User

CONFIRM_TTL = 72 * 3600


class EmailLinkInvalidError(IdpError):
    """Unknown, expired, used, or the account now waits for another address."""


class EmailChanges:
    def __init__(
        self,
        db_session: Callable[[], Session],
        store: EphemeralStore,
        mailer: Mailer,
        confirm_url: Callable[[str], str],
        notices: SecurityNotices,
    ) -> None:
        self._db_session = db_session
        self._store = store
        self._mailer = mailer
        self._confirm_url = confirm_url
        self._notices = notices

    def request(self, user: User, new_email: str, actor: str) -> None:
        """Hold ``new_email`` for confirmation; MailDeliveryError if the link cannot leave."""
        session = self._db_session()
        user.pending_email = new_email
        audit.record(
            session,
            actor,
            "user.email_change_requested",
            f"user:{user.subject}",
            description="Nouvelle adresse électronique, en attente de confirmation",
        )
        session.commit()
        token = secrets.token_urlsafe(32)
        self._store.put(self._key(token), {"user_id": user.id, "email": new_email}, CONFIRM_TTL)
        name = f"{user.given_name} {user.family_name}".strip() or user.username
        self._mailer.send(
            render(
                "confirm_email",
                new_email,
                name=name,
                username=user.username,
                link=self._confirm_url(token),
                hours=CONFIRM_TTL // 3600,
            )
        )
        self._notices.send(
            user,
            "changement d'adresse électronique demandé",
            f"{actor} a indiqué une nouvelle adresse électronique pour votre compte "
            "ViaTrajectoire. Elle ne remplacera celle-ci qu'une fois confirmée depuis la "
            "nouvelle boîte.",
        )

    def target(self, token: str) -> User:
        data = self._store.get(self._key(token)) if 20 < len(token or "") < 100 else None
        user = users.get_by_id(self._db_session(), data["user_id"]) if data else None
        if data is None or user is None or user.pending_email != data["email"]:
            raise EmailLinkInvalidError()
        return user

    def confirm(self, token: str) -> User:
        """Make the pending address the account's, validated; the link is used up."""
        user = self.target(token)
        if self._store.consume(self._key(token)) is None:
            raise EmailLinkInvalidError()
        session = self._db_session()
        user.email = user.pending_email or user.email
        user.email_verified = True
        user.pending_email = None
        audit.record(
            session,
            user.username,
            "user.email_confirmed",
            f"user:{user.subject}",
            description="Adresse électronique confirmée",
        )
        session.commit()
        return user

    @staticmethod
    def _key(token: str) -> str:
        return keys.email_confirmation(hashlib.sha256(token.encode()).hexdigest())
