"""The Pro Santé Connect stand-in behaves as docs/pro-sante-connect.md says PSC does (over
real HTTP)."""

from __future__ import annotations

import base64
import hashlib

import requests

from tests.psc import CLIENT_ID, CLIENT_SECRET, form_fields
from tests.rp import query

REDIRECT = "http://127.0.0.1:5999/psc/callback"


def get_code(stand_in, verifier: str = "v" * 50, **switches) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid scope_all",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    url = stand_in.base_url + "/wallet/auth"
    page = requests.get(url, params=params, timeout=5)
    data = {**form_fields(page.text), "identity": "ecps", "decision": "accept", **switches}
    answer = requests.post(url, data=data, allow_redirects=False, timeout=5)
    return query(answer.headers["Location"])["code"]


def token(stand_in, code: str, verifier: str = "v" * 50, secret: str = CLIENT_SECRET):
    return requests.post(
        stand_in.issuer + "/protocol/openid-connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, secret),
        timeout=5,
    )


def test_discovery_at_the_wallet_and_the_standard_path(stand_in):
    wallet = requests.get(
        stand_in.issuer + "/.well-known/wallet-openid-configuration", timeout=5
    ).json()
    standard = requests.get(stand_in.issuer + "/.well-known/openid-configuration", timeout=5)
    assert wallet == standard.json() and wallet["issuer"] == stand_in.issuer
    assert not wallet["authorization_endpoint"].startswith(stand_in.issuer)


def test_token_needs_the_right_secret_and_verifier_and_a_fresh_code(stand_in):
    assert token(stand_in, get_code(stand_in), secret="wrong").status_code == 401
    assert token(stand_in, get_code(stand_in), verifier="w" * 50).json()["error"] == (
        "invalid_grant"
    )
    code = get_code(stand_in)
    assert token(stand_in, code).status_code == 200
    assert token(stand_in, code).json()["error"] == "invalid_grant"


def test_client_secret_post_is_accepted(stand_in):
    response = requests.post(
        stand_in.issuer + "/protocol/openid-connect/token",
        data={
            "grant_type": "authorization_code",
            "code": get_code(stand_in),
            "redirect_uri": REDIRECT,
            "code_verifier": "v" * 50,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=5,
    )
    assert response.status_code == 200 and response.json()["id_token"].count(".") == 2


def test_introspection_and_userinfo(stand_in):
    access = token(stand_in, get_code(stand_in)).json()["access_token"]
    endpoint = stand_in.issuer + "/protocol/openid-connect/token/introspect"
    active = requests.post(
        endpoint, data={"token": access}, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5
    ).json()
    assert active["active"] is True and active["sub"].startswith("f:")
    inactive = requests.post(
        endpoint, data={"token": "nope"}, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5
    ).json()
    assert inactive == {"active": False}
    userinfo = stand_in.issuer + "/protocol/openid-connect/userinfo"
    assert requests.get(userinfo, timeout=5).status_code == 401
    info = requests.get(userinfo, headers={"Authorization": f"Bearer {access}"}, timeout=5)
    assert info.json()["SubjectNameID"] == "810000000017" and info.json()["authMode"] == "MOBILE"


def test_rotation_publishes_the_new_key_and_keeps_the_old(stand_in):
    certs = stand_in.issuer + "/protocol/openid-connect/certs"
    before = {k["kid"] for k in requests.get(certs, timeout=5).json()["keys"]}
    new_kid = stand_in.rotate()
    after = {k["kid"] for k in requests.get(certs, timeout=5).json()["keys"]}
    assert new_kid in after and before <= after


def test_logout_refuses_an_unregistered_return_address(stand_in):
    logout = stand_in.issuer + "/protocol/openid-connect/logout"
    bad = requests.get(
        logout, params={"post_logout_redirect_uri": "https://evil.example/"}, timeout=5
    )
    assert bad.status_code == 400
    good = requests.get(
        logout,
        params={"post_logout_redirect_uri": REDIRECT, "state": "x"},
        allow_redirects=False,
        timeout=5,
    )
    assert good.headers["Location"] == REDIRECT + "?state=x"


def test_unknown_client_or_foreign_redirect_is_refused_on_the_wallet(stand_in):
    url = stand_in.base_url + "/wallet/auth"
    base = {"response_type": "code", "scope": "openid", "redirect_uri": REDIRECT}
    assert requests.get(url, params={**base, "client_id": "x"}, timeout=5).status_code == 400
    foreign = {**base, "client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb"}
    assert requests.get(url, params=foreign, timeout=5).status_code == 400
