"""Servers of a fault test's own, so that stopping them disturbs no other test: a
redis-server, and a PostgreSQL cluster (initdb in a temporary folder, run as the
``postgres`` system user since PostgreSQL refuses root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time

import psycopg
import redis


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
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
