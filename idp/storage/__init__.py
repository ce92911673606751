"""Durable storage (SQLAlchemy models, Alembic migrations) and the ephemeral store."""

import redis
import sqlalchemy.exc

from idp.storage.database import current_session, db

#: what a lost connection to PostgreSQL or Redis raises (a bad query is not among them), and
#: a full Redis under ``maxmemory-policy noeviction`` refusing a write
UNAVAILABLE = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.OutOfMemoryError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)

__all__ = ["UNAVAILABLE", "current_session", "db"]
