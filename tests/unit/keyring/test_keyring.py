"""The keyring: the active key signs (kid set), public keys publish, private parts encrypted."""

from __future__ import annotations

import json

import pytest
from joserfc import jwt

from idp.errors import ConfigurationError
from idp.keyring import Keyring, KeyringError
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import SigningKey


def test_active_key_signs_with_kid_and_verifies_with_published_set(app):
    keyring = services_of(app).keyring
    key = keyring.signing_key("RS256")
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, {"x": 1}, key)
    assert jwt.decode(token, keyring.public_keyset()).claims == {"x": 1}


def test_private_parts_are_encrypted_at_rest_and_never_published(app):
    keyring = services_of(app).keyring
    row = db.session.query(SigningKey).filter_by(state="active").first()
    private = keyring.signing_key("RS256").as_dict(private=True)
    assert private["d"].encode() not in row.private_jwk_encrypted
    published = keyring.public_jwks()["keys"]
    assert all(not {"d", "p", "q", "dp", "dq", "qi"} & set(key) for key in published)
    assert private["d"] not in json.dumps(published)


def test_wrong_kek_is_a_start_up_error(app):
    wrong = Keyring(lambda: db.session, b"w" * 32, cache_seconds=30)
    with pytest.raises(ConfigurationError, match="wrong KEK"):
        wrong.verify_kek()


def test_missing_algorithm_is_a_clear_error(app):
    with pytest.raises(KeyringError, match="EdDSA"):
        services_of(app).keyring.signing_key("EdDSA")


def test_next_key_is_published_but_does_not_sign(app):
    keyring = services_of(app).keyring
    active_kid = keyring.signing_key("RS256").kid
    upcoming = keyring.generate("RS256", state="next")
    db.session.commit()
    keyring.verify_kek()  # reload now instead of waiting for the cache
    kids = [k["kid"] for k in keyring.public_jwks()["keys"]]
    assert upcoming.kid in kids and active_kid in kids
    assert keyring.signing_key("RS256").kid == active_kid
