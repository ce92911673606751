"""Where the suite's state lives: the embedded default, or PostgreSQL + Redis for real.

``pytest --backend=services`` runs the same tests on PostgreSQL (a database per xdist worker)
and Redis (a logical database per worker), as production does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg
import redis

POSTGRES_ADMIN_URL = os.environ.get(
    "IDP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379")


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str


def worker_number(worker_id: str) -> int:
    return int(worker_id[2:]) if worker_id.startswith("gw") else 0


def embedded(tmp_dir: str) -> Backend:
    return Backend("embedded", f"sqlite:///{tmp_dir}/idp-test.db", "")


def services(worker_id: str) -> Backend:
    number = worker_number(worker_id)
    name = f"idp_test_{number}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    admin = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    redis_url = f"{REDIS_URL}/{number + 1}"
    redis.Redis.from_url(redis_url).flushdb()
    return Backend("services", f"{admin}/{name}", redis_url)
