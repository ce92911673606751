"""Security review, second factors: M1 (guesses counted per account, across challenges and
pages) and M5 (the authenticator app changes only with proof, and support can remove it)."""

from __future__ import annotations

import re

import pyotp
import pytest

from idp.accounts import eligibility
from idp.authn.login import authenticate_password
from idp.services import of as services_of
from idp.storage import db, keys
from idp.storage.models import AuditEvent, RememberedDevice, TotpCredential
from tests.factories import PASSWORD
from tests.functional.test_totp import enrol, fresh_browser, next_code, post_app_code
from tests.mailbox import text_of
from tests.rp import csrf_token


def wrong_email_code(rp, location):
    page = rp.client.get(location)
    return rp.client.post(
        location, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "otp": "000000"}
    )


def test_m1_wrong_email_codes_across_challenges_block_the_account(app, rp, make):
    user = make.user("gus", otp_required=True)
    threshold = services_of(app).settings.second_factor_lockout
    wrong = 0
    while wrong < threshold:
        _, step = rp.password_step("gus")
        assert step.status_code == 302 and "/login/code" in step.location, "blocked too early"
        for _ in range(min(3, threshold - wrong)):  # fewer than a challenge's 5 tries
            wrong_email_code(rp, step.location)
            wrong += 1
    db.session.expire_all()
    assert eligibility.is_locked_out(db.session.get(type(user), user.id))
    _, after = rp.password_step("gus")
    assert after.status_code == 401  # locked out answers like a wrong password


def test_m1_a_right_code_starts_the_count_again(app, rp, make):
    make.user("gil", otp_required=True)
    threshold = services_of(app).settings.second_factor_lockout
    for _ in range(3):  # 3 × 4 wrong codes, each run ended by the right one: never blocked
        browser = fresh_browser(app, rp)  # no remembered device
        _, step = browser.password_step("gil")
        assert "/login/code" in step.location
        for _ in range(min(4, threshold - 1)):
            wrong_email_code(browser, step.location)
        assert browser.enter_code(step.location).status_code == 302


@pytest.fixture
def enrolled(app, client, make, rp):
    user = make.user("tia")
    rp.sign_in("tia")
    secret, codes = enrol(client)
    return user, secret, codes


def test_m1_wrong_app_codes_across_challenges_block_the_account(app, rp, enrolled):
    user, _, _ = enrolled
    threshold = services_of(app).settings.second_factor_lockout
    other = fresh_browser(app, rp)
    for attempt in range(threshold):
        if attempt % 3 == 0:
            _, step = other.password_step("tia")
            assert "/login/app" in step.location, "blocked too early"
        post_app_code(other, step.location, "000000")
    db.session.expire_all()
    assert eligibility.is_locked_out(db.session.get(type(user), user.id))


def test_m1_reset_link_is_void_after_five_wrong_app_codes(app, client, rp, enrolled, outbox):
    from tests.functional.test_passwords import NEW_PASSWORD, ask_reset, reset_link

    user, secret, _ = enrolled
    stranger = app.test_client()
    ask_reset(app, stranger, "tia")
    link = reset_link(outbox, user.email)
    page = stranger.get(link).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(4):
        assert stranger.post(link, data={**data, "app_code": "000000"}).status_code == 400
    stranger.post(link, data={**data, "app_code": "000000"})
    late = stranger.post(link, data={**data, "app_code": next_code(secret)})
    assert "plus valable" in late.get_data(as_text=True)
    db.session.expire_all()
    assert authenticate_password(db.session, services_of(app).passwords, "tia", PASSWORD)


def test_m5_replacing_the_app_needs_the_password_and_the_current_code(client, enrolled):
    _, secret, codes = enrolled
    page = client.get("/account/totp").get_data(as_text=True)
    new_secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    new_secret = new_secret.replace(" ", "")
    attempt = {
        "csrf_token": csrf_token(page),
        "password": PASSWORD,
        "code": pyotp.TOTP(new_secret).now(),
    }
    refused = client.post("/account/totp", data=attempt)  # the session alone is not enough
    assert refused.status_code == 400
    refused = client.post(
        "/account/totp", data={**attempt, "password": "wrong", "current_code": codes[0]}
    )
    assert refused.status_code == 400
    stored = db.session.query(TotpCredential).one()
    done = client.post("/account/totp", data={**attempt, "current_code": next_code(secret)})
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.query(TotpCredential).one().secret_encrypted != stored.secret_encrypted


def test_m5_enrolment_forgets_remembered_browsers_and_tells_the_owner(client, rp, make, outbox):
    user = make.user("ted", otp_required=True)
    rp.sign_in("ted")  # an emailed code: this browser is remembered at that level
    assert db.session.query(RememberedDevice).filter_by(user_id=user.id, revoked_at=None).count()
    enrol(client)
    assert (
        not db.session.query(RememberedDevice).filter_by(user_id=user.id, revoked_at=None).count()
    )
    assert "application d'authentification" in text_of(outbox.latest(user.email))


def test_m5_a_browser_remembered_after_an_email_code_does_not_skip_the_app(app, rp, make):
    user = make.user("tom", otp_required=True)
    rp.sign_in("tom")
    from idp.authn.context import ACR_EMAIL_OTP

    # the app was enrolled elsewhere (or before this rule): the old device must not count
    services_of(app).apps.totp.begin(user)
    secret = services_of(app).store.get(keys.totp_enrolment(user.id))["secret"]
    services_of(app).apps.totp.confirm(user, pyotp.TOTP(secret).now())
    device = db.session.query(RememberedDevice).filter_by(user_id=user.id).one()
    assert device.acr == ACR_EMAIL_OTP and device.revoked_at is None
    rp.client.delete_cookie("idp_sso")  # signed out, the device cookie kept
    _, step = rp.password_step("tom")
    assert step.status_code == 302 and "/login/app" in step.location


def test_m5_support_removes_a_lost_app_from_the_page(app, rp, enrolled, make, outbox):
    user, _, _ = enrolled
    make.user("helpdesk", is_support=True)
    browser = fresh_browser(app, rp)
    browser.sign_in("helpdesk")
    browser = browser.client
    page = browser.get(f"/admin/accounts/{user.id}").get_data(as_text=True)
    assert "Retirer l'application" in page
    done = browser.post(
        f"/admin/accounts/{user.id}/second-factor/reset", data={"csrf_token": csrf_token(page)}
    )
    assert done.status_code == 302
    assert db.session.query(TotpCredential).filter_by(user_id=user.id).count() == 0
    removal = db.session.query(AuditEvent).filter_by(action="user.totp_removed").one()
    assert "helpdesk" in removal.actor
    assert "retiré" in text_of(outbox.latest(user.email))
