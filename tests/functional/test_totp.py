"""Authenticator apps (TOTP): enrolment, login with the app, replay, recovery codes, acr."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from idp.storage import db
from idp.storage.models import AuditEvent, TotpCredential
from tests.factories import PASSWORD
from tests.rp import RelyingParty, csrf_token, query


def enrol(client, password: str = PASSWORD) -> tuple[str, list[str]]:
    """Enrol an app from "Mon compte": the password again, then the app's first code."""
    page = client.get("/account/totp").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    done = client.post(
        "/account/totp",
        data={
            "csrf_token": csrf_token(page),
            "password": password,
            "code": pyotp.TOTP(secret).now(),
        },
    )
    assert done.status_code == 200, done.get_data(as_text=True)[-500:]
    codes = re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", done.get_data(as_text=True))
    return secret, codes


def next_code(secret: str) -> str:
    """A code of the next 30-second step (accepted as drift), never used yet."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
def enrolled(app, client, make, rp):
    user = make.user("tess")
    rp.sign_in("tess")
    secret, codes = enrol(client)
    return user, secret, codes


def fresh_browser(app, rp) -> RelyingParty:
    return RelyingParty(app.test_client(), rp.info)


def post_app_code(other: RelyingParty, location: str, code: str):
    page = other.client.get(location)
    return other.client.post(
        location, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "otp": code}
    )


def test_enrolment_gives_ten_recovery_codes_and_is_audited(enrolled):
    user, secret, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.query(TotpCredential).filter_by(user_id=user.id).one()
    assert secret.encode() not in stored.secret_encrypted
    assert db.session.query(AuditEvent).filter_by(action="user.totp_enrolled").count() == 1


def test_wrong_first_code_does_not_enrol(client, make, rp):
    user = make.user("ugo")
    rp.sign_in("ugo")
    page = client.get("/account/totp").get_data(as_text=True)
    refused = client.post("/account/totp", data={"csrf_token": csrf_token(page), "code": "000000"})
    assert refused.status_code == 400
    assert db.session.query(TotpCredential).filter_by(user_id=user.id).count() == 0


def test_login_asks_the_app_code_not_an_email(app, rp, enrolled, outbox):
    user, secret, _ = enrolled
    other = fresh_browser(app, rp)
    sent = len(outbox.messages(user.email))
    auth, response = other.password_step("tess")
    assert "/login/app" in response.location
    other.follow(auth, post_app_code(other, response.location, next_code(secret)))
    tokens = other.exchange(auth).get_json()
    from tests.functional.test_code_flow import verify

    claims = verify(other.client, tokens["id_token"]).claims
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == "urn:viatrajectoire:acr:totp"
    assert len(outbox.messages(user.email)) == sent


def test_replayed_app_code_is_refused(app, rp, enrolled):
    _, secret, _ = enrolled
    code = next_code(secret)
    first = fresh_browser(app, rp)
    auth, response = first.password_step("tess")
    first.follow(auth, post_app_code(first, response.location, code))
    assert "code" in auth.result
    second = fresh_browser(app, rp)
    _, response = second.password_step("tess")
    replay = post_app_code(second, response.location, code)
    assert replay.status_code == 400 and "Code incorrect" in replay.get_data(as_text=True)


def test_recovery_code_works_once(app, rp, enrolled):
    _, _, codes = enrolled
    first = fresh_browser(app, rp)
    auth, response = first.password_step("tess")
    first.follow(auth, post_app_code(first, response.location, codes[0].lower()))
    assert "code" in auth.result
    second = fresh_browser(app, rp)
    _, response = second.password_step("tess")
    assert post_app_code(second, response.location, codes[0]).status_code == 400


def test_five_wrong_app_codes_void_the_attempt(app, rp, enrolled):
    other = fresh_browser(app, rp)
    _, response = other.password_step("tess")
    for _ in range(4):
        assert post_app_code(other, response.location, "123456").status_code == 400
    page = other.client.get(response.location)
    voided = other.client.post(
        response.location,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "otp": "123456"},
    )
    assert voided.status_code == 302 and "expired=1" in voided.location


def test_rp_asking_app_level_from_account_without_app_gets_an_error(rp, make):
    make.user("vera")
    auth = rp.authorize("vera", acr_values="urn:viatrajectoire:acr:totp")
    assert auth.result["error"] == "unmet_authentication_requirements"


def test_app_level_request_is_met_by_enrolled_account(app, rp, enrolled):
    _, secret, _ = enrolled
    other = fresh_browser(app, rp)
    auth = other.request(acr_values="urn:viatrajectoire:acr:totp")
    response = other.start(auth)
    page = other.client.get(response.location)
    response = other.client.post(
        response.location,
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": "tess",
            "password": "correct horse battery staple",
        },
    )
    other.follow(auth, post_app_code(other, response.location, next_code(secret)))
    assert "code" in auth.result and query(auth.response.location)["iss"]


def test_reset_link_also_needs_the_app_code_when_enrolled(app, client, rp, enrolled, outbox):
    from tests.functional.test_passwords import NEW_PASSWORD, ask_reset, reset_link

    user, secret, _ = enrolled
    stranger = app.test_client()
    ask_reset(app, stranger, "tess")
    link = reset_link(outbox, user.email)
    page = stranger.get(link).get_data(as_text=True)
    assert 'name="app_code"' in page
    data = {"csrf_token": csrf_token(page), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    refused = stranger.post(link, data={**data, "app_code": "000000"})
    assert refused.status_code == 400 and "incorrect" in refused.get_data(as_text=True)
    done = stranger.post(link, data={**data, "app_code": next_code(secret)})
    assert done.status_code == 200 and "a été changé" in done.get_data(as_text=True)
