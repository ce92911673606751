"""The provider's process SIGKILLed again and again while a module refreshes and a support
agent changes an account, on PostgreSQL + Redis.

After every kill: each refresh family has exactly one live token (the rotation is all or
nothing), the module's retry of the request it lost (same ``Idempotency-Key``) succeeds, so
the old token still works or the new one does; and the account change and its audit entry
exist both or neither.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.backends import worker_number
from tests.e2e.browsing import browser_login
from tests.factories import PASSWORD
from tests.faults.servers import LiveProvider, live_provider
from tests.rp import pkce_pair

pytestmark = pytest.mark.services_only
KILLS = 12
REDIRECT = "https://module.example/cb"
VERIFIER, CHALLENGE = pkce_pair()


@pytest.fixture
def provider(tmp_path, worker_id) -> Iterator[LiveProvider]:
    with live_provider(tmp_path, f"idp_sigkill_{worker_number(worker_id)}") as server:
        server.start()
        yield server


@dataclass
class Module:
    """A module holding one refresh family and a support agent's access to the admin API."""

    provider: LiveProvider
    auth: tuple[str, str]
    refresh_token: str = ""
    access_token: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)

    def refresh(self, key: str) -> requests.Response:
        return requests.post(
            f"{self.provider.url}/token",
            auth=self.auth,
            data={"grant_type": "refresh_token", "refresh_token": self.refresh_token},
            headers={"Idempotency-Key": key},
            timeout=10,
        )

    def took(self, answer: requests.Response) -> None:
        assert answer.status_code == 200, answer.text
        self.refresh_token = answer.json()["refresh_token"]
        self.access_token = answer.json()["access_token"]

    def rename(self, username: str, given_name: str) -> requests.Response:
        return requests.patch(
            f"{self.provider.url}/api/admin/v1/accounts/{username}",
            json={"given_name": given_name},
            headers={"Authorization": f"Bearer {self.access_token}"},
            timeout=10,
        )

    def account(self, username: str) -> dict:
        answer = requests.get(
            f"{self.provider.url}/api/admin/v1/accounts/{username}",
            headers={"Authorization": f"Bearer {self.access_token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def signed_in_module(provider: LiveProvider) -> Module:
    provider.idp("users", "create", "--username", "support.agent", "--email",
                 "support.agent@example.org", "--password", PASSWORD, "--email-verified",
                 "--support")  # fmt: skip
    provider.idp("users", "create", "--username", "target.user", "--email",
                 "target.user@example.org", "--password", PASSWORD, "--email-verified")  # fmt: skip
    client = provider.create_client("module", REDIRECT, "--scope", "openid profile admin")
    query = {"response_type": "code", "client_id": "module", "redirect_uri": REDIRECT,
             "scope": "openid profile admin", "state": secrets.token_urlsafe(8),
             "code_challenge": CHALLENGE, "code_challenge_method": "S256"}  # fmt: skip
    browser = requests.Session()
    back = browser_login(browser, f"{provider.url}/authorize?{urlencode(query)}",
                         provider.outbox, "support.agent", PASSWORD, REDIRECT)  # fmt: skip
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    module = Module(provider, (client["client_id"], client["client_secret"]))
    module.took(
        requests.post(
            f"{provider.url}/token",
            auth=module.auth,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": VERIFIER,
            },  # fmt: skip
            timeout=10,
        )
    )
    return module


def in_flight(error: requests.ConnectionError) -> bool:
    """Sent and cut off (the kill landed during the request), not refused after it."""
    return "refused" not in str(error).lower()


def test_sigkill_mid_rotation_and_mid_account_change(provider, record_property):
    module = signed_in_module(provider)
    target = provider.sql("SELECT subject FROM users WHERE username = 'target.user'")[0][0]
    applied = 0  # account changes that the database holds
    figures = {"kills": 0, "cut_refresh": 0, "cut_change": 0, "refreshes": 0, "changes": 0}
    rng = random.Random(18)  # noqa: S311 (timing, not secrets)

    for _ in range(KILLS):
        killer = threading.Timer(rng.uniform(0.05, 0.5), provider.kill)
        killer.start()
        lost = None
        while lost is None:
            step = figures["refreshes"] + figures["changes"]
            key, name = secrets.token_urlsafe(12), f"Prénom {step}"
            try:
                if step % 2 == 0:
                    module.took(module.refresh(key))
                    figures["refreshes"] += 1
                else:
                    assert module.rename("target.user", name).status_code == 200
                    figures["changes"] += 1
                    applied += 1
            except requests.ConnectionError as error:
                lost = ("refresh" if step % 2 == 0 else "change", key, name, in_flight(error))
        killer.join()
        figures["kills"] += 1
        provider.start()

        kind, key, name, cut = lost
        if kind == "refresh":
            figures["cut_refresh"] += cut
            module.took(module.refresh(key))  # the module's retry: the same request again
            figures["refreshes"] += 1
        else:
            figures["cut_change"] += cut
            if module.account("target.user")["given_name"] == name:
                applied += 1
            figures["changes"] += 1

        live = provider.sql(
            "SELECT family_id, count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL)"
            " FROM refresh_tokens GROUP BY family_id"
        )
        assert [count for _, count in live] == [1], live  # one family, one live token
        audited = provider.sql(
            "SELECT count(*) FROM audit_events WHERE action = 'user.updated' AND target = %s",
            f"user:{target}",
        )[0][0]
        assert audited == applied, (audited, applied, lost)

    record_property("figures", figures)
    assert figures["cut_refresh"] + figures["cut_change"] >= 1  # some kills landed mid-request
