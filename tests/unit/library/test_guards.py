"""The library's refusals and checks, without a provider: what each answers and why."""

from __future__ import annotations

import time
from datetime import date

import pytest
from viatrajectoire_auth import (
    Identity,
    InsufficientScopeError,
    InsufficientUserAuthenticationError,
    InvalidRequestError,
    InvalidTokenError,
    MissingTokenError,
    ProviderUnavailableError,
    acr,
    bearer_token,
    require_acr,
    require_habilitation,
    require_scope,
)
from viatrajectoire_auth.signed import check_audience, check_times

HABILITATION = {
    "profile": "GA_MED_COORD",
    "profile_label": "Grand Age - Médecin Coordonnateur",
    "module": "GRAND_AGE",
    "rights": ["demandes.lire", "volet_medical.lire"],
    "establishment": {"finess": "070000011", "name": "EHPAD Bastide"},
    "unit": "Unité Alzheimer",
    "valid_from": "2026-01-01",
    "valid_to": None,
}


def identity(**claims) -> Identity:
    base = {
        "sub": "s1",
        "client_id": "module-ga",
        "scope": "openid habilitations",
        "acr": acr.PASSWORD,
        "amr": ["pwd"],
        "auth_time": int(time.time()) - 60,
        "habilitations": [HABILITATION],
    }
    return Identity.from_claims(base | claims)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc.def-_~+/==", "abc.def-_~+/=="),
        ("bearer   abc", "abc"),
        ("BEARER abc ", "abc"),
    ],
)
def test_bearer_token_reads_rfc_6750_credentials(header, expected):
    assert bearer_token(header) == expected


@pytest.mark.parametrize("header", [None, "", "   ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_no_bearer_credentials_is_a_bare_challenge(header):
    with pytest.raises(MissingTokenError) as caught:
        bearer_token(header)
    assert caught.value.status == 401 and caught.value.www_authenticate() == "Bearer"


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", 'Bearer "x"', "Bearer é", "Bearer a\tb"]
)
def test_malformed_bearer_credentials_are_invalid_requests(header):
    with pytest.raises(InvalidRequestError) as caught:
        bearer_token(header)
    assert caught.value.status == 400


def test_challenges_quote_their_values():
    error = InvalidTokenError('bad "token"')
    assert error.www_authenticate('realm "x"') == (
        'Bearer realm="realm \\"x\\"", error="invalid_token", error_description="bad \\"token\\""'
    )
    assert ProviderUnavailableError("down").www_authenticate() is None
    assert ProviderUnavailableError("down").status == 503


def test_habilitations_are_typed_and_matched():
    found = require_habilitation(identity(), module="GRAND_AGE", establishment="070000011")
    assert found.valid_from == date(2026, 1, 1) and found.valid_to is None
    assert found.rights == ("demandes.lire", "volet_medical.lire")
    assert require_habilitation(identity(), right="volet_medical.lire") == found
    for criteria in ({"module": "HANDICAP"}, {"establishment": "760000013"}, {"right": "x"}):
        with pytest.raises(InsufficientScopeError) as caught:
            require_habilitation(identity(), **criteria)
        assert caught.value.status == 403
        assert 'error="insufficient_scope"' in caught.value.www_authenticate()


def test_an_ended_habilitation_does_not_count_even_inside_a_live_token():
    ended = HABILITATION | {"valid_to": "2026-02-01"}
    person = identity(habilitations=[ended])
    assert person.habilitations_for(module="GRAND_AGE", on=date(2026, 1, 15))
    assert not person.habilitations_for(module="GRAND_AGE", on=date(2026, 3, 1))


@pytest.mark.parametrize(
    "habilitations",
    [[{"module": "GA"}], [HABILITATION | {"valid_from": "hier"}], "not a list", [None]],
)
def test_malformed_claims_are_an_invalid_token(habilitations):
    with pytest.raises(InvalidTokenError):
        identity(habilitations=habilitations)


def test_acr_levels_compare_and_challenge_per_rfc_9470():
    assert acr.satisfies(acr.PSC, [acr.EMAIL_OTP]) and not acr.satisfies(acr.PASSWORD, [acr.TOTP])
    assert not acr.satisfies("urn:other", [acr.PASSWORD]) and not acr.satisfies(None, [acr.PSC])
    require_acr(identity(acr=acr.TOTP), acr.EMAIL_OTP)
    with pytest.raises(InsufficientUserAuthenticationError) as caught:
        require_acr(identity(), [acr.EMAIL_OTP, acr.PSC])
    challenge = caught.value.www_authenticate()
    assert caught.value.status == 401
    assert 'error="insufficient_user_authentication"' in challenge
    assert f'acr_values="{acr.EMAIL_OTP} {acr.PSC}"' in challenge
    with pytest.raises(InsufficientUserAuthenticationError) as too_old:
        require_acr(identity(), acr.PASSWORD, max_age=30)
    assert 'max_age="30"' in too_old.value.www_authenticate()


def test_scopes_are_required_by_name():
    require_scope(identity(), "habilitations")
    with pytest.raises(InsufficientScopeError) as caught:
        require_scope(identity(), "openid", "psc")
    assert 'scope="openid psc"' in caught.value.www_authenticate()


def test_service_tokens_are_no_person():
    service = Identity.from_claims({"sub": "module-ga", "client_id": "module-ga", "scope": ""})
    assert service.is_service and service.habilitations == ()


def test_times_and_audience():
    now = 1_000_000
    check_times({"exp": now + 1, "iat": now}, 0, now)
    check_times({"exp": now - 20, "nbf": now + 20}, 30, now)  # both within the leeway
    for claims in ({"exp": now - 31}, {"exp": "soon"}, {}, {"exp": now + 60, "nbf": now + 31}):
        with pytest.raises(InvalidTokenError):
            check_times(claims, 30, now)
    check_audience({"aud": ["a", "b"]}, ["b"])
    for aud in ("c", ["c"], None, 3):
        with pytest.raises(InvalidTokenError):
            check_audience({"aud": aud}, ["a", "b"])


def test_the_librarys_levels_are_the_providers():
    """Modules compare levels with the library: it must know every level the provider gives,
    in the provider's order."""
    from viatrajectoire_auth import acr

    from idp.authn.context import ACR_LEVELS

    assert acr.LEVELS == ACR_LEVELS
    assert acr.satisfies(acr.PASSKEY_PSC, [acr.PASSKEY]) and not acr.satisfies(
        acr.TOTP, [acr.PASSKEY]
    )
