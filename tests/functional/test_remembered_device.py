"""Remembered devices: 8 hours without a code, for this account and this browser only."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from idp.authn.remembered_devices import cookie_name
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import RememberedDevice
from tests.rp import RelyingParty, csrf_token


def logout(client) -> None:
    page = client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def device_cookie(client, username):
    return client.get_cookie(cookie_name(username))


def test_second_login_from_same_browser_asks_no_code_even_after_logout(rp, make):
    make.user("ava")
    rp.sign_in("ava")
    cookie = device_cookie(rp.client, "ava")
    assert cookie.http_only and cookie.same_site == "Lax"
    logout(rp.client)
    auth, response = rp.password_step("ava")
    assert "/login/code" not in response.location
    rp.follow(auth, response)
    tokens = rp.exchange(auth).get_json()
    from tests.functional.test_code_flow import verify

    claims = verify(rp.client, tokens["id_token"]).claims
    # review 3, N13: the level proven on this browser, the methods of this login
    assert claims["acr"] == "urn:viatrajectoire:acr:otp-email"
    assert claims["amr"] == ["pwd", "remembered"]


def test_device_is_stored_hashed_with_a_summary(rp, make):
    make.user("ben")
    rp.sign_in("ben")
    record = db.session.query(RememberedDevice).one()
    assert device_cookie(rp.client, "ben").value not in record.device_hash
    assert len(record.device_hash) == 64


def test_device_does_not_carry_over_to_another_account(rp, make):
    make.user("cleo")
    make.user("dan")
    rp.sign_in("cleo")
    logout(rp.client)
    stolen = device_cookie(rp.client, "cleo").value
    rp.client.set_cookie(cookie_name("dan"), stolen)  # even under the other account's name
    _, response = rp.password_step("dan")
    assert "/login/code" in response.location


def test_device_does_not_carry_over_to_another_browser(app, rp, make, outbox):
    make.user("eli")
    rp.sign_in("eli")
    other = RelyingParty(app.test_client(), rp.info, outbox)
    _, response = other.password_step("eli")
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert "/login/code" in response.location


def test_tampered_cookie_is_ignored(rp, make):
    make.user("fay")
    rp.sign_in("fay")
    logout(rp.client)
    value = device_cookie(rp.client, "fay").value
    rp.client.set_cookie(cookie_name("fay"), value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    _, response = rp.password_step("fay")
    assert "/login/code" in response.location


def test_revoked_device_asks_code_again(rp, make, app):
    user = make.user("gil")
    rp.sign_in("gil")
    logout(rp.client)
    services_of(app).devices.revoke_all(db.session, user)
    db.session.commit()
    _, response = rp.password_step("gil")
    assert "/login/code" in response.location


class TestAfterEightHours:
    @pytest.fixture
    def settings_overrides(self):
        return {"remembered_device_ttl": 1}

    def test_code_asked_again_once_the_device_expired(self, rp, make):
        make.user("hugo")
        rp.sign_in("hugo")
        logout(rp.client)
        time.sleep(1.5)
        _, response = rp.password_step("hugo")
        assert "/login/code" in response.location


class TestStepUp:
    @pytest.fixture
    def settings_overrides(self):
        return {"otp_mandatory_from": (date.today() + timedelta(days=30)).isoformat()}

    def test_otp_acr_asks_the_code_now_even_on_a_remembered_device(self, rp, make, outbox):
        user = make.user("iris", otp_required=True)
        rp.sign_in("iris")  # code, device remembered
        user.otp_required = False
        db.session.commit()
        logout(rp.client)
        rp.sign_in("iris")  # password only: policy no longer asks
        sent = len(outbox.messages(user.email))
        auth = rp.request(acr_values="urn:viatrajectoire:acr:otp-email")
        response = rp.start(auth)
        assert "/login" in response.location
        rp.login(auth, "iris")
        assert len(outbox.messages(user.email)) == sent + 1  # a fresh code was mailed
        assert "code" in auth.result
