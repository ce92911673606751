"""Security review, protocol edges: M3 (open redirect), L3 (assertion audience), L4
(introspection rights), L7 (atomic failure counter)."""

from __future__ import annotations

import threading

import pytest
from joserfc.jwk import RSAKey

from idp.services import of as services_of
from tests.functional.test_client_assertions import ISSUER, assertion, post
from tests.rp import RelyingParty


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "https://evil.example",
    ],
)
def test_m3_language_switch_stays_on_this_site(client, target):
    response = client.get(f"/lang/fr?next={target}")
    assert response.status_code == 302
    assert response.location == "/", response.location


def test_m3_language_switch_keeps_a_local_path(client):
    assert client.get("/lang/en?next=/account%3Fx%3D1").location == "/account?x=1"


@pytest.fixture
def jwt_rp(client, make):
    key = RSAKey.generate_key(2048, parameters={"kid": "rp-key-1"}, private=True)
    info = make.client(
        client_id="jwt-client",
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    return RelyingParty(client, info), key


@pytest.mark.parametrize("path", ["/introspect", "/revoke"])
def test_l3_assertion_for_another_endpoint_is_refused(jwt_rp, path):
    rp, key = jwt_rp
    response = post(rp, assertion(key, aud=f"{ISSUER}{path}"))
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("aud", [ISSUER, [ISSUER]])
def test_l3_assertion_for_the_issuer_alone_is_accepted(jwt_rp, aud):
    rp, key = jwt_rp
    assert post(rp, assertion(key, aud=aud)).status_code == 200


@pytest.mark.parametrize(
    "aud", [f"{ISSUER}/token", [ISSUER, "https://other.example"], [f"{ISSUER}/token", ISSUER]]
)
def test_l3_again_the_token_endpoint_or_several_audiences_are_refused(jwt_rp, aud):
    """Review 3: RFC 7523bis and the 2025 advisory want the issuer alone."""
    rp, key = jwt_rp
    assert post(rp, assertion(key, aud=aud)).get_json()["error"] == "invalid_client"


def test_l4_a_module_cannot_introspect_another_modules_tokens(client, rp, make):
    make.user("lia")
    tokens = rp.sign_in("lia")
    other = RelyingParty(client, make.client(client_id="other-module"))
    assert other.introspect(tokens["access_token"]) == {"active": False}
    assert other.introspect(tokens["refresh_token"]) == {"active": False}
    assert rp.introspect(tokens["access_token"])["active"] is True


def test_l4_a_client_granted_introspection_sees_every_token(client, rp, make):
    make.user("lim")
    tokens = rp.sign_in("lim")
    gateway = RelyingParty(client, make.client(client_id="gateway", may_introspect=True))
    assert gateway.introspect(tokens["access_token"])["active"] is True


def test_l7_concurrent_failures_all_count(app):
    throttle = services_of(app).throttle
    barrier = threading.Barrier(8)

    def fail() -> None:
        barrier.wait()
        for _ in range(5):
            throttle.failed("racer", "10.0.0.1")

    workers = [threading.Thread(target=fail) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # 40 failures from one source: the 41st is the count the source reached
    assert throttle.failed("racer", "10.0.0.1") == 0
    key = throttle._pair("racer", "10.0.0.1")
    assert int(services_of(app).store.get(key)) == 41
