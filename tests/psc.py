"""The Pro Santé Connect stand-in as a real HTTP server, and a browser-like walk through it.

The provider talks to the stand-in over real HTTP (discovery, token, userinfo, JWKS); the test
plays the browser: it follows the provider's redirect to the stand-in's wallet page, posts the
choice of identity there like a person would, and brings PSC's redirect back to the provider.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import requests
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from psc_sandbox import create_app

CLIENT_ID = "viatrajectoire-idp"
CLIENT_SECRET = "psc-sandbox-secret"


class StandIn:
    """A running stand-in: its URLs and its switches."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.issuer = base_url + "/auth/realms/esante-wallet"

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "psc_issuer": self.issuer,
            "psc_client_id": CLIENT_ID,
            "psc_client_secret": CLIENT_SECRET,
            "psc_timeout": 2.0,
            "psc_jwks_refetch_interval": 0,
            **extra,
        }

    def switch(self, **values: Any) -> None:
        requests.post(f"{self.base_url}/_sandbox/switches", json=values, timeout=5)

    def reset(self) -> None:
        self.switch(reset=True)

    def rotate(self) -> str:
        return requests.post(f"{self.base_url}/_sandbox/rotate", timeout=10).json()["kid"]

    def logouts(self) -> list[dict[str, str]]:
        return requests.get(f"{self.base_url}/_sandbox/logouts", timeout=5).json()


@contextmanager
def running_stand_in(host: str = "127.0.0.1") -> Iterator[StandIn]:
    server = make_server(host, 0, None, threaded=True)  # type: ignore[arg-type]
    base_url = f"http://{host}:{server.server_port}"
    server.app = create_app(base_url, {CLIENT_ID: CLIENT_SECRET})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StandIn(base_url)
    finally:
        server.shutdown()


def form_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the wallet page (the authorization request it carries)."""
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


class PscWalk:
    """One browser's round trip: provider → PSC wallet → provider."""

    def __init__(self, client: FlaskClient, stand_in: StandIn) -> None:
        self.client = client
        self.stand_in = stand_in
        self.wallet = requests.Session()  # the browser's cookies at PSC

    def start(self, path: str = "/psc/start") -> str:
        """Follow the provider to PSC; the wallet URL."""
        response = self.client.get(path)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert response.location.startswith(self.stand_in.base_url), response.location
        return response.location

    def choose(self, wallet_url: str, identity: str = "cps", **fields: Any) -> str:
        """Pick an identity (and switches) on the wallet page; PSC's redirect back to us."""
        page = self.wallet.get(wallet_url, timeout=5)
        assert page.status_code == 200, page.text[:300]
        data = {**form_fields(page.text), "identity": identity, "decision": "accept"}
        data.update({k: str(v) for k, v in fields.items()})
        answer = self.wallet.post(wallet_url.split("?")[0], data=data, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:300]
        return answer.headers["Location"]

    def back(self, callback_url: str) -> TestResponse:
        parts = urlsplit(callback_url)
        return self.client.get(parts.path + ("?" + parts.query if parts.query else ""))

    def login(self, identity: str = "cps", path: str = "/psc/start", **fields: Any) -> TestResponse:
        return self.back(self.choose(self.start(path), identity, **fields))
