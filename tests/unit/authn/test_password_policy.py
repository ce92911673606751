"""NIST SP 800-63B password rules."""

from __future__ import annotations

import pytest

from idp.authn.password_policy import WeakPasswordError, check_new_password


@pytest.mark.parametrize(
    "password",
    [
        "vert pomme escalier nuage",
        "Le chat de Mme Michu mange des crêpes à 4h",
        "x7$Lq!2vR#9zWm",
        "un très long mot de passe " * 30,
    ],
)
def test_good_passwords_pass(password):
    check_new_password(password, "jdupont", ["jeanne.dupont@ch.fr", "Jeanne", "Dupont"])


@pytest.mark.parametrize(
    "password,reason",
    [
        ("short", "too_short"),
        ("x" * 1025, "too_long"),
        ("motdepasse-jdupont-2026", "contains_username"),
        ("password1234", "guessable"),
        ("azertyuiop12", "guessable"),
        ("soleil123456", "guessable"),
    ],
)
def test_weak_passwords_are_refused(password, reason):
    with pytest.raises(WeakPasswordError) as error:
        check_new_password(password, "jdupont", ["jeanne.dupont@ch.fr", "Jeanne", "Dupont"])
    assert error.value.reason == reason
