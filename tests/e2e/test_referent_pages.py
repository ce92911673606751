"""A referent, in a real browser, creates an account and gives it a habilitation."""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e
PASSWORD = "un mot de passe assez long"


@pytest.fixture(scope="module")
def demo_world(live_server):
    script = (
        "from idp import create_app; from idp.storage import db\n"
        "from idp.accounts import demo_data; from idp.services import of\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    demo_data.seed(db.session, of(app).passwords, {PASSWORD!r})\n"
    )
    subprocess.run([sys.executable, "-c", script], env=live_server.env, check=True, timeout=60)
    return live_server


def sign_in_as_referent(page: Page, server) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Nom d'utilisateur").fill("referent-ehpad")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    code = page.get_by_label("Code reçu par courriel")
    code.wait_for()
    code.fill(server.outbox.latest_code("c.durand@ehpad-vinobre.example"))
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Vous êtes connecté").wait_for()


def test_referent_creates_an_account_with_a_habilitation(demo_world, page: Page):
    server = demo_world
    sign_in_as_referent(page, server)
    page.goto(f"{server.url}/admin/accounts/new")
    page.get_by_label("Nom*").fill("Bernard")
    page.get_by_label("Prénom").fill("Lucie")
    page.get_by_label("Nom d'utilisateur*").fill("lbernard")
    page.get_by_label("Email*").fill("l.bernard@ehpad-vinobre.example")
    page.get_by_label("Profession*").fill("Infirmière coordinatrice")
    page.get_by_label("Profil").select_option(label="Grand Age - Coordination (GA)")
    localisation = page.get_by_label("Localisation")
    assert localisation.locator("option").count() == 2  # only where this referent is
    localisation.select_option(label="EHPAD Bastide du Mont Vinobre (070000011)")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Bernard Lucie (lbernard)").wait_for()
    table = page.locator("table").first
    assert "Grand Age - Coordination (GA)" in table.inner_text()
    page.get_by_label("Profil").select_option(label="Annuaires - Consultation")
    page.get_by_label("Localisation").select_option(label="CH d'Ardèche Nord (070000029)")
    page.get_by_role("button", name="Ajouter l'habilitation").click()
    page.get_by_text("Annuaires - Consultation").first.wait_for()
    history = page.locator("table").last.inner_text()
    assert "Ajout de l'habilitation" in history and "Claire Durand" in history
    welcome = server.outbox.latest("l.bernard@ehpad-vinobre.example")
    assert "/password/reset/" in welcome.get_body(("plain",)).get_content()
