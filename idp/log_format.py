"""How the provider's processes log: plain lines by default, or with ``IDP_LOG_FORMAT=json``
one JSON object per line (for Loki, Elasticsearch, CloudWatch…): time, level, logger,
message, and during a request its ``request_id`` and ``client_id``.

Every record goes through the secret-path redaction first (reset and confirmation links
carry their token in the path). The request events written in JSON mode name the path
without its query string; nothing logs passwords, codes or tokens.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from flask import g, has_request_context

from idp.log_redaction import RedactSecrets

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RequestContext(RedactSecrets):
    """Redacts, and adds the request's id and client id to each record made in a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        super().filter(record)
        if has_request_context():
            record.request_id = g.get("request_id")
            if g.get("client_id"):
                record.client_id = g.get("client_id")
        return True


def dict_config(fmt: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for our loggers and the servers' (granian takes it)."""
    json_formatter = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": JSON_FIELDS,
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        "json_ensure_ascii": False,
    }
    text_formatter = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "filters": ["context"],
        "stream": "ext://sys.stderr",
    }
    quiet = {"level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "idp.log_format.RequestContext"}},
        "formatters": {"main": json_formatter if fmt == "json" else text_formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": "INFO"},
        "loggers": {
            "_granian": {"handlers": ["main"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["main"], "level": "INFO", "propagate": False},
            "apscheduler": quiet,
            # Authlib logs whole token responses at DEBUG
            "authlib": quiet,
        },
    }


def configure(fmt: str) -> None:
    logging.config.dictConfig(dict_config(fmt))
