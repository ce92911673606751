"""The small named checks of the authorization endpoint."""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc6749 import InvalidRequestError

from idp.oidc import acr
from idp.oidc.authorization import (
    UnmetAuthenticationRequirementsError,
    parse_acr_values,
    parse_max_age,
    parse_prompt,
)


@pytest.mark.parametrize(
    "value,expected",
    [(None, set()), ("", set()), ("login", {"login"}), ("login consent", {"login", "consent"})],
)
def test_parse_prompt(value, expected):
    assert parse_prompt(value) == expected


@pytest.mark.parametrize("value", ["none login", "select_account", "bogus"])
def test_parse_prompt_refuses(value):
    with pytest.raises(InvalidRequestError):
        parse_prompt(value)


def test_parse_max_age():
    assert parse_max_age(None) is None and parse_max_age("0") == 0 and parse_max_age("60") == 60
    for bad in ("-1", "1.5", "x", "9" * 11):
        with pytest.raises(InvalidRequestError):
            parse_max_age(bad)


def test_parse_acr_values_keeps_known_and_refuses_only_unknown():
    assert parse_acr_values(f"urn:unknown {acr.ACR_PASSWORD}") == [acr.ACR_PASSWORD]
    with pytest.raises(UnmetAuthenticationRequirementsError):
        parse_acr_values("urn:unknown")


def test_acr_meets():
    assert acr.meets(acr.ACR_PASSWORD, [])
    assert acr.meets(acr.ACR_PASSWORD, [acr.ACR_PASSWORD])
    assert not acr.meets("", [acr.ACR_PASSWORD])
