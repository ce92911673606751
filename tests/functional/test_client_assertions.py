"""private_key_jwt client authentication (RFC 7523, OIDC Core 9) with jti replay protection."""

from __future__ import annotations

import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from tests.rp import RelyingParty

ISSUER = "http://127.0.0.1:5000"


@pytest.fixture
def client_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rp-key-1"}, private=True)


@pytest.fixture
def jwt_rp(client, make, client_key) -> RelyingParty:
    public = {"keys": [client_key.as_dict(private=False)]}
    info = make.client(
        client_id="jwt-client", token_endpoint_auth_method="private_key_jwt", jwks=public
    )
    return RelyingParty(client, info)


def assertion(key, client_id="jwt-client", aud=ISSUER, overrides_alg=None, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    claims.update(overrides)
    alg = overrides_alg or ("ES256" if isinstance(key, ECKey) else "RS256")
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])


def post(rp, client_assertion, **data):
    return rp.client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion,
            **data,
        },
    )


def test_private_key_jwt_authenticates(jwt_rp, client_key):
    response = post(jwt_rp, assertion(client_key))
    assert response.status_code == 200, response.get_json()


def test_replayed_assertion_is_refused(jwt_rp, client_key):
    signed = assertion(client_key)
    assert post(jwt_rp, signed).status_code == 200
    replay = post(jwt_rp, signed)
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "https://elsewhere.example.org/token"},
        {"exp": int(time.time()) - 600},
        {"exp": int(time.time()) + 3600},  # too long-lived to be tracked for replay
        {"iss": "someone-else"},
        {"jti": None},
    ],
)
def test_bad_assertion_claims_are_refused(jwt_rp, client_key, overrides):
    claims = {k: v for k, v in overrides.items() if v is not None}
    signed = assertion(client_key, **claims)
    if "jti" in overrides:
        now = int(time.time())
        signed = jwt.encode(
            {"alg": "RS256", "kid": client_key.kid},
            {
                "iss": "jwt-client",
                "sub": "jwt-client",
                "aud": ISSUER,
                "iat": now,
                "exp": now + 60,
            },
            client_key,
        )
    assert post(jwt_rp, signed).get_json()["error"] == "invalid_client"


def test_assertion_signed_by_another_key_is_refused(jwt_rp):
    other = RSAKey.generate_key(2048, parameters={"kid": "rp-key-1"}, private=True)
    assert post(jwt_rp, assertion(other)).get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "e30.e30.", "x" * 5000])
def test_malformed_assertion_is_invalid_client(jwt_rp, garbage):
    response = post(jwt_rp, garbage)
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_secret_client_cannot_use_assertion(rp, client_key):
    signed = assertion(client_key, client_id=rp.info.client_id)
    assert post(rp, signed).get_json()["error"] == "invalid_client"


def test_code_flow_with_private_key_jwt(jwt_rp, client_key, make, client):
    make.user("una")
    auth = jwt_rp.authorize("una")
    response = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": jwt_rp.info.redirect_uri,
            "code_verifier": auth.verifier,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion(client_key),
        },
    )
    assert response.status_code == 200 and response.get_json()["id_token"]


@pytest.mark.parametrize(
    "alg,make_key",
    [
        ("PS256", lambda: RSAKey.generate_key(2048, parameters={"kid": "k"}, private=True)),
        ("ES256", lambda: ECKey.generate_key("P-256", parameters={"kid": "k"}, private=True)),
        ("Ed25519", lambda: OKPKey.generate_key("Ed25519", parameters={"kid": "k"}, private=True)),
    ],
)
def test_every_advertised_assertion_algorithm_works(client, make, alg, make_key):
    key = make_key()
    info = make.client(
        client_id=f"alg-{alg.lower()}",
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    rp = RelyingParty(client, info)
    signed = assertion(key, client_id=info.client_id, overrides_alg=alg)
    assert post(rp, signed).status_code == 200


def test_symmetric_assertion_is_refused(jwt_rp):
    secret = OctKey.generate_key(256, parameters={"kid": "rp-key-1"})
    signed = assertion(secret, overrides_alg="HS256")
    assert post(jwt_rp, signed).get_json()["error"] == "invalid_client"
