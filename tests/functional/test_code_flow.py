"""The authorization code flow end to end through the Flask test client (OIDC Core 3.1)."""

from __future__ import annotations

import time

from joserfc import jwt
from joserfc.jwk import KeySet

from idp.oidc.acr import ACR_EMAIL_OTP
from idp.services import of as services_of
from tests.rp import query


def verify(client, token: str):
    keys = KeySet.import_key_set(client.get("/jwks.json").get_json())
    return jwt.decode(token, keys, algorithms=["RS256", "ES256"])


def test_sign_in_returns_id_token_with_every_required_claim(client, rp, make):
    user = make.user("alice")
    tokens = rp.sign_in("alice")
    id_token = verify(client, tokens["id_token"])
    assert id_token.header["alg"] == "RS256"
    claims = id_token.claims
    auth = tokens["_auth"]
    assert claims["iss"] == "http://127.0.0.1:5000"
    assert claims["sub"] == user.subject
    assert claims["aud"] == [rp.info.client_id]
    assert claims["azp"] == rp.info.client_id
    assert claims["nonce"] == auth.params["nonce"]
    assert claims["acr"] == ACR_EMAIL_OTP
    assert claims["amr"] == ["pwd", "otp"]
    assert abs(claims["auth_time"] - time.time()) < 10
    assert claims["iat"] <= time.time() < claims["exp"]
    assert "at_hash" in claims
    active = services_of(client.application).keyring.signing_key("RS256").kid
    published = [key["kid"] for key in client.get("/jwks.json").get_json()["keys"]]
    assert id_token.header["kid"] == active and active in published
    assert claims["email"] == user.email and claims["preferred_username"] == "alice"


def test_authorization_response_carries_state_and_iss(rp, make):
    make.user("bob")
    auth = rp.authorize("bob")
    assert auth.result["state"] == auth.params["state"]
    assert auth.result["iss"] == "http://127.0.0.1:5000"
    assert len(auth.code) >= 43  # 256 bits, base64url


def test_access_token_is_rfc9068_jwt(client, rp, make):
    user = make.user("carol")
    tokens = rp.sign_in("carol")
    token = verify(client, tokens["access_token"])
    assert token.header["typ"] == "at+jwt"
    assert token.header["alg"] == "ES256"  # the default for access tokens; ID tokens RS256
    assert token.header["kid"]
    for claim in ("iss", "exp", "aud", "sub", "client_id", "iat", "jti"):
        assert claim in token.claims
    assert token.claims["sub"] == user.subject
    assert token.claims["client_id"] == rp.info.client_id


def test_token_response_is_not_cacheable(rp, make):
    make.user("dave")
    auth = rp.authorize("dave")
    response = rp.exchange(auth)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_sub_is_stable_across_logins_when_same_account(client, rp, make):
    make.user("erin")
    first = verify(client, rp.sign_in("erin")["id_token"]).claims["sub"]
    client.get("/logged-out")
    client.delete_cookie("idp_sso")
    second = verify(client, rp.sign_in("erin")["id_token"]).claims["sub"]
    assert first == second


def test_second_rp_signs_in_without_password_when_sso_session(client, rp, make):
    make.user("frank")
    rp.sign_in("frank")
    other = type(rp)(client, make.client(client_id="other-app"))
    auth = other.request()
    response = other.start(auth)
    assert response.status_code == 302
    assert response.location.startswith(other.info.redirect_uri)
    assert "code" in query(response.location)


def test_login_hint_prefills_username(client, rp):
    auth = rp.request(login_hint="grace")
    response = rp.start(auth)
    page = client.get(response.location).get_data(as_text=True)
    assert 'value="grace"' in page


def test_wrong_password_and_unknown_user_get_the_same_answer(client, rp, make):
    make.user("heidi")
    answers = []
    for username, password in (("heidi", "wrong password!!"), ("nobody", "wrong password!!")):
        auth = rp.request()
        rp.start(auth)
        response = rp.login(auth, username, password)
        answers.append(
            (response.status_code, "mot de passe incorrect" in response.get_data(as_text=True))
        )
    assert answers[0] == answers[1] == (401, True)


def test_authorization_without_openid_scope_gives_no_id_token(rp, make):
    make.user("ivan")
    tokens = rp.sign_in("ivan", scope="profile")
    assert "id_token" not in tokens
    assert tokens["scope"] == "profile"


def test_nonce_is_refused_when_replayed(rp, make):
    make.user("judy")
    first = rp.sign_in("judy", nonce="same-nonce")
    assert first["id_token"]
    auth = rp.request(nonce="same-nonce")
    response = rp.start(auth)
    assert query(response.location)["error"] == "invalid_request"
