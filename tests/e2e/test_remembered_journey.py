"""The morning journey in a real browser: password, code, remembered device, and its limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e
PASSWORD = "un mot de passe assez long"
REDIRECT = "https://journey-rp.example.org/callback"


@pytest.fixture(scope="module")
def journey_client(live_server):
    live_server.create_user("pmartin", PASSWORD)
    return live_server.create_client("journey-rp", REDIRECT)


def start(page: Page, live_server, client) -> None:
    rp = OAuth2Session(
        client["client_id"], scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    url, _ = rp.create_authorization_url(f"{live_server.url}/authorize", code_verifier="j" * 64)
    page.goto(url)
    page.get_by_label("Nom d'utilisateur").fill("pmartin")
    page.get_by_label("Mot de passe").fill(PASSWORD)


def submit_expecting_rp(page: Page, action) -> str:
    with page.expect_request(lambda request: request.url.startswith(REDIRECT)) as callback:
        action()
    page.wait_for_url("chrome-error://**")  # the RP's made-up host does not resolve
    return callback.value.url


def submit_expecting_code(page: Page) -> None:
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code reçu par courriel").wait_for()


def enter_code(page: Page, live_server) -> None:
    page.get_by_label("Code reçu par courriel").fill(
        live_server.outbox.latest_code("pmartin@example.org")
    )


def logout(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/logout")
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté.").wait_for()


def expire_devices(live_server) -> None:
    """Eight hours pass for the remembered devices (the server's clock is not ours to move)."""
    from idp import create_app
    from idp.settings import load_settings
    from idp.storage import db
    from idp.storage.models import RememberedDevice

    app = create_app(load_settings(environ=live_server.env))
    with app.app_context():
        for device in db.session.query(RememberedDevice).all():
            device.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        db.engine.dispose()


def test_code_once_then_remembered_then_asked_again_elsewhere_and_later(
    live_server, journey_client, browser: Browser
):
    office = browser.new_context(locale="fr-FR").new_page()
    start(office, live_server, journey_client)
    submit_expecting_code(office)
    enter_code(office, live_server)
    office.get_by_role("button", name="Valider").click()
    accept = office.get_by_role("button", name="J'accepte les conditions d'utilisation")
    assert "code=" in submit_expecting_rp(office, accept.click)

    logout(office, live_server)
    start(office, live_server, journey_client)
    button = office.get_by_role("button", name="Se connecter")
    assert "code=" in submit_expecting_rp(office, button.click)  # no code asked: remembered

    home = browser.new_context(locale="fr-FR").new_page()  # another browser
    start(home, live_server, journey_client)
    submit_expecting_code(home)

    logout(office, live_server)
    expire_devices(live_server)
    start(office, live_server, journey_client)
    submit_expecting_code(office)  # eight hours later: asked again
