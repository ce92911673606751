"""The viatrajectoire-auth library's own suite, against a live provider on a free port.

Every token here is a real one the provider issued (or a forgery built from its public
keys); the library only sees HTTP: discovery, the JWKS, introspection, logout tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask
from joserfc.jwk import KeySet
from viatrajectoire_auth import (
    AccessTokenValidator,
    InvalidLogoutTokenError,
    InvalidTokenError,
    ResourceServer,
    ServiceClient,
    acr,
    require_habilitation,
)
from viatrajectoire_auth.flask import ViaTrajectoireAuth, current_identity

from tests.e2e.browsing import browser_login
from tests.receiver import running_receiver

pytestmark = pytest.mark.e2e
REDIRECT = "https://module-ga.example.org/callback"
SCOPE = "openid profile email habilitations"
DEMO = {"username": "demo", "password": "demo-password-2026", "email": "demo@example.org"}
EHPAD = "070000011"  # the demo person's Grand Âge habilitation (idp/accounts/demo_data.py)


@pytest.fixture(scope="module")
def live_env():
    # password-only logins (so a step-up is needed for the code); keys reloaded each second
    return {"IDP_OTP_MANDATORY_FROM": "2099-01-01", "IDP_KEY_CACHE_SECONDS": "1"}


@pytest.fixture(scope="module")
def receiver():
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def module(live_server, receiver) -> dict:
    live_server.idp("init", "--demo")  # a person with habilitations, a profession, an RPPS
    return live_server.create_client(
        "module-ga",
        REDIRECT,
        "--grant-type",
        "client_credentials",
        "--backchannel-logout-uri",
        receiver.url,
    )


@pytest.fixture
def resource(live_server, module) -> ResourceServer:
    return ResourceServer(live_server.url, module["client_id"], module["client_secret"])


class Person:
    """The demo professional's browser, signing in to module-ga."""

    def __init__(self, live_server, module: dict) -> None:
        self.live = live_server
        self.module = module
        self.browser = requests.Session()
        self.metadata = requests.get(
            f"{live_server.url}/.well-known/openid-configuration", timeout=5
        ).json()

    def sign_in(self, **params: str) -> dict:
        rp = OAuth2Session(
            self.module["client_id"],
            self.module["client_secret"],
            scope=SCOPE,
            redirect_uri=REDIRECT,
            code_challenge_method="S256",
        )
        verifier = secrets.token_urlsafe(48)
        url, _ = rp.create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=verifier, **params
        )
        callback = browser_login(
            self.browser,
            url,
            self.live.outbox,
            DEMO["username"],
            DEMO["password"],
            REDIRECT,
            DEMO["email"],
        )
        assert callback.status_code == 302, callback.text[:300]
        return rp.fetch_token(
            self.metadata["token_endpoint"],
            authorization_response=callback.headers["Location"],
            code_verifier=verifier,
        )

    def log_out(self, token: dict) -> None:
        self.browser.get(
            self.metadata["end_session_endpoint"],
            params={"id_token_hint": token["id_token"]},
            timeout=10,
        )


@pytest.fixture
def person(live_server, module) -> Person:
    return Person(live_server, module)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forge(header: dict, claims: dict, sign=lambda signing_input: b"") -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


# --- validation -------------------------------------------------------------------------


def test_a_valid_token_gives_the_typed_identity(resource, person):
    token = person.sign_in()
    identity = resource.authenticate(f"Bearer {token['access_token']}")
    assert identity.client_id == "module-ga" and not identity.is_service
    assert identity.profession == "Médecin" and identity.national_id == "810000000025"
    assert identity.acr == acr.PASSWORD and identity.amr == ("pwd",) and identity.sid
    assert {"openid", "habilitations"} <= identity.scopes
    habilitation = require_habilitation(identity, module="GRAND_AGE", establishment=EHPAD)
    assert habilitation.profile == "GA_MED_COORD" and habilitation.valid_to is not None
    assert habilitation.establishment.name == "EHPAD Bastide du Mont Vinobre"
    assert "volet_medical.lire" in habilitation.rights and habilitation.is_valid()
    assert identity.has_habilitation(module="ANNUAIRES")
    assert not identity.has_habilitation(module="HANDICAP")


