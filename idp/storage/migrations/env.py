"""Alembic environment: runs on the engine handed over by idp.storage.migrate."""

from alembic import context

from idp.storage import models  # noqa: F401  (registers the tables)
from idp.storage.database import db

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
