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


# --- review 3, N8: only verified links block ------------------------------------------------
@pytest.fixture
def referent_world(app, make):
    here = make.establishment()
    referent = make.referent(here, "ref-n8")
    managed = make.user("managed-n8")
    make.habilitation(managed, make.profile(), here)
    return services_of(app).admin, referent, managed


def test_n8_a_referent_learns_nothing_of_an_identifier_verified_elsewhere(
    client, make, referent_world, walk
):
    from tests.functional.security.test_referents import api_token
    from tests.functional.test_admin_api import call

    admin, referent, managed = referent_world
    owner = make.user("owner-n8", national_id=CARD)  # verified: its owner bound it
    token = api_token(client, make, "ref-n8")
    answer = call(client, "PATCH", "/accounts/managed-n8", token, json={"national_id": CARD})
    assert answer.status_code == 200  # as for any identifier: no 409 telling it exists
    db.session.expire_all()
    assert db.session.get(User, owner.id).national_id_verified
    assert walk.login("cps").location == "/"  # the card still opens its owner's account
    assert (
        services_of(client.application).security.signed_in_user(sso_cookie(client).value).id
        == owner.id
    )


def test_n8_an_identifier_typed_on_another_account_never_stops_its_owners_link(
    client, make, referent_world, walk, rp
):
    admin, referent, managed = referent_world
    admin.update_account(admin.actor(referent), managed, {"national_id": CARD})  # reserved
    owner = make.user("owner-n8b")
    page = link_page(walk)
    response = post_link(client, page, "owner-n8b", PASSWORD)
    assert rp.enter_code(response.location).location == "/"
    db.session.expire_all()
    linked = db.session.get(User, owner.id)
    assert linked.national_id == CARD and linked.national_id_verified
    assert db.session.get(User, managed.id).national_id is None  # taken from the typed one


def test_n8_a_typed_identifier_on_the_owners_own_account_gives_way_to_the_real_one(
    client, make, walk, rp
):
    owner = make.user("owner-n8c")
    owner.national_id, owner.national_id_verified = "899999999999", False  # a référent's typo
    db.session.commit()
    page = link_page(walk)
    response = post_link(client, page, "owner-n8c", PASSWORD)
    assert rp.enter_code(response.location).location == "/"
    db.session.expire_all()
    assert db.session.get(User, owner.id).national_id == CARD


def test_n8_support_is_told_of_an_identifier_verified_elsewhere(app, make):
    from idp.accounts.national_ids import AlreadyLinkedError

    make.user("owner-n8d", national_id=CARD)
    target = make.user("other-n8d")
    admin = services_of(app).admin
    with pytest.raises(AlreadyLinkedError):
        admin.update_account(admin.actor(make.user("support-n8", is_support=True)), target,
                             {"national_id": CARD})  # fmt: skip
