"""The level table (authn.context) and what a passkey, a module's minimum and the provider's
configuration make of it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from idp.authn.context import (
    ACR_EMAIL_OTP,
    ACR_LEVELS,
    ACR_PASSKEY,
    ACR_PASSKEY_PSC,
    ACR_PASSWORD,
    ACR_PSC,
    ACR_TOTP,
    RIE_CATEGORY,
)
from idp.authn.passkeys import passkey_level
from idp.oidc.acr import deliverable, meets
from idp.oidc.authorization import with_minimum


def test_levels_go_from_the_password_to_pro_sante_connect():
    order = [ACR_PASSWORD, ACR_EMAIL_OTP, ACR_TOTP, ACR_PASSKEY, ACR_PASSKEY_PSC, ACR_PSC]
    assert sorted(ACR_LEVELS, key=ACR_LEVELS.__getitem__) == order
    assert set(RIE_CATEGORY) == set(ACR_LEVELS)  # each has its référentiel's category


@pytest.mark.parametrize(
    ("achieved", "asked", "met"),
    [
        (ACR_PASSKEY, [ACR_TOTP], True),
        (ACR_TOTP, [ACR_PASSKEY], False),
        (ACR_PASSKEY, [ACR_PASSKEY_PSC], False),  # activated locally is not through e-CPS
        (ACR_PASSKEY_PSC, [ACR_PASSKEY], True),
        (ACR_PASSKEY_PSC, [ACR_PSC], False),  # an ANS means asked: PSC itself
        (ACR_PSC, [ACR_PASSKEY_PSC], True),
    ],
)
def test_what_satisfies_what(achieved, asked, met):
    assert meets(achieved, asked) is met


def passkey(**fields):
    return SimpleNamespace(**{"activated_with": ACR_EMAIL_OTP, "backup_eligible": False, **fields})


def test_a_passkey_proves_the_level_of_its_activation():
    assert passkey_level(passkey(), True).acr == ACR_PASSKEY
    assert passkey_level(passkey(activated_with=ACR_PSC), True).acr == ACR_PASSKEY_PSC


def test_synced_and_device_bound_sit_at_one_level_and_differ_in_amr():
    bound, synced = (
        passkey_level(passkey(), True),
        passkey_level(passkey(backup_eligible=True), True),
    )
    assert bound.acr == synced.acr
    assert bound.amr == ["hwk", "user", "mfa"] and synced.amr == ["swk", "user", "mfa"]


def test_without_user_verification_there_is_no_mfa():
    assert passkey_level(passkey(), False).amr == ["hwk", "user"]


@pytest.mark.parametrize(
    ("asked", "minimum", "wanted"),
    [
        ([], None, []),
        ([], ACR_PASSKEY, [ACR_PASSKEY]),
        ([ACR_EMAIL_OTP], ACR_PASSKEY, [ACR_PASSKEY]),
        ([ACR_PSC], ACR_PASSKEY, [ACR_PSC]),  # asking more than the minimum is kept
        ([ACR_EMAIL_OTP, ACR_PSC], ACR_PASSKEY, [ACR_PSC]),
    ],
)
def test_a_modules_minimum_raises_what_it_asks_never_lowers_it(asked, minimum, wanted):
    assert with_minimum(asked, minimum) == wanted


def test_what_the_configuration_can_deliver():
    ip = SimpleNamespace(psc_enabled=True, passkey_rp_id=None)
    named = SimpleNamespace(psc_enabled=False, passkey_rp_id="viatrajectoire.fr")
    assert not deliverable(ip, ACR_PASSKEY) and deliverable(ip, ACR_PSC)
    assert deliverable(named, ACR_PASSKEY) and not deliverable(named, ACR_PASSKEY_PSC)
    assert not deliverable(named, ACR_PSC) and deliverable(named, ACR_TOTP)
