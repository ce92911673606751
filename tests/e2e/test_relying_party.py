"""A relying party built on Authlib's own OAuth client signs in through the live server.

The RP side uses only public protocol: discovery, the authorization endpoint, the login form
as a browser would post it, the token endpoint, the JWKS, userinfo, refresh, logout.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.e2e import browsing
from tests.mailbox import Mailbox

pytestmark = pytest.mark.e2e
PASSWORD = "un mot de passe assez long"
REDIRECT = "https://module.example.org/callback"


@pytest.fixture(scope="module")
def registered(live_server):
    live_server.create_user("jdupont", PASSWORD)
    return live_server.create_client("module-e2e", REDIRECT)


@pytest.fixture(scope="module")
def metadata(live_server):
    return requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()


def browser_login(
    browser: requests.Session, authorize_url: str, outbox: Mailbox, password: str = PASSWORD
) -> requests.Response:
    return browsing.browser_login(browser, authorize_url, outbox, "jdupont", password, REDIRECT)


def sign_in(live_server, registered, metadata, **params):
    rp = OAuth2Session(
        registered["client_id"],
        registered["client_secret"],
        scope="openid profile email",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(12)
    url, state = rp.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier, **params
    )
    browser = requests.Session()
    response = browser_login(browser, url, live_server.outbox)
    assert response.status_code == 302, response.text[:500]
    callback = response.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert query["state"] == state and query["iss"] == metadata["issuer"]
    token = rp.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    return rp, token, nonce, browser


def test_authlib_client_signs_in_and_validates_every_id_token_rule(
    live_server, registered, metadata
):
    rp, token, nonce, _ = sign_in(live_server, registered, metadata)
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"value": metadata["issuer"]},
            "aud": {"value": registered["client_id"]},
            "nonce": {"value": nonce},
        },
        params={"access_token": token["access_token"]},
    )
    claims.validate(now=int(time.time()))  # Authlib's checks: iss aud exp iat nonce at_hash azp
    for claim in ("auth_time", "acr", "amr", "azp", "at_hash", "sub"):
        assert claim in claims
    assert decoded.header["kid"] in {k["kid"] for k in keys.as_dict()["keys"]}


def test_userinfo_refresh_and_revocation_through_live_server(live_server, registered, metadata):
    rp, token, _, _ = sign_in(live_server, registered, metadata)
    info = rp.get(metadata["userinfo_endpoint"], timeout=5).json()
    assert info["preferred_username"] == "jdupont" and info["family_name"] == "Dupont"
    refreshed = rp.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    reuse = requests.post(
        metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=5,
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    introspected = requests.post(
        metadata["introspection_endpoint"],
        data={"token": refreshed["access_token"]},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=5,
    ).json()
    assert introspected == {"active": False}


def test_replayed_code_is_refused_by_live_server(live_server, registered, metadata):
    rp = OAuth2Session(
        registered["client_id"],
        registered["client_secret"],
        scope="openid",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    url, _ = rp.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    callback = browser_login(requests.Session(), url, live_server.outbox).headers["Location"]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    auth = (registered["client_id"], registered["client_secret"])
    first = requests.post(metadata["token_endpoint"], data=data, auth=auth, timeout=5)
    second = requests.post(metadata["token_endpoint"], data=data, auth=auth, timeout=5)
    assert first.status_code == 200 and second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_sso_then_rp_initiated_logout(live_server, registered, metadata):
    rp, token, _, browser = sign_in(live_server, registered, metadata)
    silent = OAuth2Session(
        registered["client_id"], scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    url, _ = silent.create_authorization_url(
        metadata["authorization_endpoint"], prompt="none", code_verifier="s" * 64
    )
    again = browser.get(url, allow_redirects=False, timeout=5)
    assert "code=" in again.headers["Location"]
    bye = REDIRECT.rsplit("/", 1)[0] + "/bye"
    logout = browser.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": bye, "state": "s"},
        allow_redirects=False,
        timeout=5,
    )
    assert logout.headers["Location"] == f"{bye}?state=s"
    after = browser.get(url, allow_redirects=False, timeout=5)
    assert "error=login_required" in after.headers["Location"]


def test_wrong_password_is_refused_by_live_server(live_server, registered, metadata):
    rp = OAuth2Session(
        registered["client_id"], scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    url, _ = rp.create_authorization_url(metadata["authorization_endpoint"], code_verifier="w" * 64)
    response = browser_login(
        requests.Session(), url, live_server.outbox, password="not the password"
    )
    assert response.status_code == 401 and "mot de passe incorrect" in response.text
