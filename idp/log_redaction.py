"""Keeping the secrets that travel in URLs out of access logs.

Password-reset, welcome and address-confirmation links carry their token in the path
(``/password/reset/<token>``); the servers' access logs print paths. A filter on their access
loggers replaces such tokens by ``[redacted]`` before any handler sees the line. The query
string is never logged by our formats.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SECRET_PATHS = re.compile(r"(/password/reset/|/account/email/confirm/)[^/?\s\"]+")
#: the access loggers of the servers ``idp serve`` runs
ACCESS_LOGGERS = ("granian.access", "gunicorn.access")


def redact(text: str) -> str:
    return SECRET_PATHS.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites the record's message and arguments (strings, or a dict of atoms)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        record.args = _redacted(record.args)
        return True


def _redacted(args: Any) -> Any:
    if isinstance(args, dict):
        return {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
    if isinstance(args, tuple):
        return tuple(redact(v) if isinstance(v, str) else v for v in args)
    return args


def install() -> None:
    """Attach the filter to the access loggers (idempotent)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