def test_an_expired_token_is_refused_and_the_leeway_is_kept(resource, person):
    token = person.sign_in()["access_token"]
    exp = claims_of(token)["exp"]

    def at(moment: float) -> AccessTokenValidator:
        return AccessTokenValidator(
            resource.issuer, "module-ga", resource.jwks, clock=lambda: moment
        )

    assert at(exp + 20).validate(token).subject  # within the 30 s leeway
    with pytest.raises(InvalidTokenError, match="expired"):
        at(exp + 31).validate(token)


def test_a_token_for_another_module_is_refused(resource, person):
    token = person.sign_in()["access_token"]
    other_module = AccessTokenValidator(resource.issuer, "module-handicap", resource.jwks)
    with pytest.raises(InvalidTokenError, match="aud"):
        other_module.validate(token)


def test_a_token_from_another_issuer_is_refused(resource, person):
    token = person.sign_in()["access_token"]
    elsewhere = AccessTokenValidator("https://idp.example.org", "module-ga", resource.jwks)
    with pytest.raises(InvalidTokenError, match="another issuer"):
        elsewhere.validate(token)


def test_alg_none_is_refused_even_when_listed(resource, person):
    token = person.sign_in()["access_token"]
    header = {"alg": "none", "typ": "at+jwt", "kid": resource.jwks.key_set(None).keys[0].kid}
    forged = forge(header, claims_of(token) | {"sub": "someone-else"})
    with pytest.raises(InvalidTokenError, match="algorithm 'none'"):
        resource.tokens.validate(forged)
    careless = AccessTokenValidator(
        resource.issuer, "module-ga", resource.jwks, algorithms=["RS256", "none", "HS256"]
    )
    with pytest.raises(InvalidTokenError, match="algorithm 'none'"):
        careless.validate(forged)


def test_hs256_signed_with_the_public_key_is_refused(live_server, resource, person):
    token = person.sign_in()["access_token"]
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))["kid"]
    jwks = requests.get(f"{live_server.url}/jwks.json", timeout=5).json()
    public = KeySet.import_key_set(jwks).get_by_kid(kid)
    secret = public.as_pem(private=False)  # what an attacker knows

    def hmac_sha256(signing_input: bytes) -> bytes:
        return hmac.new(secret, signing_input, hashlib.sha256).digest()

    header = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
    forged = forge(header, claims_of(token) | {"sub": "someone-else"}, hmac_sha256)
    with pytest.raises(InvalidTokenError, match="algorithm 'HS256'"):
        resource.tokens.validate(forged)
    # and a real signature over changed claims does not verify
    parts = token.split(".")
    payload = base64.urlsafe_b64encode(
        json.dumps(claims_of(token) | {"sub": "someone-else"}).encode()
    )
    tampered = f"{parts[0]}.{payload.rstrip(b'=').decode()}.{parts[2]}"
    with pytest.raises(InvalidTokenError, match="signature"):
        resource.tokens.validate(tampered)


def test_an_id_token_is_not_an_access_token(resource, person):
    token = person.sign_in()
    with pytest.raises(InvalidTokenError):
        resource.tokens.validate(token["id_token"])


# --- introspection ----------------------------------------------------------------------


