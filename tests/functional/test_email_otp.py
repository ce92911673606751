"""Email OTP after the password: the code by mail, its refusals, resend, a mail server down."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from idp.services import of as services_of
from idp.storage import keys
from tests.mailbox import code_in, text_of
from tests.rp import csrf_token, query
from tests.smtp import SmtpServer, free_port


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def post_code(rp, location, code):
    page = rp.client.get(location)
    return rp.client.post(
        location, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "otp": code}
    )


class TestWithSmtpServer:
    @pytest.fixture
    def settings_overrides(self, smtp):
        return {"smtp_url": smtp.url}

    def test_code_arrives_by_smtp_on_its_own_line_and_signs_in(self, rp, make, smtp):
        make.user("ana", email="ana.martin@ch-exemple.fr")
        auth, response = rp.password_step("ana")
        assert "/login/code" in response.location
        page = rp.client.get(response.location).get_data(as_text=True)
        assert "ana…@ch….fr" in page
        mail = smtp.latest()
        assert mail["To"] == "ana.martin@ch-exemple.fr"
        assert mail["Subject"] == "ViaTrajectoire : votre code de connexion"
        assert mail.get_body(preferencelist=("html",)) is not None
        code = code_in(mail)
        rp.follow(auth, post_code(rp, response.location, code))
        assert "code" in auth.result


def test_wrong_code_counts_down_then_sixth_try_voids(rp, make, outbox):
    make.user("bea")
    _, response = rp.password_step("bea")
    location = response.location
    good = outbox.latest_code()
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    for remaining in (4, 3, 2, 1):
        page = post_code(rp, location, wrong)
        assert page.status_code == 400
        assert f"Il vous reste {remaining} essai(s)" in page.get_data(as_text=True)
    voided = post_code(rp, location, wrong)
    assert voided.status_code == 302 and "expired=1" in voided.location
    # the challenge is gone: even the right code has nowhere to go
    token = csrf_token(rp.client.get("/login").get_data(as_text=True))
    after = rp.client.post(location, data={"otp": good, "csrf_token": token})
    assert after.status_code == 302 and "expired=1" in after.location


def test_code_is_single_use(rp, make, outbox, app):
    make.user("cid")
    auth, response = rp.password_step("cid")
    code = outbox.latest_code()
    rp.follow(auth, post_code(rp, response.location, code))
    assert "code" in auth.result
    # replaying the same challenge and code from another browser finds nothing
    stranger = app.test_client()
    with stranger.session_transaction() as s:
        s["otp_challenge"] = "whatever"
    page = stranger.get("/login/code")
    assert page.status_code == 302 and "expired=1" in page.location


def test_expired_code_is_refused(rp, make, outbox, app):
    make.user("dom")
    _, response = rp.password_step("dom")
    code = outbox.latest_code()
    store = services_of(app).store
    with rp.client.session_transaction() as s:
        challenge_id = s["otp_challenge"]
    store.delete(keys.email_code(challenge_id))  # what the 10-minute TTL does
    token = csrf_token(rp.client.get("/login").get_data(as_text=True))
    refused = rp.client.post(response.location, data={"otp": code, "csrf_token": token})
    assert refused.status_code == 302 and "expired=1" in refused.location


def test_code_is_stored_only_as_a_keyed_hash(rp, make, outbox, app):
    make.user("eva")
    rp.password_step("eva")
    code = outbox.latest_code()
    with rp.client.session_transaction() as s:
        challenge_id = s["otp_challenge"]
    stored = services_of(app).store.get(keys.email_code(challenge_id))
    assert code not in str(stored) and len(stored["code_mac"]) == 64


def test_resend_within_cooldown_is_refused(rp, make, outbox):
    user = make.user("fil")
    _, response = rp.password_step("fil")
    page = rp.client.get(response.location).get_data(as_text=True)
    too_soon = rp.client.post("/login/code/resend", data={"csrf_token": csrf_token(page)})
    assert "Patientez" in too_soon.get_data(as_text=True)
    assert len(outbox.messages(user.email)) == 1


class TestResendWithoutCooldown:
    @pytest.fixture
    def settings_overrides(self):
        return {"otp_resend_cooldown": 0, "otp_max_sends": 2}

    def test_resend_replaces_the_code_and_is_capped(self, rp, make, outbox):
        make.user("gus")
        auth, response = rp.password_step("gus")
        first = outbox.latest_code()
        page = rp.client.get(response.location).get_data(as_text=True)
        again = rp.client.post("/login/code/resend", data={"csrf_token": csrf_token(page)})
        assert "Un nouveau code a été envoyé" in again.get_data(as_text=True)
        second = outbox.latest_code()
        capped = rp.client.post("/login/code/resend", data={"csrf_token": csrf_token(page)})
        assert "Trop de codes" in capped.get_data(as_text=True)
        if first != second:
            assert post_code(rp, response.location, first).status_code == 400
        rp.follow(auth, post_code(rp, response.location, second))
        assert "code" in auth.result


class TestMailServerDown:
    @pytest.fixture
    def settings_overrides(self):
        return {"smtp_url": f"smtp://127.0.0.1:{free_port()}", "otp_resend_cooldown": 0}

    def test_user_gets_clear_message_and_retry_and_challenge_survives(self, rp, make, app):
        make.user("hal")
        _, response = rp.password_step("hal")
        assert "/login/code" in response.location
        page = rp.client.get(response.location)
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and "pas pu être envoyé" in body
        server = SmtpServer()
        services_of(app).otp._mailer.port = server.port  # the server comes back
        server.start()
        try:
            retry = rp.client.post("/login/code/resend", data={"csrf_token": csrf_token(body)})
            assert "Un nouveau code a été envoyé" in retry.get_data(as_text=True)
            assert re.search(r"^\d{6}\r?$", text_of(server.latest()), re.MULTILINE)
        finally:
            server.stop()


def test_account_without_validated_email_cannot_finish_password_login(rp, make):
    make.user("ida", email_verified=False)
    _, response = rp.password_step("ida")
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "référent" in body


class TestBeforeMandatoryDate:
    @pytest.fixture
    def settings_overrides(self):
        return {"otp_mandatory_from": (date.today() + timedelta(days=30)).isoformat()}

    def test_only_flagged_accounts_get_a_code(self, rp, make, client):
        from tests.functional.test_code_flow import verify

        make.user("jo")
        make.user("kai", otp_required=True)
        plain = verify(client, rp.sign_in("jo")["id_token"]).claims
        assert plain["amr"] == ["pwd"] and plain["acr"] == "urn:viatrajectoire:acr:password"
        client.delete_cookie("idp_sso")
        _, response = rp.password_step("kai")
        assert "/login/code" in response.location

    def test_rp_asking_otp_acr_gets_a_code(self, rp, make, client):
        from tests.functional.test_code_flow import verify

        make.user("lia")
        tokens = rp.sign_in("lia", acr_values="urn:viatrajectoire:acr:otp-email")
        claims = verify(client, tokens["id_token"]).claims
        assert claims["acr"] == "urn:viatrajectoire:acr:otp-email"
        assert claims["amr"] == ["pwd", "otp"]


def test_otp_page_without_challenge_goes_back_to_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and "/login" in response.location
    assert query(response.location).get("expired") == "1"
