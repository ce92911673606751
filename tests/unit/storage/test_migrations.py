"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from idp.storage.database import db
from idp.storage.migrate import current_revision, upgrade


def test_migrations_match_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    upgrade(engine)
    assert current_revision(engine) == "0016"
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_upgrade_is_idempotent(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == "0016"