def test_introspection_sees_a_revocation_that_local_validation_cannot(live_server, module, person):
    token = person.sign_in()["access_token"]
    watched = ResourceServer(
        live_server.url,
        "module-ga",
        module["client_secret"],
        introspect=True,
        introspection_cache_seconds=0,
    )
    cached = ResourceServer(live_server.url, "module-ga", module["client_secret"], introspect=True)
    assert watched.authenticate(f"Bearer {token}").subject
    cached.authenticate(f"Bearer {token}")
    cached.authenticate(f"Bearer {token}")
    assert cached.introspector.calls == 1  # the short cache spares the provider
    revoked = requests.post(
        f"{live_server.url}/revoke",
        data={"token": token, "token_type_hint": "access_token"},
        auth=(module["client_id"], module["client_secret"]),
        timeout=5,
    )
    assert revoked.status_code == 200
    with pytest.raises(InvalidTokenError, match="revoked"):
        watched.authenticate(f"Bearer {token}")
    # without introspection the signature still holds until the token expires (minutes)
    assert watched.authenticate(f"Bearer {token}", introspect=False).subject


# --- what a Flask module answers ----------------------------------------------------------


@pytest.fixture
def api(live_server, module):
    app = Flask(__name__)
    app.config.update(
        VT_AUTH_ISSUER=live_server.url,
        VT_AUTH_CLIENT_ID="module-ga",
        VT_AUTH_CLIENT_SECRET=module["client_secret"],
        VT_AUTH_REALM="module-ga",
    )
    auth = ViaTrajectoireAuth(app)

    @app.get("/api/demandes/<finess>")
    @auth.habilitation_required(module="GRAND_AGE", establishment_arg="finess")
    def demandes(finess: str) -> dict:
        return {"finess": finess, "sub": current_identity.subject}

    @app.get("/api/handicap")
    @auth.habilitation_required(module="HANDICAP")
    def handicap() -> dict:
        return {}

    @app.get("/api/volet-medical")
    @auth.acr_required(acr.EMAIL_OTP)
    def volet_medical() -> dict:
        return {"acr": current_identity.acr}

    app.add_url_rule(
        "/backchannel-logout", view_func=auth.backchannel_logout_view(), methods=["POST"]
    )
    return app.test_client()


def test_routes_answer_401_403_with_their_challenges(api, person):
    bearer = {"Authorization": f"Bearer {person.sign_in()['access_token']}"}
    assert api.get(f"/api/demandes/{EHPAD}", headers=bearer).status_code == 200
    bare = api.get(f"/api/demandes/{EHPAD}")
    assert (
        bare.status_code == 401 and bare.headers["WWW-Authenticate"] == 'Bearer realm="module-ga"'
    )
    forged = api.get(f"/api/demandes/{EHPAD}", headers={"Authorization": "Bearer a.b.c"})
    assert (
        forged.status_code == 401 and 'error="invalid_token"' in forged.headers["WWW-Authenticate"]
    )
    malformed = api.get(f"/api/demandes/{EHPAD}", headers={"Authorization": "Bearer é"})
    assert malformed.status_code == 400 and malformed.json["error"] == "invalid_request"
    other_place = api.get("/api/demandes/760000013", headers=bearer)
    assert other_place.status_code == 403
    assert 'error="insufficient_scope"' in other_place.headers["WWW-Authenticate"]
    assert "establishment=760000013" in other_place.json["error_description"]
    assert api.get("/api/handicap", headers=bearer).status_code == 403


