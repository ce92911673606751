"""Run the ``idp`` command as an operator would: a real process, real files."""

from __future__ import annotations

import subprocess
import sys

IDP = [sys.executable, "-c", "from idp.cli import run; run()"]


def idp(env, *args, check=True):
    result = subprocess.run([*IDP, *args], env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def sql(env, statement, **params):
    """Rows of a query on the database the commands of ``env`` use (to check what they
    wrote: audit entries, counts)."""
    from pathlib import Path

    from sqlalchemy import create_engine, text

    url = env.get("IDP_DATABASE_URL") or f"sqlite:///{Path(env['IDP_INSTANCE_DIR']) / 'idp.db'}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(statement), params).all()
    finally:
        engine.dispose()
