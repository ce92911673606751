"""The demo module's journey against the live provider: sign in, the module's own API, a
step-up for the sensitive page, logout reaching a second module by back-channel, and a module
that was down receiving its logout once back. Then the same journey in chromium."""

from __future__ import annotations

import json
import time
from urllib.parse import urljoin

import pytest
import requests
from playwright.sync_api import Page
from viatrajectoire_auth import acr

from tests.e2e.browsing import browser_login
from tests.e2e.modules import RunningModule, start_module

pytestmark = pytest.mark.e2e
DEMO = ("demo", "demo-password-2026", "demo@example.org")


@pytest.fixture(scope="module")
def live_env():
    # password-only logins, so that the sensitive page asks for the mailed code (step-up)
    return {"IDP_OTP_MANDATORY_FROM": "2099-01-01"}


@pytest.fixture(scope="module")
def modules(live_server):
    live_server.idp("init", "--demo")
    running = [
        start_module(live_server, "module-a", "Grand Âge (démo)", acr.EMAIL_OTP),
        start_module(live_server, "module-b", "Annuaires (démo)", acr.EMAIL_OTP),
    ]
    yield running
    for module in running:
        module.stop()


def visit(browser: requests.Session, live_server, module: RunningModule, path: str):
    """A browser following every redirect, signing in at the provider when it is asked to."""
    response = browser.get(module.url + path, allow_redirects=False, timeout=10)
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(live_server.url + "/authorize"):
            response = browser_login(
                browser, location, live_server.outbox, *DEMO[:2], module.url, DEMO[2]
            )
            continue
        response = browser.get(location, allow_redirects=False, timeout=10)
    return response


def signed_out(browser: requests.Session, live_server, module: RunningModule):
    """The module's page once the back-channel logout arrived (the provider sends it from a
    background thread, after the logout page answered)."""
    for _ in range(50):
        page = visit(browser, live_server, module, "/")
        if "Votre session a été fermée depuis ViaTrajectoire" in page.text:
            return page
        time.sleep(0.2)
    raise AssertionError("the module's session was not ended by the provider")


def test_sign_in_api_step_up_and_logout_reaching_both_modules(live_server, modules):
    module_a, module_b = modules
    browser = requests.Session()
    home = visit(browser, live_server, module_a, "/login")
    assert "Connecté(e) : <strong>Camille Martin</strong>" in home.text
    assert acr.PASSWORD in home.text
    me = visit(browser, live_server, module_a, "/moi")
    assert "HTTP 200" in me.text and "EHPAD Bastide du Mont Vinobre" in me.text
    assert "Médecin" in me.text and "810000000025" in me.text
    store = module_a.app.extensions["demo_module.tokens"]
    key, token = next(iter(store._tokens.items()))
    store.replace(key, {**token, "access_token": token["id_token"]})  # as if it had expired
    refreshed = visit(browser, live_server, module_a, "/moi")
    assert "HTTP 200" in refreshed.text  # the module refreshed and called again
    assert store.get(key)["refresh_token"] != token["refresh_token"]  # rotated
    mailed = len(live_server.outbox.messages(DEMO[2]))
    sensitive = visit(browser, live_server, module_a, "/volet-medical")
    assert "Synthèse médicale" in sensitive.text  # after the mailed code
    assert len(live_server.outbox.messages(DEMO[2])) == mailed + 1
    other = visit(browser, live_server, module_b, "/login")  # single sign-on: no password
    assert (
        "Camille Martin" in other.text and len(live_server.outbox.messages(DEMO[2])) == mailed + 1
    )
    bye = visit(browser, live_server, module_a, "/logout")
    assert bye.url == module_a.url + "/" and "Vous n'êtes pas connecté(e)" in bye.text
    after = signed_out(browser, live_server, module_b)
    assert "Vous n'êtes pas connecté(e)" in after.text


def test_module_down_during_logout_gets_it_once_back(live_server, modules):
    module_a, module_b = modules
    browser = requests.Session()
    visit(browser, live_server, module_a, "/login")
    assert "Camille Martin" in visit(browser, live_server, module_b, "/login").text
    module_b.stop()
    try:
        visit(browser, live_server, module_a, "/logout")
        for _ in range(50):  # the provider tries at once, from a background thread
            waiting = json.loads(live_server.idp("backchannel", "waiting", "--json"))
            if waiting:
                break
            time.sleep(0.2)
    finally:
        module_b.start()
    assert [(w["client_id"], w["attempts"]) for w in waiting] == [("module-b", 1)]
    assert waiting[0]["last_error"] == "ConnectionError"
    still = visit(browser, live_server, module_b, "/")
    assert "Camille Martin" in still.text  # it missed the logout while down
    report = live_server.idp("backchannel", "deliver", "--retry-now", "--client", "module-b")
    assert "delivered  1" in report
    signed_out(browser, live_server, module_b)


def sign_in(page: Page) -> None:
    page.get_by_label("Nom d'utilisateur").fill(DEMO[0])
    page.get_by_label("Mot de passe").fill(DEMO[1])
    page.get_by_role("button", name="Se connecter").click()


def test_journey_in_a_browser(live_server, modules, page: Page):
    module_a, _ = modules
    page.goto(module_a.url + "/")
    page.get_by_role("link", name="Se connecter avec ViaTrajectoire").click()
    sign_in(page)
    accept = page.get_by_role("button", name="J'accepte les conditions d'utilisation")
    who = page.locator("#who")
    accept.or_(who).first.wait_for()
    if accept.is_visible():  # first login of this provider's demo person
        accept.click()
    assert "Camille Martin" in who.inner_text()
    page.get_by_role("link", name="Mes habilitations (API)").click()
    assert "EHPAD Bastide du Mont Vinobre" in page.locator("#habilitations").inner_text()
    page.get_by_role("link", name="Volet médical", exact=True).click()
    sign_in(page)  # the provider asks again, then for the mailed code (the step-up)
    code = page.get_by_label("Code reçu par courriel")
    code.fill(live_server.outbox.latest_code(DEMO[2]))
    page.keyboard.press("Enter")
    assert "Synthèse médicale" in page.locator("#sensitive").inner_text()
    page.get_by_role("link", name="Se déconnecter").click()
    page.locator("#signed-out").wait_for()
    assert page.url == module_a.url + "/"
