"""The checks on PSC's ID token, one by one, with tokens signed here (no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from idp.authn.psc.client import PscClient, PscRejectedError
from idp.settings import load_settings

ISSUER = "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet"
OIDC = ISSUER + "/protocol/openid-connect"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
ACCESS_TOKEN = "an-access-token"


@pytest.fixture
def client() -> PscClient:
    settings = load_settings(
        {
            "psc_issuer": ISSUER,
            "psc_client_id": "viatrajectoire",
            "psc_client_secret": "s",
            "psc_authorization_endpoint": "https://wallet.bas.psc.esante.gouv.fr/auth",
            "psc_token_endpoint": OIDC + "/token",
            "psc_userinfo_endpoint": OIDC + "/userinfo",
            "psc_jwks_uri": OIDC + "/certs",
            "psc_end_session_endpoint": OIDC + "/logout",
            "psc_jwks_refetch_interval": 3600,  # never refetched in these tests
        },
        environ={},
    )
    client = PscClient(settings)
    client._keys, client._keys_at = KeySet([KEY]), time.time()
    return client


def at_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def id_token(header: dict | None = None, key=KEY, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "viatrajectoire",
        "azp": "viatrajectoire",
        "sub": "f:uuid:810000000017",
        "nonce": "n",
        "iat": now,
        "exp": now + 120,
        "acr": "eidas1",
        "at_hash": at_hash(ACCESS_TOKEN),
        "SubjectNameID": "810000000017",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(header or {"alg": "RS256", "kid": "k1"}, claims, key)


def test_a_good_token_passes(client):
    claims = client.verify_id_token(id_token(), "n", ACCESS_TOKEN)
    assert claims["SubjectNameID"] == "810000000017"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://attacker.example/auth/realms/esante-wallet"}, "iss"),
        ({"aud": "another-client"}, "aud"),
        ({"aud": ["viatrajectoire", "other"], "azp": "other"}, "azp"),
        ({"nonce": "other"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"iat": int(time.time()) + 600, "exp": int(time.time()) + 720}, "clock skew"),
        ({"acr": "eidas0"}, "acr"),
        ({"acr": None}, "acr"),
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash"),
        ({"sub": ""}, "sub"),
    ],
)
def test_each_claim_check_refuses(client, changes, reason):
    with pytest.raises(PscRejectedError, match=reason):
        client.verify_id_token(id_token(**changes), "n", ACCESS_TOKEN)


def test_leeway_accepts_a_slightly_fast_clock(client):
    now = int(time.time())
    client.verify_id_token(id_token(iat=now + 30, exp=now + 150), "n", ACCESS_TOKEN)


def test_alg_none_is_refused(client):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode())
    body = base64.urlsafe_b64encode(json.dumps({"iss": ISSUER}).encode())
    token = header.rstrip(b"=").decode() + "." + body.rstrip(b"=").decode() + "."
    with pytest.raises(PscRejectedError, match="algorithm"):
        client.verify_id_token(token, "n", ACCESS_TOKEN)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_hs256_with_the_public_key_as_secret_is_refused(client):
    """The classic confusion attack, built by hand (joserfc itself refuses to make it)."""
    signing_input = (
        b64(b'{"alg":"HS256","kid":"k1"}') + "." + b64(json.dumps({"iss": ISSUER}).encode())
    )
    secret = KEY.as_pem(private=False)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    forged = signing_input + "." + b64(signature)
    with pytest.raises(PscRejectedError, match="algorithm"):
        client.verify_id_token(forged, "n", ACCESS_TOKEN)


def test_another_key_under_the_known_kid_is_a_bad_signature(client):
    rogue = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(PscRejectedError, match="signature"):
        client.verify_id_token(id_token(key=rogue), "n", ACCESS_TOKEN)


def test_unknown_kid_within_the_refetch_interval_is_refused_without_fetching(client):
    other = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    token = id_token({"alg": "RS256", "kid": "k2"}, key=other)
    with pytest.raises(PscRejectedError, match="unknown kid"):
        client.verify_id_token(token, "n", ACCESS_TOKEN)


def test_every_endpoint_from_settings_needs_no_discovery(client):
    assert client.endpoint("authorization_endpoint").startswith("https://wallet.bas.")
    assert client.issuer == ISSUER


def test_client_certificate_is_used_for_every_call():
    settings = load_settings(
        {
            "psc_issuer": ISSUER,
            "psc_client_id": "viatrajectoire",
            "psc_client_cert": "/etc/idp/psc.pem",
            "psc_client_key": "/etc/idp/psc.key",
        },
        environ={},
    )
    client = PscClient(settings)
    assert client.http.cert == ("/etc/idp/psc.pem", "/etc/idp/psc.key")
    assert client._oauth("https://idp/psc/callback").cert == client.http.cert
