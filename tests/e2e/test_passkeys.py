"""Passkeys in a real Chromium with its virtual authenticator (Chrome DevTools Protocol
``WebAuthn``: ctap2, internal transport, resident keys, user verification): enrolment, a
passwordless sign-in, a passkey as the second factor, removal, a cloned counter and a page on
another origin refused — each checked by what the module receives (``acr``, ``amr``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.e2e.accessibility import violations

PASSWORD = "correct horse battery staple 42"
REDIRECT = "https://passkey-rp.example.org/callback"
VERIFIER = "p" * 64
#: a phone's or a laptop's own authenticator: resident keys, verifies its user, always there
PLATFORM_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture(scope="module")
def live_host() -> str:
    return "localhost"  # the WebAuthn RP ID must be a domain name


@pytest.fixture(scope="module")
def module_client(live_server):
    return live_server.create_client("passkey-rp", REDIRECT)


@pytest.fixture
def username(live_server, request) -> str:
    """A new professional for each test (so that each first login meets the charter)."""
    name = f"clefort-{request.node.name[5:25].replace('_', '-')}"
    live_server.create_user(name, PASSWORD)
    return name


@pytest.fixture
def authenticator(page: Page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": PLATFORM_AUTHENTICATOR})
    return cdp, made["authenticatorId"]


def authorize_url(live_server, client) -> str:
    rp = OAuth2Session(
        client["client_id"], scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    url, _ = rp.create_authorization_url(f"{live_server.url}/authorize", code_verifier=VERIFIER)
    return url


def back_to_module(page: Page, action) -> str:
    """Run ``action`` and return the code the module receives (the module's host does not
    resolve here: the browser ends on its error page, waited for before going on)."""
    with page.expect_request(lambda request: request.url.startswith(REDIRECT)) as callback:
        action()
    try:
        page.wait_for_url(lambda url: not url.startswith("http://"), timeout=10_000)
    except PlaywrightError:  # net::ERR_NAME_NOT_RESOLVED: the error page is there
        pass
    return parse_qs(urlsplit(callback.value.url).query)["code"][0]


def claims_for(live_server, client, code: str) -> dict:
    token = requests.post(
        f"{live_server.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    keys = KeySet.import_key_set(requests.get(f"{live_server.url}/jwks.json", timeout=5).json())
    return jwt.decode(token.json()["id_token"], keys, algorithms=["RS256"]).claims


def go(page: Page, url: str) -> None:
    """``page.goto``, once the browser's error page for the module (unresolvable here) has
    finished loading: a navigation still under way would interrupt this one."""
    for _ in range(5):
        try:
            page.goto(url)
            return
        except PlaywrightError as error:
            if "interrupted by another navigation" not in str(error):
                raise
            page.wait_for_timeout(200)
    page.goto(url)


def without_autofill(page: Page) -> None:
    """A browser that offers no passkey in the username field (conditional mediation)."""
    page.add_init_script(
        "window.PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
    )


def password_and_code(page: Page, username: str) -> None:
    page.get_by_label("Nom d'utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def sign_in_with_code(live_server, client, page: Page, username: str) -> None:
    """A first login: password, the mailed code, the conditions of use, back to the module."""
    page.goto(authorize_url(live_server, client))
    password_and_code(page, username)
    code = page.get_by_label("Code reçu par courriel")
    code.wait_for()
    code.fill(live_server.outbox.latest_code(f"{username}@example.org"))
    page.get_by_role("button", name="Valider").click()
    accept = page.get_by_role("button", name="J'accepte les conditions d'utilisation")
    accept.wait_for()
    back_to_module(page, accept.click)


def add_passkey(live_server, page: Page, name: str = "Poste infirmier") -> None:
    go(page, f"{live_server.url}/account/passkeys")
    page.get_by_label("Nom de la clé d'accès").fill(name)
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter une clé d'accès").click()
    assert name in page.get_by_role("table").inner_text()
    assert violations(page) == []  # axe-core: the passkeys page


def test_enrol_then_sign_in_without_password_then_with_it(
    live_server, module_client, page: Page, authenticator, username
):
    sign_in_with_code(live_server, module_client, page, username)
    add_passkey(live_server, page)
    cdp, authenticator_id = authenticator
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(stored["credentials"]) == 1 and stored["credentials"][0]["isResidentCredential"]

    # passwordless: the login page offers the passkey in the username field (conditional
    # mediation), which the virtual authenticator, always present, accepts at once
    page.context.clear_cookies()
    url = authorize_url(live_server, module_client)
    arrive = lambda: page.goto(url, wait_until="commit")  # noqa: E731
    claims = claims_for(live_server, module_client, back_to_module(page, arrive))
    assert claims["acr"] == "urn:viatrajectoire:acr:passkey"
    assert claims["amr"] == ["hwk", "user", "mfa"]

    # with the button, where the browser offers no autofill ...
    without_autofill(page)
    page.context.clear_cookies()
    go(page, authorize_url(live_server, module_client))
    button = page.get_by_role("button", name="Se connecter avec une clé d'accès")
    assert violations(page) == []  # axe-core: the login page with its passkey button
    claims = claims_for(live_server, module_client, back_to_module(page, button.click))
    assert claims["acr"] == "urn:viatrajectoire:acr:passkey"

    # ... and after the password, the passkey comes first as the second factor
    page.context.clear_cookies()
    go(page, authorize_url(live_server, module_client))
    password_and_code(page, username)
    second = page.get_by_role("button", name="Utiliser ma clé d'accès")
    second.wait_for()
    assert violations(page) == []  # axe-core: the passkey asked after the password
    claims = claims_for(live_server, module_client, back_to_module(page, second.click))
    assert claims["acr"] == "urn:viatrajectoire:acr:passkey"
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]


def test_a_cloned_authenticator_is_refused(
    live_server, module_client, page: Page, authenticator, username
):
    cdp, original = authenticator
    sign_in_with_code(live_server, module_client, page, username)
    add_passkey(live_server, page, "Clé à copier")
    credential = cdp.send("WebAuthn.getCredentials", {"authenticatorId": original})["credentials"][
        -1
    ]
    page.context.clear_cookies()
    url = authorize_url(live_server, module_client)
    back_to_module(page, lambda: page.goto(url, wait_until="commit"))  # autofill signs in
    used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": original})["credentials"][-1]
    assert used["signCount"] > credential["signCount"] >= 0, (used, credential)
    # a second authenticator holding the same key, its counter behind the original's
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": original})
    copy = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": PLATFORM_AUTHENTICATOR})[
        "authenticatorId"
    ]
    cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": copy, "credential": {**credential, "signCount": 0}},
    )
    page.context.clear_cookies()
    go(page, authorize_url(live_server, module_client))  # the copy answers the autofill
    alert = page.get_by_role("alert").filter(has_text="copiée")
    alert.wait_for()
    assert page.get_by_label("Mot de passe", exact=True).is_visible()  # the password remains


def test_removal_from_the_account_page(
    live_server, module_client, page: Page, authenticator, username
):
    sign_in_with_code(live_server, module_client, page, username)
    add_passkey(live_server, page, "Ancienne clé")
    row = page.get_by_role("row").filter(has_text="Ancienne clé")
    with page.expect_navigation():
        row.get_by_role("button", name="Retirer").click()
    assert "Ancienne clé" not in page.content()


def test_a_page_on_another_origin_gets_no_passkey(
    live_server, module_client, page: Page, authenticator, username
):
    """The same server reached at 127.0.0.1: the RP ID ``localhost`` is not its host, so the
    browser itself refuses the ceremony, and the page says so."""
    sign_in_with_code(live_server, module_client, page, username)
    add_passkey(live_server, page, "Clé du bon site")
    other = live_server.url.replace("localhost", "127.0.0.1")
    page.context.clear_cookies()
    go(page, f"{other}/login")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    error = page.locator("[data-passkey-error]")
    error.wait_for(state="visible")
    assert "n'a pas pu être utilisée" in error.inner_text()
    # the accessibility check finds what it should: a field without its label
    page.evaluate("document.querySelector('label[for=username]').remove()")
    assert "label" in {v["id"] for v in violations(page)}
