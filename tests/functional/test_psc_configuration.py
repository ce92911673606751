"""Without PSC settings the buttons are hidden, not broken; with PSC down, a clear page."""

from __future__ import annotations

import logging
import socket

import pytest

from idp.authn.context import ACR_PSC
from tests.rp import query


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestWithoutPsc:
    def test_buttons_are_hidden(self, client):
        html = client.get("/login").get_data(as_text=True)
        assert "CARTE CPS" not in html and "/psc/start" not in html

    def test_psc_pages_do_not_exist(self, client):
        assert client.get("/psc/start").status_code == 404
        assert client.get("/psc/callback?state=x&code=y").status_code == 404

    def test_psc_level_is_not_advertised_and_is_refused_at_once(self, client, rp):
        metadata = client.get("/.well-known/openid-configuration").get_json()
        assert ACR_PSC not in metadata["acr_values_supported"]
        assert "psc" not in metadata["scopes_supported"]
        auth = rp.request(acr_values=ACR_PSC)
        response = rp.start(auth)
        assert query(response.location)["error"] == "unmet_authentication_requirements"

    def test_psc_level_among_others_falls_back_to_them(self, rp, make):
        make.user("plain")
        auth = rp.authorize("plain", acr_values=f"{ACR_PSC} urn:viatrajectoire:acr:password")
        assert "code" in auth.result


class TestPscDown:
    @pytest.fixture
    def settings_overrides(self) -> dict:
        issuer = f"http://127.0.0.1:{closed_port()}/auth/realms/esante-wallet"
        return {
            "psc_issuer": issuer,
            "psc_client_id": "viatrajectoire-idp",
            "psc_client_secret": "secret",
            "psc_timeout": 1.0,
        }

    def test_buttons_shown_and_advertised(self, client):
        assert "CARTE CPS" in client.get("/login").get_data(as_text=True)
        metadata = client.get("/.well-known/openid-configuration").get_json()
        assert ACR_PSC in metadata["acr_values_supported"]

    def test_unreachable_psc_ends_on_a_clear_page(self, client, caplog):
        with caplog.at_level(logging.WARNING):
            response = client.get("/psc/start")
        html = response.get_data(as_text=True)
        assert response.status_code == 503
        assert "Pro Santé Connect ne répond pas" in html and 'href="/login' in html
        assert "ConnectionError" in caplog.text
        assert client.get_cookie("idp_sso") is None
