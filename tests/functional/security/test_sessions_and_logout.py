"""Security review, sessions and logout: M2 (logout ends tokens, families end), M4 (every
session ends, blocked accounts refused), L1 (only ID tokens as hints), L8 (session renewal,
cookie prefixes, CSP)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from idp.authn.context import ACR_PASSWORD, AMR_PASSWORD
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import RefreshToken
from tests.rp import csrf_token, query

BYE = "https://rp.example.org/bye"


def assert_dead(rp, tokens):
    """Neither the refresh token nor the access token of ``tokens`` works any more."""
    assert rp.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert rp.introspect(tokens["access_token"])["active"] is False
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_m2_rp_initiated_logout_ends_the_sessions_tokens(client, rp, make):
    make.user("mona")
    tokens = rp.sign_in("mona")
    response = client.get(
        "/logout",
        query_string={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": BYE},
    )
    assert response.status_code == 302
    assert_dead(rp, tokens)


def test_m2_sign_out_button_ends_the_sessions_tokens(client, rp, make):
    make.user("mina")
    tokens = rp.sign_in("mina")
    page = client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert_dead(rp, tokens)


def test_m2_logout_leaves_other_sessions_tokens_alone(client, app, rp, make):
    make.user("moe")
    first = rp.sign_in("moe")
    other_browser = app.test_client()
    from tests.rp import RelyingParty

    second = RelyingParty(other_browser, rp.info).sign_in("moe")
    client.get(
        "/logout",
        query_string={"id_token_hint": first["id_token"], "post_logout_redirect_uri": BYE},
    )
    assert rp.refresh(second["refresh_token"]).status_code == 200


def test_m2_refresh_family_has_an_absolute_end(app, rp, make):
    make.user("mae")
    lifetime = services_of(app).settings.family_max_age()
    tokens = rp.sign_in("mae")
    # the login was almost a whole session ago: one more rotation, capped at the family's end
    login = int(time.time()) - lifetime + 120
    db.session.query(RefreshToken).update({"auth_time": login})
    db.session.commit()
    renewed = rp.refresh(tokens["refresh_token"]).get_json()
    newest = db.session.query(RefreshToken).filter_by(used_at=None).one()
    assert newest.expires_at <= datetime.fromtimestamp(login + lifetime, UTC)
    # and once the end has passed, no rotation brings the family back
    db.session.query(RefreshToken).update({"auth_time": int(time.time()) - lifetime - 1})
    db.session.commit()
    assert rp.refresh(renewed["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_m4_sign_out_everywhere_ends_sessions_beyond_the_fiftieth(app, make):
    user = make.user("max")
    sessions = services_of(app).sessions
    opened = [sessions.start(user.id, [AMR_PASSWORD], ACR_PASSWORD) for _ in range(60)]
    sessions.end_all(user.id)
    assert [s.sid for s in opened if sessions.get(s.sid) is not None] == []


def test_m4_a_session_started_after_the_cutoff_lives(app, make):
    user = make.user("mick")
    sessions = services_of(app).sessions
    sessions.end_all(user.id)
    later = sessions.start(user.id, [AMR_PASSWORD], ACR_PASSWORD)
    assert sessions.get(later.sid) is not None


def test_m4_a_blocked_account_is_not_signed_in_by_its_session(client, rp, make):
    user = make.user("mia")
    rp.sign_in("mia")
    user.blocked_until = datetime(9999, 12, 31, tzinfo=UTC)
    db.session.commit()
    silent = rp.start(rp.request(prompt="none"))
    assert query(silent.location)["error"] == "login_required"
    assert client.get("/account").status_code == 302  # back to the login page


def test_l1_an_access_token_is_not_an_id_token_hint(client, rp, make):
    make.user("lea")
    tokens = rp.sign_in("lea")
    response = client.get("/logout", query_string={"id_token_hint": tokens["access_token"]})
    assert response.status_code == 400
    assert query(rp.start(rp.request(prompt="none")).location).get("code")  # still signed in


def test_l1_an_id_token_for_an_unknown_client_is_refused(client, app, rp, make):
    make.user("lou")
    tokens = rp.sign_in("lou")
    from idp.oidc.clients import delete_client

    delete_client(db.session, rp.info.client_id)
    db.session.commit()
    services_of(app).clients.changed()
    response = client.get("/logout", query_string={"id_token_hint": tokens["id_token"]})
    assert response.status_code == 400


def test_l8_login_renews_the_browser_session(client, rp, make):
    make.user("liv")
    auth = rp.request()
    rp.start(auth)
    client.get(auth.response.location)
    with client.session_transaction() as before:
        token_before = before.get("csrf_token")
        before["left_over"] = "from before the login"
    assert token_before
    rp.login(auth, "liv")
    with client.session_transaction() as after:
        assert after.get("csrf_token") != token_before
        assert "left_over" not in after
        assert after.get("pending")  # the request being answered stays bound


def test_l8_forms_post_only_to_this_site(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self'" in policy


def test_l8_cookies_are_host_prefixed_under_https(migrated, make):
    from idp import create_app
    from tests.conftest import make_settings

    secure = create_app(make_settings(migrated, issuer="https://idp.example.org"))
    browser = secure.test_client()
    page = browser.get("/login", base_url="https://idp.example.org")
    cookies = page.headers.getlist("Set-Cookie")
    assert cookies and all(c.startswith("__Host-") for c in cookies), cookies
    assert all("Secure" in c and "Path=/" in c and "Domain" not in c for c in cookies)
    language = browser.get("/lang/en?next=/login", base_url="https://idp.example.org")
    assert language.headers["Set-Cookie"].startswith("__Host-idp_lang=")


def test_l8_a_page_leading_to_a_relying_party_names_its_origin_once(client, rp, make):
    make.user("lex")
    auth = rp.request()
    rp.start(auth)
    policies = client.get(auth.response.location).headers.getlist("Content-Security-Policy")
    assert len(policies) == 1  # two policies would both apply, the stricter blocking the RP
    assert policies[0].endswith("form-action 'self' https://rp.example.org")


def test_n4_someone_elses_id_token_as_hint_asks_before_ending_this_browsers_session(
    client, app, rp, make
):
    """Review 3, N4: a link with the sender's own ID token must not sign the reader out."""
    from tests.rp import RelyingParty

    make.user("nora")
    make.user("sender")
    mine = rp.sign_in("nora")
    theirs = RelyingParty(app.test_client(), rp.info).sign_in("sender")
    answer = client.get(
        "/logout",
        query_string={"id_token_hint": theirs["id_token"], "post_logout_redirect_uri": BYE},
    )
    assert answer.status_code == 200 and "logout" in answer.get_data(as_text=True)
    assert rp.refresh(mine["refresh_token"]).status_code == 200  # nothing of mine ended
    assert client.get("/account").status_code == 200


def test_n4_this_browsers_own_id_token_signs_out_at_once(client, rp, make):
    make.user("nils")
    tokens = rp.sign_in("nils")
    answer = client.get(
        "/logout",
        query_string={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": BYE},
    )
    assert answer.status_code == 302 and answer.location.startswith(BYE)
