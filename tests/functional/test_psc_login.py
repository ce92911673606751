"""Signing in with the CPS card or e-CPS through the Pro Santé Connect stand-in (real HTTP)."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt

from idp.authn.context import ACR_PSC
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent, User
from tests.psc import PscWalk
from tests.rp import csrf_token, query

SSO = "idp_sso"


@pytest.fixture
def settings_overrides(stand_in) -> dict:
    return stand_in.settings()


@pytest.fixture
def walk(client, stand_in) -> PscWalk:
    return PscWalk(client, stand_in)


def sso_cookie(client):
    return client.get_cookie(SSO)


def session_of(app, client):
    cookie = sso_cookie(client)
    return services_of(app).sessions.get(cookie.value if cookie else None)


# --- the buttons and the request sent to PSC ----------------------------------------------
def test_login_page_shows_both_buttons(client):
    html = client.get("/login").get_data(as_text=True)
    assert "S'IDENTIFIER PAR CARTE CPS" in html and "S'IDENTIFIER PAR E-CPS" in html


def test_request_to_psc_carries_pkce_nonce_state_and_eidas1(walk, stand_in):
    url = walk.start()
    assert url.startswith(stand_in.base_url + "/wallet/auth?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert params["scope"] == "openid scope_all" and params["acr_values"] == "eidas1"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 40 and len(params["nonce"]) >= 40
    assert params["redirect_uri"] == "http://127.0.0.1:5000/psc/callback"
    assert params["client_id"] == "viatrajectoire-idp"


# --- card and app logins -----------------------------------------------------------------
def test_card_login_opens_a_strong_session(app, client, make, walk):
    make.user("dr-durand", national_id="810000000025")
    response = walk.login("cps")
    assert response.status_code == 302 and response.location == "/"
    sso = session_of(app, client)
    assert sso.acr == ACR_PSC and sso.amr == ["hwk", "pin", "mfa"]
    assert sso.psc["acr"] == "eidas3" and sso.psc["auth_mode"] == "card"


def test_app_login_counts_as_software_key_and_mfa(app, client, make, walk):
    make.user("ide-martin", national_id="810000000017")
    walk.login("ecps")
    sso = session_of(app, client)
    assert sso.amr == ["swk", "mfa"] and sso.psc["acr"] == "eidas1"


def test_card_mode_chosen_on_the_wallet_wins(app, client, make, walk):
    make.user("ide-martin", national_id="810000000017")
    walk.login("ecps", mode="CARD", acr="eidas2")
    assert session_of(app, client).amr == ["hwk", "pin", "mfa"]


@pytest.mark.parametrize(
    ("identity", "national_id", "professions"),
    [
        ("ecps", "810000000017", ["60"]),
        ("cps", "810000000025", ["10"]),
        ("adeli", "0691234567", ["93"]),
        ("multi", "810000000033", ["10", "21"]),
        ("ans", "ANS20231122132732", ["60"]),
        ("sparse", "810000000041", ["40"]),
        ("staff", "3750821092/067L-06067983", []),
    ],
)
def test_every_test_identity_signs_in_and_its_profile_is_kept(
    client, make, walk, identity, national_id, professions
):
    user = make.user(national_id=national_id)
    response = walk.login(identity)
    assert response.status_code == 302 and sso_cookie(client) is not None
    db.session.expire_all()
    profile = db.session.get(User, user.id).psc_profile
    assert profile["national_id"] == national_id and profile["professions"] == professions


def test_userinfo_as_signed_jwt_is_accepted(client, make, walk):
    make.user(national_id="810000000025")
    assert walk.login("cps", userinfo_jwt=1).location == "/"


def test_unknown_auth_mode_is_handled(app, client, make, walk):
    make.user(national_id="810000000025")
    walk.login("cps", mode="IDP_DELEGUE")
    assert session_of(app, client).amr == ["mfa"]


def test_missing_iss_in_callback_is_tolerated(client, make, walk):
    make.user(national_id="810000000025")
    assert walk.login("cps", omit_iss=1).location == "/"


def test_small_clock_skew_within_leeway_is_accepted(client, make, walk):
    make.user(national_id="810000000025")
    assert walk.login("cps", skew=30).location == "/"


def test_rotated_psc_key_is_fetched_once_unknown(client, make, walk, stand_in):
    make.user(national_id="810000000025")
    assert walk.login("cps").location == "/"
    stand_in.rotate()
    assert walk.login("cps").location == "/"


# --- relying parties ---------------------------------------------------------------------
def test_rp_receives_psc_acr_amr_and_psc_claims(client, make, walk, rp):
    rp.info = make.client(scope="openid profile psc", first_party=True)
    make.user("dr-petit", national_id="810000000033")
    auth = rp.request(scope="openid psc")
    start = rp.start(auth)
    assert start.status_code == 302 and "/login" in start.location
    login_page = client.get(start.location).get_data(as_text=True)
    psc_path = login_page.split('href="/psc/start', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    response = walk.back(walk.choose(walk.start("/psc/start" + psc_path), "multi"))
    rp.follow(auth, response)
    tokens = rp.exchange(auth).get_json()
    claims = jwt.decode(
        tokens["id_token"], services_of(client.application).keyring.public_keyset()
    ).claims
    assert claims["acr"] == ACR_PSC and claims["amr"] == ["hwk", "pin", "mfa"]
    info = rp.userinfo(tokens["access_token"]).get_json()
    assert info["psc"]["national_id"] == "810000000033"
    assert info["psc"]["psc_acr"] == "eidas3" and len(info["psc"]["exercices"]) == 2


def test_rp_asking_the_psc_level_is_sent_through_psc(client, make, walk, rp, stand_in):
    make.user(national_id="810000000025")
    auth = rp.request(acr_values=ACR_PSC)
    start = rp.start(auth)
    assert start.location.startswith("/psc/start?request=")
    response = walk.back(walk.choose(walk.start(start.location)))
    rp.follow(auth, response)
    assert "code" in auth.result


def test_password_session_is_stepped_up_through_psc(client, make, walk, rp):
    make.user("dr-durand", national_id="810000000025")
    rp.authorize("dr-durand")  # password + emailed code
    auth = rp.request(acr_values=ACR_PSC)
    assert rp.start(auth).location.startswith("/psc/start")


def test_psc_scope_without_a_psc_login_has_no_psc_claim(rp, make):
    rp.info = make.client(scope="openid psc", first_party=True)
    make.user("plain")
    tokens = rp.sign_in("plain", scope="openid psc")
    assert "psc" not in rp.userinfo(tokens["access_token"]).get_json()


def test_charter_still_asked_after_a_psc_login(client, make, walk, rp):
    make.user(national_id="810000000025", charter_version=None)
    auth = rp.request(acr_values=ACR_PSC)
    response = walk.back(walk.choose(walk.start(rp.start(auth).location)))
    page = client.get(response.location)
    assert "charte" in page.get_data(as_text=True).lower() and page.status_code == 200


# --- the account's state rules ------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"is_active": False}, "account_deactivated"),
        ({"blocked_until": "future"}, "account_blocked"),
        ({"habilitation_ended": True}, "no_habilitation"),
    ],
)
def test_account_state_still_rules(client, make, walk, fields, code):
    from datetime import UTC, datetime, timedelta

    if fields.get("blocked_until") == "future":
        fields = {"blocked_until": datetime.now(UTC) + timedelta(minutes=10)}
    ended = fields.pop("habilitation_ended", False)
    user = make.user(national_id="810000000025", **fields)
    if ended:
        make.habilitation(user, make.profile(), make.establishment(), days_left=-2)
    response = walk.login("cps")
    assert response.status_code == 403 and code in response.get_data(as_text=True)
    assert sso_cookie(client) is None


def test_a_lockout_after_wrong_passwords_does_not_refuse_the_card(client, make, walk):
    """Review 3, N3: strangers' wrong passwords lock out password attempts only."""
    from datetime import UTC, datetime, timedelta

    make.user(national_id="810000000025", locked_out_until=datetime.now(UTC) + timedelta(hours=1))
    response = walk.login("cps")
    assert response.status_code == 302 and sso_cookie(client) is not None


