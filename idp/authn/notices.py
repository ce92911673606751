"""Telling a person that something about their account's security changed.

Every change that could be an attacker's (address, national identifier, authenticator app)
is announced to the address the account had before it, so that its owner can react even if
the attacker controls the new one. A mail server that is down does not undo the change: the
notice is logged as undelivered (never its content).
"""

from __future__ import annotations

import logging

from idp.mail import MailDeliveryError, Mailer, render
from idp.storage.models import User

log = logging.getLogger(__name__)


class SecurityNotices:
    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer

    def send(self, user: User, title: str, what: str, to: str | None = None) -> None:
        name = f"{user.given_name} {user.family_name}".strip() or user.username
        mail = render(
            "security_notice",
            to or user.email,
            name=name,
            username=user.username,
            title=title,
            what=what,
        )
        try:
            self._mailer.send(mail)
        except MailDeliveryError:
            log.warning("security notice not delivered (account %s): %s", user.id, title)
