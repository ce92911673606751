"""Refusals and options at the authorization endpoint (RFC 6749 4.1.2.1, OIDC Core 3.1.2)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event

from idp.storage import db
from tests.factories import PASSWORD
from tests.rp import csrf_token, query


def error_of(response) -> dict[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)
    return query(response.location)


def test_unknown_redirect_uri_shows_error_page_and_never_redirects(rp):
    auth = rp.request(redirect_uri="https://evil.example.org/callback")
    response = rp.start(auth)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.get_data(as_text=True)


def test_redirect_uri_must_match_exactly(rp):
    auth = rp.request(redirect_uri=rp.info.redirect_uri + "/extra")
    assert rp.start(auth).status_code == 400
    auth = rp.request(redirect_uri=rp.info.redirect_uri + "?x=1")
    assert rp.start(auth).status_code == 400


def test_unknown_client_shows_error_page(rp):
    auth = rp.request(client_id="nobody")
    response = rp.start(auth)
    assert response.status_code == 400
    assert "invalid_client" in response.get_data(as_text=True)


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "none"])
def test_response_types_other_than_code_are_refused_when_redirect_trusted(rp, response_type):
    auth = rp.request(response_type=response_type)
    result = error_of(rp.start(auth))
    assert result["error"] == "unsupported_response_type"
    assert result["state"] == auth.params["state"]
    assert result["iss"] == "http://127.0.0.1:5000"


def test_public_client_without_pkce_is_refused(public_rp):
    auth = public_rp.request(pkce=False)
    result = error_of(public_rp.start(auth))
    assert result["error"] == "invalid_request"
    assert "PKCE" in result["error_description"]


def test_plain_pkce_is_refused(public_rp):
    auth = public_rp.request(code_challenge_method="plain")
    assert error_of(public_rp.start(auth))["error"] == "invalid_request"


def test_pkce_without_method_is_refused_since_it_means_plain(public_rp):
    auth = public_rp.request(code_challenge_method=None)
    assert error_of(public_rp.start(auth))["error"] == "invalid_request"


def test_confidential_client_without_pkce_is_refused(rp):
    """Review 3, N7: RFC 9700 2.1.1 wants PKCE of confidential clients too."""
    result = error_of(rp.start(rp.request(pkce=False)))
    assert result["error"] == "invalid_request" and "PKCE" in result["error_description"]


def test_a_legacy_module_registered_pkce_optional_may_skip_it(client, make, outbox):
    from tests.rp import RelyingParty

    make.user("kim")
    legacy = RelyingParty(
        client, make.client(client_id="legacy-module", pkce_optional=True), outbox
    )
    auth = legacy.authorize("kim", pkce=False)
    assert legacy.exchange(auth).status_code == 200


def test_a_public_client_cannot_be_registered_pkce_optional():
    from idp.oidc.clients import ClientRegistration, InvalidClientMetadataError

    registration = ClientRegistration(
        "app", ["https://app.example/cb"], token_endpoint_auth_method="none", pkce_optional=True
    )
    with pytest.raises(InvalidClientMetadataError):
        registration.validate()


def test_unknown_scope_is_refused(rp):
    result = error_of(rp.start(rp.request(scope="openid superpowers")))
    assert result["error"] == "invalid_scope"


def test_prompt_none_without_session_gives_login_required(rp):
    result = error_of(rp.start(rp.request(prompt="none")))
    assert result["error"] == "login_required"
    assert result["iss"] == "http://127.0.0.1:5000"


def test_prompt_none_with_session_returns_code(rp, make):
    make.user("liam")
    rp.sign_in("liam")
    response = rp.start(rp.request(prompt="none"))
    assert "code" in query(response.location)


def test_prompt_none_combined_is_invalid(rp):
    result = error_of(rp.start(rp.request(prompt="none login")))
    assert result["error"] == "invalid_request"


def test_prompt_login_asks_password_again_and_updates_auth_time(client, rp, make):
    make.user("mia")
    first = rp.sign_in("mia")
    time.sleep(1.1)
    auth = rp.request(prompt="login")
    response = rp.start(auth)
    assert "/login" in response.location
    rp.login(auth, "mia")
    tokens = rp.exchange(auth).get_json()
    from tests.functional.test_code_flow import verify

    assert (
        verify(client, tokens["id_token"]).claims["auth_time"]
        > verify(client, first["id_token"]).claims["auth_time"]
    )


def test_max_age_exceeded_asks_login(rp, make):
    make.user("noah")
    rp.sign_in("noah")
    time.sleep(1.1)
    response = rp.start(rp.request(max_age="0"))
    assert "/login" in response.location


def test_max_age_not_exceeded_reuses_session(rp, make):
    make.user("olga")
    rp.sign_in("olga")
    response = rp.start(rp.request(max_age="3600"))
    assert "code" in query(response.location)


@pytest.mark.parametrize("value", ["-1", "abc", "1e3"])
def test_malformed_max_age_is_invalid_request(rp, value):
    assert error_of(rp.start(rp.request(max_age=value)))["error"] == "invalid_request"


def test_unknown_acr_value_is_refused_not_downgraded(rp):
    result = error_of(rp.start(rp.request(acr_values="urn:example:very-high")))
    assert result["error"] == "unmet_authentication_requirements"


def test_supported_acr_value_is_met_or_exceeded(client, rp, make):
    make.user("pia")
    tokens = rp.sign_in("pia", acr_values="urn:viatrajectoire:acr:password")
    from tests.functional.test_code_flow import verify

    # the policy asks a code of everyone (otp_mandatory_from is past): more than was asked
    assert verify(client, tokens["id_token"]).claims["acr"] == "urn:viatrajectoire:acr:otp-email"


@pytest.mark.parametrize(
    "param,error",
    [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
        ("registration", "registration_not_supported"),
    ],
)
def test_unsupported_request_objects_are_refused(rp, param, error):
    assert error_of(rp.start(rp.request(**{param: "x"})))["error"] == error


def test_response_mode_fragment_is_refused(rp):
    assert error_of(rp.start(rp.request(response_mode="fragment")))["error"] == "invalid_request"


def test_duplicated_parameter_is_refused_without_redirect(client, rp):
    auth = rp.request()
    url = "/authorize?" + "&".join(f"{k}={v}" for k, v in auth.params.items()) + "&state=again"
    response = client.get(url)
    assert response.status_code == 400


def test_oversized_parameter_is_refused(rp):
    response = rp.start(rp.request(state="x" * 5000))
    assert response.status_code == 400


def test_ui_locales_en_shows_english_login_page(client, rp):
    response = rp.start(rp.request(ui_locales="en"))
    page = client.get(response.location).get_data(as_text=True)
    assert "Username" in page and 'lang="en"' in page


def test_login_page_is_french_by_default(client, rp):
    response = rp.start(rp.request())
    page = client.get(response.location).get_data(as_text=True)
    assert "Mot de passe" in page and 'lang="fr"' in page


def test_pending_request_cannot_be_finished_from_another_browser(app, rp, make):
    make.user("quinn")
    auth = rp.request()
    response = rp.start(auth)
    stranger = app.test_client()
    page = stranger.get(response.location)
    assert page.status_code == 200  # a plain login page, not bound to the request
    assert stranger.get(response.location.replace("/login", "/authorize/resume")).status_code == 400


def test_login_form_without_csrf_token_is_refused(client, rp, make):
    make.user("rita")
    response = rp.start(rp.request())
    refused = client.post(
        response.location, data={"username": "rita", "password": "correct horse battery staple"}
    )
    assert refused.status_code == 400
    assert "idp_sso" not in refused.headers.get("Set-Cookie", "")


def test_essential_acr_in_claims_is_enforced(rp, make):
    make.user("sara")
    claims = '{"id_token": {"acr": {"essential": true, "values": ["urn:viatrajectoire:acr:totp"]}}}'
    auth = rp.authorize("sara", claims=claims)
    assert auth.result["error"] == "unmet_authentication_requirements"


def test_voluntary_claims_request_is_accepted(rp, make):
    make.user("theo")
    claims = '{"userinfo": {"email": null}, "id_token": {"acr": {"values": ["x"]}}}'
    assert "code" in rp.authorize("theo", claims=claims).result


@pytest.mark.parametrize(
    "claims",
    [
        "not json",
        "[1]",
        '{"id_token": 3}',
        '{"id_token": {"acr": {"essential": true, "values": [1]}}}',
    ],
)
def test_malformed_claims_parameter_is_invalid_request(rp, claims):
    assert error_of(rp.start(rp.request(claims=claims)))["error"] == "invalid_request"


def test_a_login_that_needs_nothing_more_answers_the_module_at_once(rp, make):
    """The last step's answer is the module's redirect, not a detour through the resume."""
    make.user("romy")
    auth, response = rp.password_step("romy", state="etat-1")
    response = rp.enter_code(response.location)
    assert response.status_code == 302 and response.location.startswith(rp.info.redirect_uri)
    auth.result = query(response.location)
    assert auth.result["state"] == "etat-1" and auth.result["iss"]
    assert rp.exchange(auth).status_code == 200
    again = rp.start(rp.request(prompt="none"))  # the browser holds its new SSO session
    assert "code" in query(again.location)


def test_the_request_answered_at_login_cannot_be_resumed_again(rp, make):
    make.user("sacha")
    auth, response = rp.password_step("sacha")
    rp.enter_code(response.location)
    pending_id = query(auth.response.location)["request"]
    assert rp.client.get(f"/authorize/resume?request={pending_id}").status_code == 400


def test_a_login_with_a_page_to_show_goes_through_the_resume(rp, make):
    make.user("tess", charter_version=None)
    auth, response = rp.password_step("tess")
    response = rp.enter_code(response.location)
    assert response.status_code == 302 and "/authorize/resume" in response.location
    page = rp.client.get(response.location)
    assert page.status_code == 200 and "conditions" in page.get_data(as_text=True).lower()


def test_a_password_login_answering_the_module_reads_the_account_once(rp, make):
    """The login found the account may sign in: its answer to the module does not read it
    again (one query and one transaction less per login, bench/RESULTS.md)."""
    make.user("ugo")
    rp.sign_in("ugo")  # with the mailed code: this browser is remembered
    auth = rp.request(prompt="login")
    login_page = rp.start(auth).location
    form = {"username": "ugo", "password": PASSWORD}
    form["csrf_token"] = csrf_token(rp.client.get(login_page).get_data(as_text=True))
    reads: list[str] = []

    def read(_conn, _cursor, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM users" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", read)
    try:
        response = rp.client.post(login_page, data=form)
    finally:
        event.remove(db.engine, "before_cursor_execute", read)
    assert response.status_code == 302 and response.location.startswith(rp.info.redirect_uri)
    assert len(reads) == 1
    auth.result = query(response.location)
    assert rp.exchange(auth).status_code == 200