# --- linking ------------------------------------------------------------------------------
def link_page(walk, identity="cps"):
    response = walk.login(identity)
    assert response.status_code == 302 and response.location.startswith("/psc/link")
    return walk.client.get(response.location)


def post_link(client, page, username, password="correct horse battery staple 42", **extra):
    html = page.get_data(as_text=True)
    action = re.search(r'action="(/login[^"]*)"', html).group(1).replace("&amp;", "&")
    data = {"csrf_token": csrf_token(html), "username": username, "password": password}
    data.update({"psc_link": "1", **extra})
    return client.post(action, data=data)


def test_identity_without_account_gets_the_linking_page(walk, make):
    page = link_page(walk)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "810000000025" in html
    assert "référents ViaTrajectoire de votre établissement" in html
    assert "support.VT.pro@sesan.fr" in html


def test_first_login_links_after_password_and_code(app, client, make, walk, rp):
    from tests.factories import PASSWORD

    user = make.user("dr-durand")
    page = link_page(walk)
    response = post_link(client, page, "dr-durand", PASSWORD)
    assert "/login/code" in response.location  # the policy asks a code
    response = rp.enter_code(response.location)
    assert response.status_code == 302 and response.location == "/"
    db.session.expire_all()
    assert db.session.get(User, user.id).national_id == "810000000025"
    assert session_of(app, client).acr == ACR_PSC
    event = db.session.query(AuditEvent).filter_by(action="user.psc_link").one()
    assert event.actor == "dr-durand"
    client.delete_cookie(SSO)
    assert walk.login("cps").location == "/"  # next time: straight in


