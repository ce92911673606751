"""Linking PSC identities to accounts on the national identifier only."""

from __future__ import annotations

import pytest

from idp.accounts import national_ids
from idp.authn.psc.claims import parse
from idp.storage import db
from idp.storage.models import AuditEvent


def identity(national_id="810000000017", other_ids=()):
    return parse(
        {"acr": "eidas2", "authMode": "CARD"},
        {
            "SubjectNameID": national_id,
            "otherIds": [{"identifiant": i, "origine": "ADELI"} for i in other_ids],
        },
    )


def find(found_identity):
    return national_ids.find_account(
        db.session, found_identity.national_id, found_identity.linkable_ids()
    )


def test_recorded_identifier_finds_the_account(make):
    user = make.user("dr-a", national_id="810000000017")
    assert find(identity()) == user


def test_unknown_identity_finds_nothing(make):
    make.user("dr-b")
    assert find(identity("810000000099")) is None


def test_adeli_account_moves_to_rpps(make):
    user = make.user("dr-c", national_id="0751234567")
    found = find(identity("810000000017", ["0751234567"]))
    assert found == user and user.national_id == "810000000017"
    db.session.commit()
    event = db.session.query(AuditEvent).filter_by(action="user.psc_link").one()
    assert event.actor == "system" and "0751234567" in event.details["description"]


def test_link_is_refused_when_identifier_belongs_to_another_account(make):
    make.user("dr-d", national_id="810000000017")
    other = make.user("dr-e")
    with pytest.raises(national_ids.AlreadyLinkedError):
        national_ids.link(db.session, other, "810000000017", "dr-e", verified=True)
    assert other.national_id is None


def test_link_and_unlink_are_audited(make):
    user = make.user("dr-f")
    national_ids.link(db.session, user, "810000000017", "dr-f", verified=True)
    national_ids.unlink(db.session, user, "referent")
    db.session.commit()
    actions = [
        (e.actor, e.details["description"])
        for e in db.session.query(AuditEvent)
        .filter_by(action="user.psc_link")
        .order_by(AuditEvent.id)
    ]
    assert actions == [
        ("dr-f", "Rattachement Pro Santé Connect (identifiant national)"),
        ("referent", "Détachement Pro Santé Connect"),
    ]
    assert user.national_id is None
