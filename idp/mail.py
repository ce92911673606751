"""Outgoing mail: SMTP (``IDP_SMTP_URL``), or an outbox folder in the embedded default.

Messages are built from French templates (text + HTML) kept in ``idp/mail_templates``. A mail
server that is down raises ``MailDeliveryError``: callers keep their state and let the person
retry; the error never carries the message body (it may hold a code).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from idp.errors import IdpError

log = logging.getLogger("idp.mail")
TEMPLATES = Path(__file__).resolve().parent / "mail_templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    keep_trailing_newline=True,
)


class MailDeliveryError(IdpError):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


def render(template: str, to: str, **context: Any) -> Mail:
    """Build a message from ``<template>.subject.txt``, ``.txt`` and ``.html``."""
    subject = _env.get_template(f"{template}.subject.txt").render(**context).strip()
    return Mail(
        to=to,
        subject=subject,
        text=_env.get_template(f"{template}.txt").render(**context),
        html=_env.get_template(f"{template}.html").render(**context),
    )


def to_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("ViaTrajectoire", sender))
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


class Mailer(ABC):
    """Hands messages to whatever delivers them."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    @abstractmethod
    def send(self, mail: Mail) -> None:
        """Deliver or raise MailDeliveryError."""


class OutboxMailer(Mailer):
    """The embedded default: each message becomes an ``.eml`` file in a folder."""

    def __init__(self, sender: str, folder: Path) -> None:
        super().__init__(sender)
        self.folder = folder

    def send(self, mail: Mail) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(bytes(to_message(mail, self.sender)))
        except OSError as exc:
            raise MailDeliveryError(f"outbox not writable: {exc.strerror}") from exc
        log.info("mail to %s written to %s", mail.to, path)


class SmtpMailer(Mailer):
    """SMTP with STARTTLS (``smtp://…?starttls=1``) or implicit TLS (``smtps://``)."""

    def __init__(self, sender: str, url: str, timeout: float = 10.0) -> None:
        super().__init__(sender)
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise IdpError("IDP_SMTP_URL must look like smtp://user:password@host:port")
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true")
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def send(self, mail: Mail) -> None:
        message = to_message(mail, self.sender)
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail to %s not delivered: %s", mail.to, type(exc).__name__)
            raise MailDeliveryError("the mail server did not accept the message") from exc

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=context)
        return smtp


def create_mailer(sender: str, smtp_url: str, outbox: Path) -> Mailer:
    return SmtpMailer(sender, smtp_url) if smtp_url else OutboxMailer(sender, outbox)
