"""Run the ``idp`` command as an operator would, with real files and databases.

``idp`` runs the command in this process through click's test runner, with the given
environment (a Python start and the imports cost ~1.5 s a command, most of the CLI tests'
time); ``IDP`` is the command line for the tests that need a real process (signals, kills).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from idp.cli import main

IDP = [sys.executable, "-c", "from idp.cli import run; run()"]


def idp(env, *args, check=True, input=None):
    result = CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
    completed = subprocess.CompletedProcess(
        ["idp", *args], result.exit_code, result.stdout, result.stderr
    )
    if check:
        assert completed.returncode == 0, completed.stderr or completed.stdout
    return completed


def sql(env, statement, **params):
    """Rows of a query on the database the commands of ``env`` use (to check what they
    wrote: audit entries, counts)."""
    url = env.get("IDP_DATABASE_URL") or f"sqlite:///{Path(env['IDP_INSTANCE_DIR']) / 'idp.db'}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(statement), params).all()
    finally:
        engine.dispose()