def test_link_refused_when_account_holds_another_identifier(client, make, walk, rp):
    from tests.factories import PASSWORD

    user = make.user("dr-other", national_id="810000000099")
    page = link_page(walk)
    response = rp.enter_code(post_link(client, page, "dr-other", PASSWORD).location)
    assert response.status_code == 409
    assert "déjà rattachée" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).national_id == "810000000099"
    assert sso_cookie(client) is None or not client.get_cookie(SSO).value


def test_identifier_bound_meanwhile_is_refused(client, make, walk, rp):
    from tests.factories import PASSWORD

    make.user("first")
    page = link_page(walk)
    make.user("second", national_id="810000000025")
    db.session.commit()
    response = rp.enter_code(post_link(client, page, "first", PASSWORD).location)
    assert response.status_code == 409


def test_wrong_password_on_linking_page_links_nothing(client, make, walk):
    user = make.user("dr-durand")
    page = link_page(walk)
    response = post_link(client, page, "dr-durand", "wrong password")
    assert response.status_code == 401
    db.session.expire_all()
    assert db.session.get(User, user.id).national_id is None


def test_plain_login_after_abandoned_linking_links_nothing(client, make, walk, rp):
    from tests.factories import PASSWORD

    other = make.user("colleague")
    link_page(walk)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": "colleague",
            "password": PASSWORD,
        },
    )
    rp.enter_code(response.location)
    db.session.expire_all()
    assert db.session.get(User, other.id).national_id is None


def test_adeli_account_is_found_and_moved_to_rpps(client, make, walk):
    user = make.user("pharma", national_id="0697654321")
    assert walk.login("multi").location == "/"
    db.session.expire_all()
    assert db.session.get(User, user.id).national_id == "810000000033"


