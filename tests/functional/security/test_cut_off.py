"""Review 3, N2: what a login gave ends with it, durably. A code minted before a logout or a
password change is refused after it; the account's cut-off (``users.signed_out_at``) refuses
codes, families, access tokens and sessions from before it once the store's markers are gone;
each security question has one answer wherever it is asked (docs/design.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from idp.accounts import users
from idp.authn.context import ACR_PASSWORD, AMR_PASSWORD
from idp.services import of as services_of
from idp.storage import db
from tests.functional.test_passwords import NEW_PASSWORD, ask_reset, reset_link
from tests.rp import csrf_token

#: the store's revocation markers live access_token_ttl + clock_skew seconds
MARKERS_LIFETIME = 3


@pytest.fixture
def settings_overrides():
    return {"access_token_ttl": 2, "clock_skew": 1}


def next_second() -> None:
    """Instants in whole seconds count as before a cut-off within their second."""
    time.sleep(1.02 - time.time() % 1)


def refused(answer) -> bool:
    return answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"


def test_n2_a_code_a_stolen_session_minted_is_refused_after_the_password_change(app, rp, make):
    user = make.user("nadia")
    rp.sign_in("nadia")  # the session a thief holds a copy of
    code = rp.authorize("nadia")  # ... and keeps minting codes with
    services_of(app).password_changes.set_password(user, NEW_PASSWORD, actor="nadia")
    time.sleep(MARKERS_LIFETIME + 0.5)  # every marker of the change is gone
    assert refused(rp.exchange(code))


def test_n2_the_cut_off_alone_refuses_what_began_before_it(app, rp, make):
    """No marker in the store and no refresh token revoked in SQL: a family stored by a code
    exchange racing the change, and every marker evicted or expired."""
    user = make.user("omar")
    tokens = rp.sign_in("omar")
    code = rp.authorize("omar")
    next_second()
    users.end_sign_ins(db.session, user)
    db.session.commit()
    assert refused(rp.exchange(code))
    assert refused(rp.refresh(tokens["refresh_token"]))
    assert rp.introspect(tokens["refresh_token"])["active"] is False
    assert rp.introspect(tokens["access_token"])["active"] is False
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    # the session began before the cut-off too: the browser signs in again, and that works
    assert services_of(app).security.signed_in_user(rp.client.get_cookie("idp_sso").value) is None
    next_second()
    again = rp.sign_in("omar")
    assert rp.refresh(again["refresh_token"]).status_code == 200
    assert rp.introspect(again["access_token"])["active"] is True


def test_n2_a_code_of_a_session_that_logged_out_is_refused(client, rp, make):
    make.user("paula")
    rp.sign_in("paula")
    code = rp.authorize("paula")
    page = client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert refused(rp.exchange(code))


def test_n2_a_code_of_another_session_of_the_account_survives_a_logout(app, client, rp, make):
    make.user("quentin")
    other = rp.in_new_browser()
    other.sign_in("quentin")
    code = other.authorize("quentin")
    rp.sign_in("quentin")
    page = client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert other.exchange(code).status_code == 200


def test_n2_a_session_from_before_the_cut_off_is_refused_without_the_store_marker(app, make):
    user = make.user("rose")
    services = services_of(app)
    sso = services.sessions.start(user.id, [AMR_PASSWORD], ACR_PASSWORD)
    users.end_sign_ins(db.session, user)  # the column only: no "sessions ended" marker
    db.session.commit()
    assert services.sessions.get(sso.sid) is not None  # still in the store
    assert services.security.signed_in_user(sso.sid) is None
    later = services.sessions.start(user.id, [AMR_PASSWORD], ACR_PASSWORD)
    assert services.security.signed_in_user(later.sid) is not None


# --- one answer to each question ----------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"is_active": False}, "account_deactivated"),
        ({"blocked_until": datetime.now(UTC) + timedelta(days=1)}, "account_blocked"),
    ],
)
def test_n2_a_code_step_asks_the_accounts_state_again(client, rp, make, change, code):
    user = make.user("sami", otp_required=True)
    _, step = rp.password_step("sami")
    assert "/login/code" in step.location
    for name, value in change.items():
        setattr(user, name, value)
    db.session.commit()
    answer = rp.enter_code(step.location)
    assert answer.status_code == 403 and code in answer.get_data(as_text=True)


def test_n2_an_app_code_step_asks_the_accounts_state_again(app, client, rp, make):
    from tests.functional.test_totp import enrol, fresh_browser, next_code, post_app_code

    user = make.user("tania")
    rp.sign_in("tania")
    secret, _ = enrol(client)
    other = fresh_browser(app, rp)
    _, step = other.password_step("tania")
    assert "/login/app" in step.location
    make.habilitation(user, make.profile(), make.establishment(), days_left=-1)
    answer = post_app_code(other, step.location, next_code(secret))
    assert answer.status_code == 403 and "no_habilitation" in answer.get_data(as_text=True)


def test_n2_a_reset_link_asks_the_accounts_state(app, client, make, outbox):
    user = make.user("ugo")
    ask_reset(app, client, "ugo")
    link = reset_link(outbox, user.email)
    user.blocked_until = datetime.now(UTC) + timedelta(days=1)  # blocked by a référent since
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 403 and "account_blocked" in page.get_data(as_text=True)


def test_n2_refresh_and_introspection_agree_on_a_refresh_token(rp, make):
    user = make.user("victor")
    tokens = rp.sign_in("victor")
    user.is_active = False  # deactivated, its grants not yet revoked
    db.session.commit()
    assert rp.introspect(tokens["refresh_token"])["active"] is False
    assert refused(rp.refresh(tokens["refresh_token"]))
