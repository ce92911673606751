"""RP-initiated logout (OIDC RP-Initiated Logout 1.0) and consent for third-party clients."""

from __future__ import annotations

from tests.rp import RelyingParty, csrf_token, query


def test_logout_with_id_token_hint_redirects_and_ends_session(client, rp, make):
    make.user("gil")
    tokens = rp.sign_in("gil")
    response = client.get(
        "/logout",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://rp.example.org/bye",
            "state": "s1",
        },
    )
    assert response.status_code == 302
    assert response.location == "https://rp.example.org/bye?state=s1"
    after = rp.start(rp.request(prompt="none"))
    assert query(after.location)["error"] == "login_required"


def test_logout_to_unregistered_uri_does_not_redirect(client, rp, make):
    make.user("hel")
    tokens = rp.sign_in("hel")
    response = client.get(
        "/logout",
        query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example.org/",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/logged-out")


def test_logout_without_hint_asks_confirmation(client, rp, make):
    make.user("ian")
    rp.sign_in("ian")
    page = client.get("/logout")
    assert page.status_code == 200 and "Voulez-vous vous déconnecter" in page.get_data(as_text=True)
    assert query(rp.start(rp.request(prompt="none")).location).get("code")
    confirmed = client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert confirmed.status_code == 302
    assert query(rp.start(rp.request(prompt="none")).location)["error"] == "login_required"


def test_logout_with_forged_hint_is_refused(client):
    response = client.get("/logout", query_string={"id_token_hint": "a.b.c"})
    assert response.status_code == 400


def test_third_party_client_asks_consent_once(client, make):
    make.user("joy")
    third = RelyingParty(client, make.client(client_id="partner", first_party=False))
    auth = third.request()
    third.start(auth)
    page = third.login(auth, "joy")
    assert page.status_code == 200 and "Autoriser" in page.get_data(as_text=True)
    third.consent(auth, allow=True)
    assert "code" in auth.result
    again = third.start(third.request())
    assert "code" in query(again.location)


def test_consent_refused_gives_access_denied(client, make):
    make.user("ken")
    third = RelyingParty(client, make.client(client_id="partner2", first_party=False))
    auth = third.request()
    third.start(auth)
    third.login(auth, "ken")
    third.consent(auth, allow=False)
    assert auth.result["error"] == "access_denied"
    assert auth.result["iss"] == "http://127.0.0.1:5000"


def test_prompt_none_needing_consent_gives_consent_required(client, rp, make):
    make.user("lou")
    rp.sign_in("lou")
    third = RelyingParty(client, make.client(client_id="partner3", first_party=False))
    response = third.start(third.request(prompt="none"))
    assert query(response.location)["error"] == "consent_required"


def test_first_party_client_never_asks_consent(rp, make):
    make.user("meg")
    assert "code" in rp.authorize("meg").result
