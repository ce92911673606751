"""Three instances behind nginx (scripts/cluster.sh) on one PostgreSQL + Redis: a login on
one instance refreshes on another; under load through the proxy the signing keys rotate and
one instance is SIGKILLed, and no token fails to verify, no refresh family is lost, and the
surviving instances keep answering. Runs with ``--backend=services``."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import psycopg
import pytest
import redis
import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tests.backends import POSTGRES_ADMIN_URL, REDIS_URL, worker_number
from tests.e2e.browsing import browser_login
from tests.e2e.conftest import IDP, free_port
from tests.rp import pkce_pair
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.cluster]
ROOT = Path(__file__).parents[2]
PASSWORD = "un mot de passe assez long"
REDIRECT = "https://module.example.org/callback"
VERIFIER, CHALLENGE = pkce_pair()
FAMILIES = 6
LOAD_SECONDS = 12


@dataclass
class Cluster:
    issuer: str
    ports: list[int]
    env: dict[str, str]
    directory: Path
    outbox: SmtpServer
    tls: str = field(init=False)

    def __post_init__(self) -> None:
        self.tls = str(self.directory / "tls.crt")

    def idp(self, *args: str) -> str:
        return subprocess.run(
            [*IDP, *args], env=self.env, capture_output=True, text=True, timeout=60, check=True
        ).stdout

    def direct(self, n: int, path: str, **kwargs) -> requests.Response:
        """A request to instance ``n`` alone, as the proxy would forward it."""
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        url = f"http://127.0.0.1:{self.ports[n - 1]}{path}"
        return requests.request(
            kwargs.pop("method", "POST"), url, headers=headers, timeout=10, **kwargs
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, worker_id):
    directory = tmp_path_factory.mktemp("cluster")
    name = f"idp_cluster_{worker_number(worker_id)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis_db = 12 + worker_number(worker_id)
    redis.Redis.from_url(f"{REDIS_URL}/{redis_db}").flushdb()
    smtp = SmtpServer().start()
    ports, proxy = [free_port() for _ in range(3)], free_port()
    env = {
        **os.environ,
        "CLUSTER_DIR": str(directory),
        "CLUSTER_PORTS": " ".join(map(str, ports)),
        "PROXY_PORT": str(proxy),
        "IDP_DATABASE_URL": POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://"
        )
        + f"/{name}",
        "IDP_REDIS_URL": f"{REDIS_URL}/{redis_db}",
        "IDP_SMTP_URL": smtp.url,
        "IDP_JWKS_MAX_AGE": "2",  # the next key may be activated 2 s after it is published
        "IDP_KEY_CACHE_SECONDS": "2",
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_TIME_COST": "1",
    }
    started = subprocess.run(
        [str(ROOT / "scripts" / "cluster.sh"), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert started.returncode == 0, started.stderr + started.stdout
    secrets_file = dict(
        line.split("=", 1) for line in (directory / "secrets").read_text().splitlines()
    )
    cli_env = {
        **env,
        **secrets_file,
        "IDP_ENVIRONMENT": "production",
        "IDP_ISSUER": f"https://127.0.0.1:{proxy}",
        "IDP_INSTANCE_DIR": str(directory / "instance"),
    }
    yield Cluster(f"https://127.0.0.1:{proxy}", ports, cli_env, directory, smtp)
    subprocess.run([str(ROOT / "scripts" / "cluster.sh"), "stop"], env=env, timeout=60)
    smtp.stop()


def authorize_url(cluster: Cluster, client_id: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    return f"{cluster.issuer}/authorize?{urlencode(query)}"


def code_from(response: requests.Response) -> str:
    assert response.status_code == 302, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))[
        -600:
    ]
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


class Verifier:
    """A module's token check: signature against the JWKS, fetched again on an unknown kid."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._keys = self._fetch()
        self.failures: list[str] = []

    def _fetch(self) -> KeySet:
        url = f"{self._cluster.issuer}/jwks.json"
        return KeySet.import_key_set(requests.get(url, verify=self._cluster.tls, timeout=10).json())

    def check(self, token: str) -> None:
        try:
            kid = jwt.decode(token, self._keys).header["kid"]
        except (JoseError, ValueError, KeyError):
            self._keys = self._fetch()
            try:
                kid = jwt.decode(token, self._keys).header["kid"]
            except (JoseError, ValueError, KeyError) as error:
                self.failures.append(f"{type(error).__name__}: {error}")
                return
        assert kid


