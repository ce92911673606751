"""A live provider on a free port, started as an operator would (``idp init`` + ``idp serve``).

On ``--backend=services`` it runs two gunicorn workers on PostgreSQL + Redis, so every step of
a flow may land on a different process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from tests.mailbox import Mailbox
from tests.smtp import SmtpServer

IDP = [sys.executable, "-c", "from idp.cli import run; run()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    outbox: Mailbox  # a real SMTP server (aiosmtpd) the provider sends to
    log_path: Path | None = None  # what idp serve printed (access log included)

    def idp(self, *args: str) -> str:
        result = subprocess.run(
            [*IDP, *args], env=self.env, capture_output=True, text=True, timeout=60, check=True
        )
        return result.stdout

    def create_user(self, username: str, password: str) -> dict:
        return json.loads(
            self.idp(
                "users",
                "create",
                "--username",
                username,
                "--email",
                f"{username}@example.org",
                "--password",
                password,
                "--given-name",
                "Jeanne",
                "--family-name",
                "Dupont",
                "--email-verified",
                "--json",
            )
        )

    def create_client(self, client_id: str, redirect_uri: str, *extra: str) -> dict:
        return json.loads(
            self.idp(
                "clients",
                "create",
                "--client-id",
                client_id,
                "--redirect-uri",
                redirect_uri,
                "--grant-type",
                "authorization_code",
                "--grant-type",
                "refresh_token",
                "--post-logout-redirect-uri",
                redirect_uri.rsplit("/", 1)[0] + "/bye",
                *extra,
                "--json",
            )
        )


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    """Extra IDP_* settings for a module's live server (override in the module)."""
    return {}


@pytest.fixture(scope="module")
def live_host() -> str:
    """The issuer's host: a module whose pages use passkeys needs a domain name (the WebAuthn
    RP ID), ``localhost``; the server listens on the loopback address either way."""
    return "127.0.0.1"


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
    backend,
    worker_id,
    live_env: dict[str, str],
    live_host: str,
) -> Iterator[LiveServer]:
    port = free_port()
    home = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "IDP_ISSUER": f"http://{live_host}:{port}",
        "IDP_INSTANCE_DIR": str(home / "instance"),
        "IDP_KEY_ENCRYPTION_KEY_FILE": str(home / "kek"),
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_TIME_COST": "1",
        **live_env,
    }
    workers = "1"
    if backend.name == "services":
        env["IDP_DATABASE_URL"] = backend.database_url.rsplit("/", 1)[0] + "/" + _e2e_db(backend)
        env["IDP_REDIS_URL"] = backend.redis_url.rsplit("/", 1)[0] + "/" + _e2e_redis_db(worker_id)
        workers = "2"
    smtp = SmtpServer().start()
    env["IDP_SMTP_URL"] = smtp.url
    server = LiveServer(f"http://{live_host}:{port}", env, smtp, home / "serve.log")
    server.idp("init")
    log = open(home / "serve.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [*IDP, "serve", "--port", str(port), "--workers", workers],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait_until_up(server.url, process, home / "serve.log")
    yield server
    process.terminate()
    process.wait(timeout=20)
    log.close()
    smtp.stop()


def _e2e_db(backend) -> str:
    import psycopg

    from tests.backends import POSTGRES_ADMIN_URL

    name = backend.database_url.rsplit("/", 1)[1] + "_e2e"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _e2e_redis_db(worker_id: str) -> str:
    import redis

    from tests.backends import REDIS_URL, worker_number

    number = worker_number(worker_id) + 4
    redis.Redis.from_url(f"{REDIS_URL}/{number}").flushdb()
    return str(number)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"idp serve exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"idp serve did not start: {log.read_text()[-2000:]}")


def psc_env(stand_in_url: str) -> dict[str, str]:
    """The IDP_PSC_* settings that wire a live provider to the stand-in at ``stand_in_url``."""
    return {
        "IDP_PSC_ISSUER": stand_in_url + "/auth/realms/esante-wallet",
        "IDP_PSC_CLIENT_ID": "viatrajectoire-idp",
        "IDP_PSC_CLIENT_SECRET": "psc-sandbox-secret",
    }


@pytest.fixture(scope="module")
def stand_in_url(tmp_path_factory) -> Iterator[str]:
    """`idp psc-sandbox` as its own process, as an operator would run it."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("psc") / "psc.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [*IDP, "psc-sandbox", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


CHROMIUM = os.environ.get("IDP_TEST_CHROMIUM", "/usr/bin/chromium")
# Debian's chromium as root on a machine with no network but loopback (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A real chromium, driven by Playwright (its own browser download does not work here)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.new_context(locale="fr-FR").new_page()
