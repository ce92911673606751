"""Pro Santé Connect end to end: the live provider and `idp psc-sandbox`, both real servers.

The stand-in is started with its operator command; the provider reaches it only through the
IDP_PSC_* settings, as it would reach the real PSC. The relying party is Authlib's client.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import Page

from tests.e2e.conftest import psc_env
from tests.psc import form_fields

pytestmark = pytest.mark.e2e
PASSWORD = "un mot de passe assez long"
REDIRECT = "https://module-psc.example.org/callback"
BYE = "https://module-psc.example.org/bye"
PSC_LEVEL = "urn:viatrajectoire:acr:psc"


@pytest.fixture(scope="module")
def live_env(stand_in_url) -> dict[str, str]:
    return {**psc_env(stand_in_url), "IDP_PSC_TOKEN_AUTH_METHOD": "client_secret_post"}


@pytest.fixture(scope="module")
def module_client(live_server):
    return live_server.create_client(
        "module-psc",
        REDIRECT,
        "--scope",
        "openid profile psc",
    )


def rp_session(client) -> OAuth2Session:
    return OAuth2Session(
        client["client_id"],
        client["client_secret"],
        scope="openid profile psc",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def follow(browser: requests.Session, response: requests.Response, stop: str) -> str:
    """Follow redirects like a browser until one leaves for ``stop``; that URL."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(stop):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    return response.url


def wallet_choice(browser: requests.Session, wallet_url: str, identity: str) -> requests.Response:
    page = browser.get(wallet_url, timeout=10)
    assert "Se connecter avec Pro Santé Connect" in page.text
    data = {**form_fields(page.text), "identity": identity, "decision": "accept"}
    return browser.post(wallet_url.split("?")[0], data=data, allow_redirects=False, timeout=10)


def test_first_link_then_card_login_then_logout_through_psc(
    live_server, module_client, stand_in_url
):
    live_server.create_user("pdurand", PASSWORD)
    rp = rp_session(module_client)
    verifier = "v" * 64
    url, state = rp.create_authorization_url(
        f"{live_server.url}/authorize", code_verifier=verifier, nonce="n-1", acr_values=PSC_LEVEL
    )
    browser = requests.Session()
    wallet_url = follow(browser, browser.get(url, allow_redirects=False), stand_in_url)
    assert wallet_url.startswith(stand_in_url + "/wallet/auth?")  # the PSC level goes to PSC
    # first time: no account holds 810000000025 yet; the person binds it with the password
    link_page = browser.get(
        follow(browser, wallet_choice(browser, wallet_url, "cps"), "never"), timeout=10
    )
    assert "Rattacher votre identité Pro Santé Connect" in link_page.text
    action = re.search(r'action="(/login[^"]*)"', link_page.text).group(1).replace("&amp;", "&")
    posted = browser.post(
        urljoin(link_page.url, action),
        data={
            "csrf_token": csrf(link_page.text),
            "username": "pdurand",
            "password": PASSWORD,
            "psc_link": "1",
        },
        allow_redirects=False,
    )
    code_page = browser.get(urljoin(posted.url, posted.headers["Location"]))
    answer = browser.post(
        code_page.url,
        data={
            "csrf_token": csrf(code_page.text),
            "otp": live_server.outbox.latest_code("pdurand@example.org"),
        },
        allow_redirects=False,
    )
    charter = browser.get(urljoin(answer.url, answer.headers["Location"]))
    accepted = browser.post(
        urljoin(charter.url, "/charter"),
        data={
            "csrf_token": csrf(charter.text),
            "request_id": re.search(
                r'name="request_id" type="hidden" value="([^"]+)"', charter.text
            ).group(1),
            "accept": "1",
        },
        allow_redirects=False,
    )
    callback = follow(browser, accepted, REDIRECT)
    token = rp.fetch_token(
        f"{live_server.url}/token",
        authorization_response=callback,
        state=state,
        code_verifier=verifier,
    )
    jwks = KeySet.import_key_set(requests.get(f"{live_server.url}/jwks.json", timeout=5).json())
    claims = jwt.decode(token["id_token"], jwks).claims
    assert claims["acr"] == PSC_LEVEL and claims["amr"] == ["hwk", "pin", "mfa"]
    info = rp.get(f"{live_server.url}/userinfo").json()
    assert info["psc"]["national_id"] == "810000000025" and info["psc"]["professions"] == ["10"]

    # another day, another browser: the card signs in straight away
    second = requests.Session()
    url2, _ = rp.create_authorization_url(
        f"{live_server.url}/authorize", acr_values=PSC_LEVEL, code_verifier="c" * 64
    )
    wallet2 = follow(second, second.get(url2, allow_redirects=False), stand_in_url)
    assert "code=" in follow(second, wallet_choice(second, wallet2, "cps"), REDIRECT)

    # logout from the module: through PSC's logout, then back to the module
    logout = browser.get(
        f"{live_server.url}/logout",
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": BYE, "state": "s"},
        allow_redirects=False,
    )
    assert logout.headers["Location"].startswith(stand_in_url)
    assert follow(browser, logout, BYE) == BYE + "?state=s"
    last = requests.get(f"{stand_in_url}/_sandbox/logouts", timeout=5).json()[-1]
    assert last == {
        "id_token_hint": "yes",
        "post_logout_redirect_uri": f"{live_server.url}/psc/logged-out",
    }


def test_carte_cps_button_in_a_browser(live_server, module_client, page: Page):
    live_server.create_user("jpetit", PASSWORD)
    rp = rp_session(module_client)
    url, _ = rp.create_authorization_url(f"{live_server.url}/authorize", code_verifier="w" * 64)
    page.goto(url)
    page.get_by_role("link", name="S'IDENTIFIER PAR CARTE CPS").click()
    page.get_by_label("Carte CPS", exact=True).check()
    page.get_by_label(re.compile("JEAN PETIT")).check()
    page.get_by_role("button", name="S'identifier").click()
    page.get_by_role("heading", name="Rattacher votre identité Pro Santé Connect").wait_for()
    page.get_by_label("Nom d'utilisateur").fill("jpetit")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    code = page.get_by_label("Code reçu par courriel")
    code.fill(live_server.outbox.latest_code("jpetit@example.org"))
    page.keyboard.press("Enter")
    accept = page.get_by_role("button", name="J'accepte les conditions d'utilisation")
    with page.expect_request(lambda request: request.url.startswith(REDIRECT)) as callback:
        accept.click()
    query = parse_qs(urlsplit(callback.value.url).query)
    assert "code" in query and query["iss"] == [live_server.url]
