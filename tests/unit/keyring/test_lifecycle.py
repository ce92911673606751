"""Every key state transition and every refusal (issue 4)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from sqlalchemy.exc import IntegrityError

from idp import create_app
from idp.errors import ConfigurationError
from idp.keyring import Keyring, KeyringError
from idp.keyring.lifecycle import RotationRefusedError
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent, SigningKey
from tests.conftest import make_settings


def lifecycle(app):
    return services_of(app).keys


def keyring(app):
    return services_of(app).keyring


def age(kid: str, seconds: int) -> None:
    """Pretend a key was created ``seconds`` ago (instead of waiting a JWKS lifetime)."""
    row = db.session.get(SigningKey, kid)
    row.created_at = datetime.now(UTC) - timedelta(seconds=seconds)
    db.session.commit()


def published_kids(app) -> set[str]:
    keyring(app).reload()
    return {k["kid"] for k in keyring(app).public_jwks()["keys"]}


def test_generated_key_is_published_but_does_not_sign(app):
    active = keyring(app).signing_key("RS256").kid
    upcoming = lifecycle(app).generate("RS256", "operator")
    assert upcoming.state == "next" and upcoming.kid in published_kids(app)
    assert keyring(app).signing_key("RS256").kid == active


def test_rotate_refused_without_next_key(app):
    with pytest.raises(RotationRefusedError, match="no next RS256 key"):
        lifecycle(app).rotate("operator", alg="RS256")


def test_rotate_refused_while_next_key_is_younger_than_jwks_cache(app):
    lifecycle(app).generate("RS256", "operator")
    with pytest.raises(RotationRefusedError, match="published for"):
        lifecycle(app).rotate("operator", alg="RS256")


def test_rotation_moves_every_state_and_is_audited(app):
    old = keyring(app).signing_key("RS256").kid
    upcoming = lifecycle(app).generate("RS256", "operator")
    age(upcoming.kid, 3600)
    assert lifecycle(app).rotate("operator", alg="RS256") == [upcoming.kid]
    states = {r.kid: r.state for r in lifecycle(app).all_keys()}
    assert states[old] == "retired" and states[upcoming.kid] == "active"
    assert sorted(states.values()).count("next") == 1
    assert keyring(app).signing_key("RS256").kid == upcoming.kid
    retired = db.session.get(SigningKey, old)
    assert retired.unpublish_at > datetime.now(UTC) and old in published_kids(app)
    assert db.session.query(AuditEvent).filter_by(action="key.rotated", actor="operator").count()


def test_retired_key_verifies_old_tokens_then_disappears(app):
    signer = keyring(app).signing_key("RS256")
    token = jwt.encode({"alg": "RS256", "kid": signer.kid}, {"x": 1}, signer)
    upcoming = lifecycle(app).generate("RS256", "operator")
    age(upcoming.kid, 3600)
    lifecycle(app).rotate("operator", alg="RS256")
    keyring(app).reload()
    assert jwt.decode(token, keyring(app).public_keyset()).claims == {"x": 1}
    retired = db.session.get(SigningKey, signer.kid)
    retired.unpublish_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert signer.kid not in published_kids(app)


def test_rotate_if_due_only_acts_on_old_keys(app):
    upcoming = lifecycle(app).generate("RS256", "operator")
    age(upcoming.kid, 3600)
    assert lifecycle(app).rotate("operator", if_due=True) == []
    active = db.session.query(SigningKey).filter_by(state="active", alg="RS256").one()
    active.activated_at = datetime.now(UTC) - timedelta(days=91)
    db.session.commit()
    assert lifecycle(app).rotate("operator", if_due=True) == [upcoming.kid]


def test_retire_next_withdraws_it_and_retire_active_rotates(app):
    withdrawn = lifecycle(app).generate("RS256", "operator")
    lifecycle(app).retire(withdrawn.kid, "operator")
    assert withdrawn.kid not in published_kids(app)
    with pytest.raises(KeyringError, match="only next or active"):
        lifecycle(app).retire(withdrawn.kid, "operator")
    upcoming = lifecycle(app).generate("RS256", "operator")
    age(upcoming.kid, 3600)
    lifecycle(app).retire(keyring(app).signing_key("RS256").kid, "operator")
    assert keyring(app).signing_key("RS256").kid == upcoming.kid


def test_revoke_only_signing_key_is_refused(app):
    kid = keyring(app).signing_key("RS256").kid
    with pytest.raises(KeyringError, match="only RS256 key"):
        lifecycle(app).revoke(kid, "compromised", "operator")


def test_revoke_needs_a_reason_and_unknown_key_is_refused(app):
    with pytest.raises(KeyringError, match="why"):
        lifecycle(app).revoke(keyring(app).signing_key("RS256").kid, " ", "operator")
    with pytest.raises(KeyringError, match="no key"):
        lifecycle(app).revoke("nope", "x", "operator")


def test_revoked_key_tokens_fail_at_once_and_leave_jwks(app, rp, make):
    make.user("kira")
    tokens = rp.sign_in("kira")
    assert rp.introspect(tokens["access_token"])["active"] is True
    alg = services_of(app).settings.signing_alg  # the access tokens' key
    lifecycle(app).generate(alg, "operator")
    old = keyring(app).signing_key(alg).kid
    lifecycle(app).revoke(old, "private key leaked", "operator")
    assert rp.introspect(tokens["access_token"]) == {"active": False}
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert old not in published_kids(app)
    assert keyring(app).signing_key(alg).kid != old  # the next key took over at once
    fresh = rp.sign_in("kira")
    assert rp.introspect(fresh["access_token"])["active"] is True


def test_tampered_ciphertext_is_refused(app):
    row = db.session.query(SigningKey).filter_by(state="active", alg="RS256").one()
    original = row.private_jwk_encrypted
    row.private_jwk_encrypted = original[:-1] + bytes([original[-1] ^ 1])
    db.session.commit()
    try:
        with pytest.raises(ConfigurationError):
            keyring(app).verify_kek()
    finally:
        row.private_jwk_encrypted = original
        db.session.commit()


def test_wrong_kek_is_refused(app):
    with pytest.raises(ConfigurationError, match="wrong KEK"):
        Keyring(lambda: db.session, b"w" * 32, 30).verify_kek()


def test_rewrap_moves_keys_to_a_new_kek(app):
    new_kek = b"n" * 32
    old_kek = keyring(app).kek
    count = lifecycle(app).rewrap(new_kek, "operator")
    try:
        assert count >= 1
        Keyring(lambda: db.session, new_kek, 30).verify_kek()
        with pytest.raises(ConfigurationError):
            Keyring(lambda: db.session, old_kek, 30).verify_kek()
    finally:
        lifecycle(app).rewrap(old_kek, "operator")


def test_database_refuses_two_active_keys_for_one_algorithm(app):
    keyring(app).generate("RS256", state="active")
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_instances_rotating_at_once_leave_one_active_key(app, migrated):
    upcoming = lifecycle(app).generate("RS256", "operator")
    age(upcoming.kid, 3600)
    results = []
    # built before the race: parallel Flask app creation trips CPython gh-106905 (ast.parse)
    instances = [create_app(make_settings(migrated)) for _ in range(2)]

    def rotate_from_another_instance(other):
        with other.app_context():
            try:
                results.append(services_of(other).keys.rotate("instance", alg="RS256"))
            except KeyringError as exc:
                results.append(exc)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [
        threading.Thread(target=rotate_from_another_instance, args=(other,)) for other in instances
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert db.session.query(SigningKey).filter_by(alg="RS256", state="active").count() == 1
    assert sum(isinstance(r, list) for r in results) >= 1


@pytest.mark.parametrize("alg", ["PS256", "ES256", "EdDSA"])
def test_each_algorithm_signs_id_tokens_for_clients_that_choose_it(app, client, make, alg):
    from tests.functional.test_code_flow import verify  # noqa: F401
    from tests.rp import RelyingParty

    upcoming = lifecycle(app).generate(alg, "operator")
    lifecycle(app).rotate("operator", alg=alg, force=True)
    assert (
        alg
        in client.get("/.well-known/openid-configuration").get_json()[
            "id_token_signing_alg_values_supported"
        ]
    )
    info = make.client(client_id=f"alg-{alg.lower()}")
    from idp.oidc.clients import get_client

    get_client(db.session, info.client_id).id_token_signed_response_alg = alg
    db.session.commit()
    make.user(f"user-{alg.lower()}")
    tokens = RelyingParty(client, info).sign_in(f"user-{alg.lower()}")
    from joserfc.jwk import KeySet

    header = jwt.decode(
        tokens["id_token"],
        KeySet.import_key_set(client.get("/jwks.json").get_json()),
        algorithms=[alg],
    ).header
    assert header["alg"] == alg and header["kid"] == upcoming.kid
