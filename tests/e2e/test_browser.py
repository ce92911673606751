"""The hosted login page in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e
PASSWORD = "un mot de passe assez long"
REDIRECT = "https://browser-rp.example.org/callback"


@pytest.fixture(scope="module")
def browser_client(live_server):
    live_server.create_user("mlefebvre", PASSWORD)
    return live_server.create_client("browser-rp", REDIRECT)


def authorize_url(live_server, client, **params) -> str:
    rp = OAuth2Session(
        client["client_id"],
        scope="openid profile",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )
    url, _ = rp.create_authorization_url(
        f"{live_server.url}/authorize", code_verifier="v" * 64, **params
    )
    return url


def test_person_signs_in_with_keyboard_and_lands_on_rp(
    live_server, browser_client, page: Page, tmp_path
):
    page.goto(authorize_url(live_server, browser_client))
    assert page.locator("html").get_attribute("lang") == "fr"
    username = page.get_by_label("Nom d'utilisateur")
    assert username.evaluate("el => el === document.activeElement")  # focus starts here
    username.fill("mlefebvre")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    code = page.get_by_label("Code reçu par courriel")
    code.wait_for()
    assert "mle…@ex….org" in page.content()
    assert code.evaluate("el => el === document.activeElement")
    code.fill(live_server.outbox.latest_code("mlefebvre@example.org"))
    page.keyboard.press("Enter")
    accept = page.get_by_role("button", name="J'accepte les conditions d'utilisation")
    accept.wait_for()  # first login: the conditions of use come before any token
    # Playwright does not route redirect targets: catch the request to the RP instead.
    with page.expect_request(lambda request: request.url.startswith(REDIRECT)) as callback:
        accept.click()
    query = parse_qs(urlsplit(callback.value.url).query)
    assert "code" in query and query["iss"] == [live_server.url]


def test_wrong_password_is_announced(live_server, browser_client, page: Page):
    page.goto(authorize_url(live_server, browser_client))
    page.get_by_label("Nom d'utilisateur").fill("mlefebvre")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    assert "Nom d'utilisateur ou mot de passe incorrect" in alert.inner_text()
    assert page.get_by_label("Mot de passe").get_attribute("aria-invalid") == "true"


def test_page_switches_to_english(live_server, browser_client, page: Page):
    page.goto(authorize_url(live_server, browser_client, ui_locales="en"))
    assert page.get_by_label("Username").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"


def test_page_loads_no_external_asset(live_server, browser_client, page: Page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(authorize_url(live_server, browser_client))
    assert requested and all(url.startswith(live_server.url) for url in requested)
