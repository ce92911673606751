"""Servers of a fault test's own, so that stopping them disturbs no other test: a
redis-server, a PostgreSQL cluster (initdb in a temporary folder, run as the ``postgres``
system user since PostgreSQL refuses root), and ``idp serve`` processes on a database of
their own."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import redis

from tests.backends import POSTGRES_ADMIN_URL, REDIS_URL
from tests.e2e.conftest import IDP, LiveServer, _wait_until_up, free_port
from tests.smtp import SmtpServer


class RedisServer:
    def __init__(self, port: int, *options: str) -> None:
        self.port = port
        self.options = options  # more redis-server options (``--maxmemory 2mb`` ...)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", *self.options],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class PostgresCluster:
    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.folder = tempfile.mkdtemp(prefix="idp-faults-pg-")
        self.data = os.path.join(self.folder, "data")
        shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres("initdb", "-D", self.data, "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *args],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            "pg_ctl", "-D", self.data, "-o", options, "-l", f"{self.folder}/log", "-w", "start"
        )
        for _ in range(100):
            try:
                psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres").close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)

    def stop(self, mode: str = "immediate") -> None:
        self._as_postgres("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


def refresh_once_back(rp, refresh_token: str, within: float = 5.0):  # noqa: ANN001, ANN201
    """Refresh until the provider answers something else than 503, for ``within`` seconds
    (what a module does after an outage); returns the last answer."""
    deadline = time.monotonic() + within
    answer = rp.refresh(refresh_token)
    while answer.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = rp.refresh(refresh_token)
    return answer


@dataclass
class LiveProvider(LiveServer):
    """``idp serve`` in its own process group, so that SIGKILL takes every process of it."""

    port: int = 0
    database: str = ""
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [*IDP, "serve", "--port", str(self.port), "--workers", "1"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait_until_up(self.url, self.process, self.log_path)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def another(self, log: Path, **env: str) -> LiveProvider:
        """A second instance of the same provider (same database, store, keys and issuer)."""
        port = free_port()
        return replace(
            self,
            url=f"http://127.0.0.1:{port}",
            port=port,
            env={**self.env, **env},
            log_path=log,
            process=None,
        )

    def sql(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.database) as conn:
            return conn.execute(query, params).fetchall()


@contextmanager
def live_provider(folder: Path, database: str) -> Iterator[LiveProvider]:
    """An initialised provider (not started) on a new PostgreSQL database and a Redis
    database of its own, mailing to a local SMTP server; killed after."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    redis_url = f"{REDIS_URL}/{8 + int(database.rsplit('_', 1)[1])}"
    redis.Redis.from_url(redis_url).flushdb()
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    smtp = SmtpServer().start()
    port = free_port()
    env = {
        **os.environ,
        "IDP_ISSUER": f"http://127.0.0.1:{port}",
        "IDP_INSTANCE_DIR": str(folder / "instance"),
        "IDP_KEY_ENCRYPTION_KEY_FILE": str(folder / "kek"),
        "IDP_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://"),
        "IDP_REDIS_URL": redis_url,
        "IDP_SMTP_URL": smtp.url,
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_TIME_COST": "1",
    }
    first = LiveProvider(
        f"http://127.0.0.1:{port}", env, smtp, folder / "serve.log", port=port, database=url
    )
    first.idp("init")
    try:
        yield first
    finally:
        first.stop()
        smtp.stop()
