"""Reading the mails the provider wrote (outbox folder, or what the SMTP test server got)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from pathlib import Path

CODE_LINE = re.compile(r"^(\d{6})\r?$", re.MULTILINE)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def code_in(message: EmailMessage) -> str:
    """The 6 digits on a line of their own (a contract of docs/design.md)."""
    match = CODE_LINE.search(text_of(message))
    assert match, f"no code line in: {text_of(message)!r}"
    return match.group(1)


class Mailbox(ABC):
    """Messages in the order they were sent, filtered by recipient."""

    @abstractmethod
    def all(self) -> list[EmailMessage]:
        """Every message received so far, oldest first."""

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        return [m for m in self.all() if to is None or _recipient(m) == to]

    def latest(self, to: str | None = None) -> EmailMessage:
        messages = self.messages(to)
        assert messages, f"no mail in {self!r}" + (f" to {to}" if to else "")
        return messages[-1]

    def latest_code(self, to: str | None = None) -> str:
        return code_in(self.latest(to))


class Outbox(Mailbox):
    """The embedded default's outbox folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml")) if self.folder.exists() else []

    def all(self) -> list[EmailMessage]:
        return [_read(f) for f in self._files()]

    def latest(self, to: str | None = None) -> EmailMessage:
        """Read from the newest file back (a long fuzzing run leaves thousands)."""
        for file in reversed(self._files()):
            message = _read(file)
            if to is None or _recipient(message) == to:
                return message
        raise AssertionError(f"no mail in {self!r}" + (f" to {to}" if to else ""))


def _recipient(message: EmailMessage) -> str | None:
    """The To header, or None when it cannot be parsed (another test's hostile address)."""
    try:
        return message["To"]
    except HeaderParseError:
        return None


def _read(file: Path) -> EmailMessage:
    return message_from_bytes(file.read_bytes(), policy=policy.default)
