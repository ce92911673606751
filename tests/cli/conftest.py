"""The environment of a fresh installation for each CLI test, on the suite's backend: the
embedded default, or (``--backend=services``) a new PostgreSQL database and the worker's
Redis database."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from tests import backends

_databases = itertools.count(1)


@pytest.fixture
def env(tmp_path: Path, backend: backends.Backend, worker_id: str) -> Iterator[dict[str, str]]:
    environment = {
        **os.environ,
        "IDP_INSTANCE_DIR": str(tmp_path / "instance"),
        "IDP_KEY_ENCRYPTION_KEY_FILE": str(tmp_path / "keys" / "kek"),
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_TIME_COST": "1",
    }
    if backend.name != "services":
        yield environment
        return
    name = f"idp_cli_{backends.worker_number(worker_id)}_{next(_databases)}"
    with psycopg.connect(backends.POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(backend.redis_url).flushdb()
    server = backend.database_url.rsplit("/", 1)[0]
    yield {
        **environment,
        "IDP_DATABASE_URL": f"{server}/{name}",
        "IDP_REDIS_URL": backend.redis_url,
    }
    with psycopg.connect(backends.POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