def test_one_login_many_instances_key_rotation_and_a_killed_instance(cluster, record_property):
    cluster.idp(
        "users",
        "create",
        "--username",
        "jdupont",
        "--email",
        "jdupont@example.org",
        "--password",
        PASSWORD,
        "--email-verified",
    )
    client = json.loads(
        cluster.idp(
            "clients",
            "create",
            "--client-id",
            "module-ga",
            "--redirect-uri",
            REDIRECT,
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--json",
        )
    )
    auth = (client["client_id"], client["client_secret"])
    browser = requests.Session()
    browser.trust_env = False  # REQUESTS_CA_BUNDLE would win over the session's verify
    browser.verify = cluster.tls
    first = browser_login(
        browser, authorize_url(cluster, "module-ga"), cluster.outbox, "jdupont", PASSWORD, REDIRECT
    )

    # the code from a login through the proxy, exchanged on instance 1, refreshed on 2
    exchanged = cluster.direct(
        1,
        "/token",
        auth=auth,
        data={
            "grant_type": "authorization_code",
            "code_verifier": VERIFIER,
            "code": code_from(first),
            "redirect_uri": REDIRECT,
        },
    )
    assert exchanged.status_code == 200, exchanged.text
    refreshed = cluster.direct(
        2,
        "/token",
        auth=auth,
        data={"grant_type": "refresh_token", "refresh_token": exchanged.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    userinfo = cluster.direct(
        3,
        "/userinfo",
        method="GET",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
    )
    assert userinfo.json()["preferred_username"] == "jdupont"

    # more grants from the same browser session (single sign-on: no form again)
    families = [refreshed.json()["refresh_token"]]
    for _ in range(FAMILIES - 1):
        answer = browser.get(authorize_url(cluster, "module-ga"), allow_redirects=False, timeout=10)
        token = requests.post(
            f"{cluster.issuer}/token",
            auth=auth,
            verify=cluster.tls,
            timeout=10,
            data={
                "grant_type": "authorization_code",
                "code_verifier": VERIFIER,
                "code": code_from(answer),
                "redirect_uri": REDIRECT,
            },
        )
        families.append(token.json()["refresh_token"])

    verifier = Verifier(cluster)
    errors: list[str] = []
    counts = {"refresh": 0, "introspect": 0}
    stop = threading.Event()

    def load(index: int) -> None:
        session = requests.Session()
        session.trust_env = False
        session.verify = cluster.tls
        session.auth = auth
        while not stop.is_set():
            same = {"Idempotency-Key": secrets.token_urlsafe(16)}
            for _ in range(3):  # a module retries an answer it did not get, as the same request
                answer = session.post(
                    f"{cluster.issuer}/token",
                    data={"grant_type": "refresh_token", "refresh_token": families[index]},
                    headers=same,
                    timeout=10,
                )
                if answer.status_code < 500:
                    break
                time.sleep(0.3)
            if answer.status_code != 200:
                errors.append(f"refresh {answer.status_code}: {answer.text[:200]}")
                return
            families[index] = answer.json()["refresh_token"]
            verifier.check(answer.json()["access_token"])
            seen = session.post(
                f"{cluster.issuer}/introspect",
                data={"token": answer.json()["access_token"]},
                timeout=10,
            )
            if seen.status_code != 200 or seen.json().get("active") is not True:
                errors.append(f"introspection {seen.status_code}: {seen.text[:200]}")
            counts["refresh"] += 1
            counts["introspect"] += 1

    threads = [threading.Thread(target=load, args=(i,)) for i in range(FAMILIES)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    rotated = cluster.idp("keys", "rotate", "--alg", "RS256")
    assert "now signing with" in rotated
    time.sleep(3)
    killed = int((cluster.directory / "idp3.pid").read_text())
    os.killpg(killed, signal.SIGKILL)
    time.sleep(LOAD_SECONDS - 6)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == [] and verifier.failures == []
    assert counts["refresh"] > 50, counts
    record_property("rotations", counts["refresh"])  # in the JUnit report (--junitxml)
    for index in range(FAMILIES):  # every family still rotates: none was lost
        answer = requests.post(
            f"{cluster.issuer}/token",
            auth=auth,
            verify=cluster.tls,
            timeout=10,
            data={"grant_type": "refresh_token", "refresh_token": families[index]},
        )
        assert answer.status_code == 200, answer.text
    for n in (1, 2):
        assert cluster.direct(n, "/health/ready", method="GET").status_code == 200
    with pytest.raises(requests.ConnectionError):
        cluster.direct(3, "/health/ready", method="GET")
