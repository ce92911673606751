"""Passkeys through the pages, with a software authenticator (tests/webauthn_device.py): each
ceremony, the levels a module receives, and every refusal."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent, Passkey
from tests.functional.test_code_flow import verify
from tests.fuzz import strategies as fuzz
from tests.rp import csrf_token
from tests.webauthn_device import Authenticator

ISSUER = "http://localhost:5000"  # a domain name: the WebAuthn RP ID is the issuer's host


@pytest.fixture
def settings_overrides():
    return {"issuer": ISSUER}


def options(client, purpose: str, page: str):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(
        "/passkeys/options",
        json={"purpose": purpose},
        headers={"X-CSRFToken": token},
    )


def enrol(rp, device: Authenticator, name: str = "Portable du bureau", origin: str = ISSUER):
    """Add a passkey from "Mon compte" (the browser signed in with its code just now)."""
    made = options(rp.client, "register", "/account/passkeys")
    assert made.status_code == 200, (made.status_code, made.get_data(as_text=True)[:300])
    answer = device.create(made.get_json()["options"], origin)
    page = rp.client.get("/account/passkeys").get_data(as_text=True)
    return rp.client.post(
        "/account/passkeys",
        data={
            "csrf_token": csrf_token(page),
            "challenge_id": made.get_json()["challenge_id"],
            "credential": json.dumps(answer),
            "name": name,
        },
    )


@pytest.fixture
def device():
    return Authenticator()


@pytest.fixture
def enrolled(rp, make, device):
    user = make.user("pia")
    rp.sign_in("pia")
    assert enrol(rp, device).status_code == 302
    return user


def passwordless(rp, device, origin: str = ISSUER, answer=None):
    """A module's request, then the login page's passkey button: (auth, response)."""
    browser = rp.in_new_browser()
    auth = browser.request()
    login = browser.start(auth).location
    made = options(browser.client, "login", login).get_json()
    answer = answer or device.get(made["options"], origin)
    page = browser.client.get(login).get_data(as_text=True)
    pending_id = re.search(r"request=([\w-]+)", login).group(1)
    response = browser.client.post(
        f"/login/passkey?request={pending_id}",
        data={
            "csrf_token": csrf_token(page),
            "challenge_id": made["challenge_id"],
            "credential": json.dumps(answer),
        },
    )
    return browser, auth, response


def claims_of(browser, auth, response):
    browser.follow(auth, response)
    tokens = browser.exchange(auth).get_json()
    return verify(browser.client, tokens["id_token"]).claims


# --- enrolment ----------------------------------------------------------------------------
def test_enrolment_keeps_what_the_passkey_is_and_tells_the_owner(enrolled, outbox):
    stored = db.session.query(Passkey).one()
    assert (
        stored.name == "Portable du bureau"
        and stored.aaguid == "00000000-0000-0000-0000-000000000000"
    )
    assert stored.activated_with == "urn:viatrajectoire:acr:otp-email"
    assert stored.transports == ["internal"] and not stored.backup_eligible
    assert enrolled.passkey_handle and enrolled.username not in enrolled.passkey_handle
    assert "clé d'accès ajoutée" in outbox.latest(enrolled.email)["Subject"]
    assert db.session.query(AuditEvent).filter_by(action="user.passkey_added").count() == 1


def test_enrolment_needs_a_fresh_sign_in(app, rp, make, device):
    make.user("quentin")
    rp.sign_in("quentin")
    sso = services_of(app).sessions.get(rp.client.get_cookie("idp_sso").value)
    sso.auth_time -= 301
    services_of(app).sessions._save(sso)
    refused = options(rp.client, "register", "/account")
    assert refused.status_code == 403 and refused.get_json()["error"] == "fresh_sign_in_required"


def test_a_model_outside_the_structures_list_is_refused(app, rp, make, device):
    services_of(app).passkeys.policy = type(services_of(app).passkeys.policy)(
        "localhost", "ViaTrajectoire", ISSUER, frozenset({"cb69481e-8ff7-4039-93ec-0a2729a154a8"})
    )
    make.user("rita")
    rp.sign_in("rita")
    answer = enrol(rp, device)
    assert answer.status_code == 400 and "homologué" in answer.get_data(as_text=True)
    assert db.session.query(Passkey).count() == 0


def test_an_answer_for_another_origin_is_refused_and_nothing_kept(rp, make, device):
    make.user("sam")
    rp.sign_in("sam")
    answer = enrol(rp, device, origin="https://viatrajectoire.evil.example")
    assert answer.status_code == 400 and db.session.query(Passkey).count() == 0


# --- passwordless sign-in -----------------------------------------------------------------
def test_passwordless_sign_in_reaches_the_passkey_level(rp, enrolled, device):
    browser, auth, response = passwordless(rp, device)
    claims = claims_of(browser, auth, response)
    assert claims["acr"] == "urn:viatrajectoire:acr:passkey"
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert claims["sub"] == enrolled.subject
    assert db.session.query(Passkey).one().last_used_at is not None


def test_a_synced_passkey_sits_at_the_same_level_and_says_swk(rp, make):
    synced = Authenticator(synced=True)
    make.user("tom")
    rp.sign_in("tom")
    assert enrol(rp, synced).status_code == 302
    browser, auth, response = passwordless(rp, synced)
    claims = claims_of(browser, auth, response)
    assert claims["acr"] == "urn:viatrajectoire:acr:passkey" and claims["amr"][0] == "swk"


def test_passwordless_needs_user_verification(rp, enrolled, device):
    device.verifies = False
    _, _, response = passwordless(rp, device)
    assert response.status_code == 400 and "idp_sso" not in (
        response.headers.get("Set-Cookie") or ""
    )


def test_a_replayed_answer_is_refused(rp, enrolled, device):
    browser, _, first = passwordless(rp, device)
    assert first.status_code == 302
    made = options(browser.client, "login", "/login").get_json()
    answer = device.get(made["options"], ISSUER)
    login_page = browser.client.get("/login").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(login_page),
        "challenge_id": made["challenge_id"],
        "credential": json.dumps(answer),
    }
    assert browser.client.post("/login/passkey", data=form).status_code == 302
    replay = browser.client.post("/login/passkey", data=form)
    assert replay.status_code == 400 and "expiré" in replay.get_data(as_text=True)


def test_a_cloned_authenticator_is_refused_audited_and_mailed(rp, enrolled, device, outbox):
    assert passwordless(rp, device)[2].status_code == 302
    device.credentials[0].sign_count = 0  # a copy of the key, with its counter behind
    _, _, response = passwordless(rp, device)
    assert response.status_code == 400 and "copiée" in response.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="user.passkey_cloned").count() == 1
    assert "copiée" in outbox.latest(enrolled.email)["Subject"]
    # the copy would catch up with the count: the passkey is suspended for good
    device.credentials[0].sign_count = 100
    assert passwordless(rp, device)[2].status_code == 400
    assert db.session.query(Passkey).one().suspended_at is not None


def test_an_unknown_passkey_and_hostile_answers_are_refused_cleanly(rp, enrolled, device):
    stranger = Authenticator()
    stranger.create({"rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": "AA"}, ISSUER)
    for answer in (
        stranger.get({"rpId": "localhost", "challenge": "AA"}, ISSUER),
        {"id": "", "response": {}},
        {"rawId": "!!!not base64!!!"},
    ):
        assert passwordless(rp, device, answer=answer)[2].status_code == 400
    browser = rp.in_new_browser()
    page = browser.client.get("/login").get_data(as_text=True)
    for credential in ("not json", "[]", "x" * 20_000):
        answer = browser.client.post(
            "/login/passkey",
            data={"csrf_token": csrf_token(page), "challenge_id": "x", "credential": credential},
        )
        assert answer.status_code == 400


def test_a_deactivated_account_cannot_sign_in_with_its_passkey(rp, enrolled, device):
    enrolled.is_active = False
    db.session.commit()
    _, _, response = passwordless(rp, device)
    assert response.status_code == 403 and "account_deactivated" in response.get_data(as_text=True)


# --- a passkey as second factor -----------------------------------------------------------
def second_factor(rp, device, username="pia"):
    browser = rp.in_new_browser()
    auth, step = browser.password_step(username)
    assert "/login/passkey/second" in step.location
    made = options(browser.client, "second", step.location).get_json()
    page = browser.client.get(step.location).get_data(as_text=True)
    response = browser.client.post(
        step.location,
        data={
            "csrf_token": csrf_token(page),
            "challenge_id": made["challenge_id"],
            "credential": json.dumps(device.get(made["options"], ISSUER)),
        },
    )
    return browser, auth, response


def test_after_the_password_the_passkey_is_asked_first(rp, enrolled, device):
    browser, auth, response = second_factor(rp, device)
    claims = claims_of(browser, auth, response)
    assert claims["acr"] == "urn:viatrajectoire:acr:passkey"
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]


def test_the_code_remains_as_the_fallback(rp, enrolled, device):
    browser = rp.in_new_browser()
    auth, step = browser.password_step("pia")
    page = browser.client.get(step.location).get_data(as_text=True)
    fallback = browser.client.post(
        "/login/passkey/second/fallback" + step.location[step.location.index("?") :],
        data={"csrf_token": csrf_token(page)},
    )
    assert "/login/code" in fallback.location
    done = browser.enter_code(fallback.location)
    claims = claims_of(browser, auth, done)
    assert claims["acr"] == "urn:viatrajectoire:acr:otp-email"


def test_another_accounts_passkey_is_no_second_factor(rp, make, enrolled, device):
    other = make.user("ugo")
    rp_other = rp.in_new_browser()
    rp_other.sign_in("ugo")
    assert enrol(rp_other, Authenticator()).status_code == 302
    browser = rp.in_new_browser()
    _, step = browser.password_step("ugo")
    made = options(browser.client, "second", step.location).get_json()
    page = browser.client.get(step.location).get_data(as_text=True)
    pia_key = device.credentials[0]
    answer = device.get(
        {"rpId": "localhost", "challenge": made["options"]["challenge"]}, ISSUER, credential=pia_key
    )
    response = browser.client.post(
        step.location,
        data={
            "csrf_token": csrf_token(page),
            "challenge_id": made["challenge_id"],
            "credential": json.dumps(answer),
        },
    )
    assert response.status_code == 400 and other.id


# --- managing -----------------------------------------------------------------------------
def test_rename_and_remove_are_audited_and_mailed(rp, enrolled, outbox):
    key = db.session.query(Passkey).one()
    page = rp.client.get("/account/passkeys").get_data(as_text=True)
    assert "Portable du bureau" in page and "liée à cet appareil" in page
    rp.client.post(
        f"/account/passkeys/{key.id}/rename",
        data={"csrf_token": csrf_token(page), "name": "Clé USB"},
    )
    db.session.expire_all()
    assert db.session.get(Passkey, key.id).name == "Clé USB"
    rp.client.post(f"/account/passkeys/{key.id}/remove", data={"csrf_token": csrf_token(page)})
    assert db.session.query(Passkey).count() == 0
    assert "clé d'accès retirée" in outbox.latest(enrolled.email)["Subject"]
    actions = {e.action for e in db.session.query(AuditEvent)}
    assert {"user.passkey_renamed", "user.passkey_removed"} <= actions


def test_removal_needs_a_fresh_sign_in(app, rp, enrolled):
    sso = services_of(app).sessions.get(rp.client.get_cookie("idp_sso").value)
    sso.auth_time -= 301
    services_of(app).sessions._save(sso)
    key = db.session.query(Passkey).one()
    page = rp.client.get("/account/passkeys").get_data(as_text=True)
    answer = rp.client.post(
        f"/account/passkeys/{key.id}/remove", data={"csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 400 and db.session.query(Passkey).count() == 1


def test_discovery_names_the_passkey_levels(client):
    supported = client.get("/.well-known/openid-configuration").get_json()["acr_values_supported"]
    assert "urn:viatrajectoire:acr:passkey" in supported


def test_on_an_ip_address_passkeys_are_off(app, client):
    """An issuer on an IP address has no RP ID a browser accepts."""
    from idp.settings import Settings

    assert Settings(issuer="http://127.0.0.1:5000").passkey_rp_id is None
    assert services_of(app).passkeys.policy.rp_id == "localhost"


# --- a module's minimum level -------------------------------------------------------------
@pytest.fixture
def health_module(client, make, outbox):
    from tests.rp import RelyingParty

    info = make.client(client_id="volet-medical", minimum_acr="urn:viatrajectoire:acr:passkey")
    return RelyingParty(client, info, outbox)


def test_a_modules_minimum_level_asks_the_passkey_though_the_module_asked_nothing(
    health_module, enrolled, device
):
    browser, auth, done = second_factor(health_module, device)  # its request asks no acr
    assert claims_of(browser, auth, done)["acr"] == "urn:viatrajectoire:acr:passkey"


def test_a_modules_minimum_level_is_never_lowered(health_module, make):
    make.user("vera")  # no passkey: the code is all this account has
    auth = health_module.authorize("vera")
    assert auth.result.get("error") == "unmet_authentication_requirements"
    assert "code" not in auth.result


def test_an_unknown_minimum_level_is_refused_at_registration():
    from idp.oidc.clients import ClientRegistration, InvalidClientMetadataError

    with pytest.raises(InvalidClientMetadataError):
        ClientRegistration("m", ["https://m.example/cb"], minimum_acr="gold").validate()


def test_support_and_the_referent_remove_a_lost_devices_passkey(client, make, rp, outbox):
    here = make.establishment()
    owner = make.user("wes")
    make.habilitation(owner, make.profile(), here)
    rp.sign_in("wes")
    assert enrol(rp, Authenticator()).status_code == 302
    key = db.session.query(Passkey).one()
    referent = rp.in_new_browser()
    make.referent(here, "ref-wes")
    referent.sign_in("ref-wes")
    page = referent.client.get(f"/admin/accounts/{owner.id}").get_data(as_text=True)
    assert "Portable du bureau" in page
    removed = referent.client.post(
        f"/admin/accounts/{owner.id}/passkeys/{key.id}/remove",
        data={"csrf_token": csrf_token(page)},
    )
    assert removed.status_code == 302 and db.session.query(Passkey).count() == 0
    event = db.session.query(AuditEvent).filter_by(action="user.passkey_removed").one()
    assert event.target == f"user:{owner.subject}" and "ref-wes" in event.actor
    assert "retirée" in outbox.latest(owner.email)["Subject"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def test_hostile_answers_never_break_the_ceremonies(rp, enrolled):
    """Any JSON as the options' request, any text or JSON as the browser's answer: a clear
    4xx, never a 5xx, nothing stored."""
    browser = rp.in_new_browser()
    page = browser.client.get("/login").get_data(as_text=True)
    token = csrf_token(page)

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        body=JSON,
        answer=JSON | fuzz.values,
        purpose=st.sampled_from(["login", "second", "register", "x"]),
    )
    def run(body, answer, purpose):
        made = browser.client.post("/passkeys/options", json=body, headers={"X-CSRFToken": token})
        assert made.status_code < 500
        options_ = browser.client.post(
            "/passkeys/options", json={"purpose": purpose}, headers={"X-CSRFToken": token}
        )
        challenge = (options_.get_json() or {}).get("challenge_id", "x")
        credential = answer if isinstance(answer, str) else json.dumps(answer)
        for path in ("/login/passkey", "/account/passkeys", "/login/passkey/second"):
            response = browser.client.post(
                path,
                data={"csrf_token": token, "challenge_id": challenge, "credential": credential},
            )
            assert response.status_code < 500, (path, response.get_data(as_text=True)[:300])
        assert db.session.query(Passkey).count() == 1

    run()


def test_a_known_authenticator_model_is_named_on_the_account_page(rp, make):
    make.user("xena")
    rp.sign_in("xena")
    yubikey = Authenticator(aaguid=bytes.fromhex("cb69481e8ff7403993ec0a2729a154a8"))
    assert enrol(rp, yubikey, name="Clé du service").status_code == 302
    page = rp.client.get("/account/passkeys").get_data(as_text=True)
    assert "YubiKey 5, liée à cet appareil" in page
