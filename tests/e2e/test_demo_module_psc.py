"""What `make run` shows a newcomer: the demo module's sensitive page asks for the CPS card,
the Pro Santé Connect stand-in (its own process) is where the card is "read", and the module
gets a token at the PSC level. In chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from viatrajectoire_auth import acr

from tests.e2e.conftest import psc_env
from tests.e2e.modules import start_module

pytestmark = pytest.mark.e2e
DEMO = ("demo", "demo-password-2026", "demo@example.org")


@pytest.fixture(scope="module")
def live_env(stand_in_url):
    return psc_env(stand_in_url)


@pytest.fixture(scope="module")
def module(live_server):
    live_server.idp("init", "--demo")  # demo holds PAUL DURAND's national identifier
    running = start_module(live_server, "module-ga", "Grand Âge (démo)", acr.PSC)
    yield running
    running.stop()


def test_sensitive_page_steps_up_to_the_cps_card(live_server, module, stand_in_url, page: Page):
    page.goto(module.url + "/")
    page.get_by_role("link", name="Se connecter avec ViaTrajectoire").click()
    page.get_by_label("Nom d'utilisateur").fill(DEMO[0])
    page.get_by_label("Mot de passe").fill(DEMO[1])
    page.get_by_role("button", name="Se connecter").click()
    code = page.get_by_label("Code reçu par courriel")
    code.fill(live_server.outbox.latest_code(DEMO[2]))
    page.keyboard.press("Enter")
    page.get_by_role("button", name="J'accepte les conditions d'utilisation").click()
    assert acr.EMAIL_OTP in page.locator("#acr").inner_text()
    page.get_by_role("link", name="Volet médical", exact=True).click()
    page.wait_for_url(f"{stand_in_url}/**")  # straight to Pro Santé Connect
    page.get_by_role("radio", name="Carte CPS", exact=True).check()
    page.get_by_role("radio", name="PAUL DURAND").check()
    page.get_by_role("button", name="S'identifier").click()
    assert "Synthèse médicale" in page.locator("#sensitive").inner_text()
    page.goto(module.url + "/")
    assert acr.PSC in page.locator("#acr").inner_text()


@pytest.fixture(scope="module")
def health_module(live_server, module):
    running = start_module(
        live_server,
        "volet-medical",
        "Volet médical (démo)",
        acr.PSC,
        "--minimum-acr",
        acr.PSC,
        "--health-data",
    )
    yield running
    running.stop()


def test_a_module_registered_with_a_minimum_level_is_signed_in_at_it(
    live_server, health_module, stand_in_url, page: Page
):
    """The module asks nothing more than a login; its registration's minimum sends the person
    through Pro Santé Connect, and its tokens carry that level."""
    page.goto(health_module.url + "/")
    page.get_by_role("link", name="Se connecter avec ViaTrajectoire").click()
    page.wait_for_url(f"{stand_in_url}/**")  # no password page: straight to the card
    page.get_by_role("radio", name="Carte CPS", exact=True).check()
    page.get_by_role("radio", name="PAUL DURAND").check()
    page.get_by_role("button", name="S'identifier").click()
    page.wait_for_url(lambda url: not url.startswith(stand_in_url))
    if page.url.startswith(live_server.url):  # a first login here: the conditions of use
        page.get_by_role("button", name="J'accepte les conditions d'utilisation").click()
    page.wait_for_url(f"{health_module.url}/**")
    page.goto(health_module.url + "/")
    assert acr.PSC in page.locator("#acr").inner_text()
