"""Property-based fuzzing of the protocol endpoints (hypothesis): whatever arrives, the answer
is never a 5xx, errors carry the code their RFC names, nothing is half-written and no secret
is echoed back. ``pytest --long`` runs many more examples."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from idp.storage import db
from idp.storage.models import AuditEvent, RefreshToken, User
from tests.fuzz import strategies as fuzz

pytestmark = pytest.mark.fuzz

TOKEN_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}  # RFC 6749 5.2, fmt: skip
ENDPOINT_ERRORS = {"invalid_request", "invalid_client", "unsupported_token_type"}  # 7662, 7009


def budget(request: pytest.FixtureRequest) -> dict:
    """CI: a fixed set of examples (derandomised, so a run is repeatable); --long: many more,
    new ones each time."""
    long = request.config.getoption("--long")
    return {
        "max_examples": 5000 if long else 150,
        "derandomize": not long,
        "deadline": None,
        "suppress_health_check": list(HealthCheck),
    }


@pytest.fixture
def setup(app, make, rp):
    """A user with a live grant, so that fuzzed requests meet real records."""
    make.user("fuzz.user")
    tokens = rp.sign_in("fuzz.user")
    before = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, RefreshToken, AuditEvent)
    }
    return rp, tokens, before


def check(response, secret: str, allowed: set[str]) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:300]
    assert secret not in body
    if response.status_code >= 400 and response.is_json:
        assert response.get_json()["error"] in allowed | {"too_many_requests", "not_found"}


def unchanged(before: dict) -> None:
    db.session.rollback()
    after = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, RefreshToken, AuditEvent)
    }
    assert after == before  # no fuzzed request wrote anything


@pytest.mark.parametrize("path", ["/token", "/introspect", "/revoke"])
def test_form_endpoints(request, client, setup, path):
    rp, tokens, before = setup
    secret = rp.info.client_secret
    allowed = TOKEN_ERRORS if path == "/token" else ENDPOINT_ERRORS

    @settings(**budget(request))
    @given(fields=fuzz.token_requests(), authorization=fuzz.authorizations,
           content_type=fuzz.content_types)  # fmt: skip
    def run(fields, authorization, content_type):
        headers = {"Authorization": authorization} if authorization else {}
        if path != "/token":
            fields = [("token", tokens["access_token"]), *fields]
        response = client.post(
            path, data=fuzz.encode(fields), headers=headers, content_type=content_type
        )
        check(response, secret, allowed)

    run()
    if path == "/token":
        unchanged(before)


def test_userinfo_and_authorize(request, client, setup):
    rp, _, before = setup

    @settings(**budget(request))
    @given(authorization=fuzz.authorizations, query=st.lists(
        st.tuples(st.sampled_from(["response_type", "client_id", "redirect_uri", "scope", "state",
                                   "nonce", "prompt", "max_age", "code_challenge", "request",
                                   "id_token_hint", "acr_values", "login_hint", "ui_locales"]),
                  fuzz.values), max_size=8))  # fmt: skip
    def run(authorization, query):
        headers = {"Authorization": authorization} if authorization else {}
        info = client.get("/userinfo", headers=headers)
        assert info.status_code < 500 and (
            info.status_code != 401 or "WWW-Authenticate" in info.headers
        )
        authorize = client.get("/authorize?" + fuzz.encode(query).decode())
        logout = client.get("/logout?" + fuzz.encode(query).decode())
        for response in (authorize, logout):
            assert response.status_code < 500, response.get_data(as_text=True)[:300]

    run()
    unchanged(before)


@pytest.mark.parametrize("path", ["/token", "/introspect", "/revoke"])
@pytest.mark.parametrize("header", ["Basic", "Bearer \x85", "Basic \u2003"])
def test_found_a_scheme_without_credentials(client, path, header):
    response = client.post(path, data={"token": "x"}, headers={"Authorization": header})
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("name", ["response_type", "redirect_uri"])
@pytest.mark.parametrize("value", ["code\u200b", "é", 'a"b', "a\\b"])
def test_found_characters_authlib_cannot_quote(client, make, name, value):
    registered = make.client()
    params = {"response_type": "code", "client_id": registered.client_id,
              "redirect_uri": registered.redirect_uri, "scope": "openid", name: value}  # fmt: skip
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 400 and "printable ASCII" in response.get_data(as_text=True)
