"""The assurance report: accounts by strongest means, sign-ins by level and module, the share
of health-data sign-ins at a phishing-resistant or ANS level, and its chart."""

from __future__ import annotations

import pytest

from idp.oidc import assurance
from idp.storage import db
from tests.functional.test_passkeys import ISSUER, enrol, passwordless
from tests.rp import RelyingParty
from tests.webauthn_device import Authenticator


@pytest.fixture
def settings_overrides():
    return {"issuer": ISSUER}


@pytest.fixture
def health(client, make, outbox):
    return RelyingParty(client, make.client(client_id="dossier", health_data=True), outbox)


def test_the_report_counts_means_levels_and_the_health_data_share(rp, health, make):
    device = Authenticator()
    make.user("una")  # a code by mail, nothing more
    make.user("vic")
    rp.in_new_browser().sign_in("una")  # the ordinary module, by password and code
    health.sign_in("vic")  # the health-data module, by password and code
    assert enrol(health, device).status_code == 302  # vic adds a passkey ...
    browser, auth, response = passwordless(health, device)  # ... and signs in with it
    browser.follow(auth, response)

    made = assurance.report(db.session)
    assert made.means["passkey"] == 1 and made.means["email_code"] == 1
    assert made.sign_ins_by_level == {
        "urn:viatrajectoire:acr:otp-email": 2,
        "urn:viatrajectoire:acr:passkey": 1,
    }
    dossier = next(m for m in made.modules if m.client_id == "dossier")
    assert dossier.health_data and sum(dossier.sign_ins.values()) == 2
    assert made.health_data_strong_share == 0.5
    chart = assurance.svg_chart(made)
    assert chart.startswith("<svg") and chart.count("<rect") >= 6 + 2


def test_support_reads_it_a_referent_does_not(rp, make):
    make.user("support-r", is_support=True)
    support = rp.in_new_browser()
    support.sign_in("support-r")
    page = support.client.get("/admin/assurance")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    assert "Rapport d'assurance" in page.get_data(as_text=True)
    here = make.establishment()
    make.referent(here, "ref-r")
    referent = rp.in_new_browser()
    referent.sign_in("ref-r")
    assert referent.client.get("/admin/assurance").status_code == 403
