"""Durable storage (SQLAlchemy models, Alembic migrations) and the ephemeral store."""

from idp.storage.database import db

__all__ = ["db"]