def test_step_up_challenge_then_a_stronger_login_passes(api, person):
    weak = person.sign_in()
    refused = api.get(
        "/api/volet-medical", headers={"Authorization": f"Bearer {weak['access_token']}"}
    )
    assert refused.status_code == 401
    challenge = refused.headers["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert f'acr_values="{acr.EMAIL_OTP}"' in challenge
    # the module sends the person back with the challenge's acr_values: the mailed code
    strong = person.sign_in(acr_values=acr.EMAIL_OTP)
    passed = api.get(
        "/api/volet-medical", headers={"Authorization": f"Bearer {strong['access_token']}"}
    )
    assert passed.status_code == 200 and passed.json["acr"] == acr.EMAIL_OTP


# --- service to service -----------------------------------------------------------------


def test_service_client_reuses_its_token_and_is_no_person(live_server, module, resource, api):
    service = ServiceClient.from_issuer(live_server.url, "module-ga", module["client_secret"])
    first, second = service.access_token(), service.access_token()
    assert first == second and service.fetches == 1
    identity = resource.authenticate(f"Bearer {first}")
    assert identity.is_service and identity.habilitations == ()
    answer = requests.Session()
    answer.auth = service.auth()
    prepared = answer.prepare_request(requests.Request("GET", "https://module.example.org/"))
    assert prepared.headers["Authorization"] == f"Bearer {first}"
    refused = api.get(f"/api/demandes/{EHPAD}", headers={"Authorization": f"Bearer {first}"})
    assert refused.status_code == 403  # a service holds no habilitation
    service.margin = 10**6  # as if the token were about to expire
    assert service.access_token() != first and service.fetches == 2


# --- back-channel logout ----------------------------------------------------------------


def test_logout_token_ends_the_session_once_and_replays_are_refused(
    resource, person, receiver, api
):
    token = person.sign_in()
    sid = claims_of(token["id_token"])["sid"]
    before = len(receiver.tokens)
    person.log_out(token)
    for _ in range(50):  # sent from the provider's background thread
        if len(receiver.tokens) > before:
            break
        time.sleep(0.1)
    assert len(receiver.tokens) == before + 1
    logout_token = receiver.tokens[-1]
    event = resource.logout_tokens.validate(logout_token)
    assert event.sid == sid and event.subject == claims_of(token["id_token"])["sub"]
    with pytest.raises(InvalidLogoutTokenError, match="replay"):
        resource.logout_tokens.validate(logout_token)
    with pytest.raises(InvalidLogoutTokenError):
        resource.logout_tokens.validate(token["access_token"])  # not a logout token
    with pytest.raises(InvalidLogoutTokenError):
        resource.logout_tokens.validate(token["id_token"])  # an ID token has no event
    resource.ended_sessions.record(event)
    assert resource.ended_sessions.is_ended(sid, event.subject, int(time.time()))
    assert not resource.ended_sessions.is_ended("another-sid", "another-sub", 0)
    # the Flask view: 200 once, 400 for the replay and for garbage, never a 500
    fresh = ResourceServer(resource.issuer, "module-ga")
    assert fresh.logout_tokens.validate(logout_token).sid == sid  # another process: new store
    assert api.post("/backchannel-logout", data={"logout_token": logout_token}).status_code == 200
    replay = api.post("/backchannel-logout", data={"logout_token": logout_token})
    assert replay.status_code == 400 and "replay" in replay.json["error_description"]
    assert api.post("/backchannel-logout", data={"logout_token": "x" * 20000}).status_code == 400
    assert api.post("/backchannel-logout").status_code == 400


# --- key rotation (last: it changes the provider's keys) ------------------------------------


def test_unknown_kid_after_rotation_costs_one_refetch(live_server, resource, person):
    assert resource.authenticate(f"Bearer {person.sign_in()['access_token']}")
    assert resource.jwks.fetches == 1
    known = {key.kid for key in resource.jwks.key_set(None).keys}
    # the access tokens' algorithm (ES256 by default)
    live_server.idp("keys", "rotate", "--alg", "ES256", "--force")
    live_server.idp("keys", "rotate", "--alg", "ES256", "--force")  # a key never published before
    deadline = time.monotonic() + 15
    while True:
        token = person.sign_in()["access_token"]
        kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))["kid"]
        if kid not in known or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert kid not in known
    assert resource.authenticate(f"Bearer {token}").subject
    assert resource.jwks.fetches == 2
    forged = forge({"alg": "RS256", "typ": "at+jwt", "kid": "made-up"}, claims_of(token))
    for _ in range(5):
        with pytest.raises(InvalidTokenError, match="unknown key"):
            resource.authenticate(f"Bearer {forged}")
    assert resource.jwks.fetches == 2  # refetches are rate-limited
