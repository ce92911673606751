"""Security review, H1: a national identifier typed by a referent is not a credential; its
owner confirms it ("rattachement", password and second factor) or support approves it."""

from __future__ import annotations

import pytest

from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import User
from tests.factories import PASSWORD
from tests.functional.test_psc_login import SSO, link_page, post_link, sso_cookie
from tests.mailbox import text_of
from tests.psc import PscWalk

CARD = "810000000025"  # the stand-in's "cps" identity


@pytest.fixture
def settings_overrides(stand_in) -> dict:
    return stand_in.settings()


@pytest.fixture
def walk(client, stand_in) -> PscWalk:
    return PscWalk(client, stand_in)


@pytest.fixture
def typed(app, make):
    """A referent wrote the card's identifier on a professional of their establishment."""
    here = make.establishment()
    victim = make.user("victim", email="victim@ehpad.example", otp_required=False)
    make.habilitation(victim, make.profile(), here)
    referent = make.referent(here, "ref-here")
    admin = services_of(app).admin
    admin.update_account(admin.actor(referent), victim, {"national_id": CARD})
    return victim


def test_h1_a_typed_identifier_does_not_open_the_account(client, walk, typed, outbox):
    response = walk.login("cps")
    assert response.status_code == 302 and response.location.startswith("/psc/link")
    assert sso_cookie(client) is None
    assert "identifiant national" in text_of(outbox.latest("victim@ehpad.example"))


def test_h1_its_owner_confirms_it_with_password_and_second_factor(client, walk, typed, rp):
    page = link_page(walk)
    response = post_link(client, page, "victim", PASSWORD)
    # this account needs no code by policy, but binding an identity always asks one
    assert "/login/code" in response.location
    assert rp.enter_code(response.location).location == "/"
    db.session.expire_all()
    assert db.session.get(User, typed.id).national_id_verified
    client.delete_cookie(SSO)
    assert walk.login("cps").location == "/"  # from now on: straight in


def test_h1_support_approves_a_typed_identifier(app, client, walk, typed, make):
    admin = services_of(app).admin
    support = admin.actor(make.user("support", is_support=True))
    admin.update_account(support, typed, {"national_id": CARD})
    assert typed.national_id_verified
    assert walk.login("cps").location == "/"