def test_unlink_from_my_account(client, make, walk):
    user = make.user("dr-durand", national_id="810000000025")
    walk.login("cps")
    page = client.get("/account")
    html = page.get_data(as_text=True)
    assert "810000000025" in html
    marker = 'action="/account/psc/unlink"'
    form = html.split(marker, 1)[1]
    response = client.post(
        "/account/psc/unlink", data={"csrf_token": csrf_token(form), "unlink": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    refreshed = db.session.get(User, user.id)
    assert refreshed.national_id is None and refreshed.psc_profile is None
    actions = [e.details.get("description") for e in db.session.query(AuditEvent).all()]
    assert "Détachement Pro Santé Connect" in actions


# --- failures: a clear page, a reason in the log, never a session --------------------------
@pytest.mark.parametrize(
    ("switches", "status", "reason"),
    [
        ({"error": "access_denied"}, 403, "error=access_denied"),
        ({"bad_signature": 1}, 400, "signature"),
        ({"wrong_nonce": 1}, 400, "nonce mismatch"),
        ({"skew": 600}, 400, "clock skew"),
        ({"skew": -900}, 400, "expired"),
        ({"lifetime": -300}, 400, "expired"),
        ({"wrong_iss": 1}, 400, "iss in the callback"),
        ({"acr": "eidas0"}, 400, "acr"),
        ({"userinfo_other_sub": 1}, 400, "sub differs"),
    ],
)
def test_untrustworthy_answers_end_on_a_clear_page(
    client, make, walk, caplog, switches, status, reason
):
    make.user(national_id="810000000025")
    with caplog.at_level(logging.WARNING):
        response = walk.login("cps", **switches)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "La connexion par Pro Santé Connect n'a pas abouti" in html
    assert 'href="/login' in html  # the way back to password login
    assert sso_cookie(client) is None
    assert reason in caplog.text


def test_cancel_on_psc_is_access_denied(client, walk):
    url = walk.start()
    page = walk.wallet.get(url)
    from tests.psc import form_fields

    data = {**form_fields(page.text), "identity": "cps", "decision": "cancel"}
    back = walk.wallet.post(url.split("?")[0], data=data, allow_redirects=False)
    assert query(back.headers["Location"])["error"] == "access_denied"
    assert walk.back(back.headers["Location"]).status_code == 403


def test_replayed_callback_is_refused(client, make, walk, caplog):
    make.user(national_id="810000000025")
    callback = walk.choose(walk.start())
    assert walk.back(callback).status_code == 302
    client.delete_cookie(SSO)
    with caplog.at_level(logging.WARNING):
        replay = walk.back(callback)
    assert replay.status_code == 400 and sso_cookie(client) is None
    assert "state" in caplog.text


def test_callback_without_state_is_refused(client, walk):
    callback = walk.choose(walk.start())
    parts = urlsplit(callback)
    stripped = "&".join(p for p in parts.query.split("&") if not p.startswith("state="))
    assert client.get("/psc/callback?" + stripped).status_code == 400


def test_callback_from_another_browser_is_refused(app, make, walk, stand_in):
    make.user(national_id="810000000025")
    callback = walk.choose(walk.start())
    other = PscWalk(app.test_client(), stand_in)
    assert other.back(callback).status_code == 400


@pytest.mark.parametrize("state", ["é", "１２３", "\u200bx"])
def test_found_non_ascii_state_is_a_400(client, walk, state):
    """hmac.compare_digest raised on non-ASCII text: a 500 before (hosted-form fuzzing)."""
    walk.start()  # this browser now holds a state
    assert (
        client.get("/psc/callback", query_string={"state": state, "code": "x"}).status_code == 400
    )


def test_hostile_callback_input_is_a_400(client):
    for query_string in ("state=" + "x" * 5000, "code=\u0000", "error=" + "<script>" * 50, ""):
        response = client.get("/psc/callback?" + query_string)
        assert response.status_code == 400, query_string


def test_slow_psc_times_out_on_a_clear_page(client, make, walk, stand_in, caplog):
    make.user(national_id="810000000025")
    callback = walk.choose(walk.start())
    stand_in.switch(delay=3)  # psc_timeout is 2 s in tests
    with caplog.at_level(logging.WARNING):
        response = walk.back(callback)
    stand_in.switch(delay=0)
    assert response.status_code == 503 and "ne répond pas" in response.get_data(as_text=True)
    assert "Timeout" in caplog.text


def test_psc_answering_503_is_unavailable(client, walk, stand_in):
    callback = walk.choose(walk.start())
    stand_in.switch(down=True)
    response = walk.back(callback)
    stand_in.switch(down=False)
    assert response.status_code == 503


# --- logout through PSC ---------------------------------------------------------------------
def logout(client):
    page = client.get("/logout")
    html = page.get_data(as_text=True)
    return client.post("/logout", data={"csrf_token": csrf_token(html), "submit": "1"})


def test_logout_goes_through_psc_and_comes_back(client, make, walk, stand_in):
    make.user(national_id="810000000025")
    walk.login("cps")
    response = logout(client)
    assert response.location.startswith(stand_in.issuer + "/protocol/openid-connect/logout?")
    params = query(response.location)
    assert params["post_logout_redirect_uri"] == "http://127.0.0.1:5000/psc/logged-out"
    assert params["id_token_hint"].count(".") == 2 and params["state"]
    back = walk.wallet.get(response.location, allow_redirects=False)
    assert back.headers["Location"].startswith("http://127.0.0.1:5000/psc/logged-out?state=")
    final = walk.back(back.headers["Location"])
    assert final.location == "/logged-out"
    assert stand_in.logouts()[-1]["id_token_hint"] == "yes"


def test_logout_return_without_state_is_tolerated(client, make, walk, stand_in):
    make.user(national_id="810000000025")
    walk.login("cps")
    stand_in.switch(omit_logout_state=True)
    response = logout(client)
    back = walk.wallet.get(response.location, allow_redirects=False)
    assert "state=" not in back.headers["Location"]
    assert walk.back(back.headers["Location"]).location == "/logged-out"


def test_password_session_logout_does_not_visit_psc(client, make, rp):
    make.user("plain")
    rp.authorize("plain")
    assert logout(client).location == "/logged-out"


def test_rp_initiated_logout_passes_through_psc_then_reaches_the_rp(client, make, walk, rp):
    make.user(national_id="810000000025")
    auth = rp.request(acr_values=ACR_PSC)
    rp.follow(auth, walk.back(walk.choose(walk.start(rp.start(auth).location))))
    id_token = rp.exchange(auth).get_json()["id_token"]
    response = client.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "https://rp.example.org/bye",
            "state": "rp-state",
        },
    )
    assert "/protocol/openid-connect/logout?" in response.location
    back = walk.wallet.get(response.location, allow_redirects=False)
    final = walk.back(back.headers["Location"])
    assert final.location == "https://rp.example.org/bye?state=rp-state"
    assert client.get("/account").status_code == 302  # signed out here too


def test_failure_during_an_rp_request_offers_the_password_login_for_that_request(client, walk, rp):
    auth = rp.request()
    login = rp.start(auth).location  # /login?request=…
    pending_id = query(login)["request"]
    response = walk.back(
        walk.choose(walk.start(f"/psc/start?request={pending_id}"), error="access_denied")
    )
    assert f'href="/login?request={pending_id}"' in response.get_data(as_text=True)
