"""Security review, H1 (a referent acts only within their own rights) and L6 (the admin API
does not tell a foreign account from a missing one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from idp.accounts.administration import PermissionDeniedError
from idp.errors import NotFoundError
from idp.storage import db
from idp.storage.models import AuditEvent
from tests.mailbox import text_of
from tests.rp import csrf_token


@pytest.fixture
def world(make):
    """Two establishments with a referent each, and accounts of several shapes."""
    here, there = make.establishment("EHPAD Ici"), make.establishment("CH Là-bas", "CH")
    profile = make.profile("GA_DIR")
    local, both, former = make.user("local"), make.user("both"), make.user("former")
    make.habilitation(local, profile, here)
    make.habilitation(both, profile, here)
    make.habilitation(both, profile, there)  # wider rights than a referent of "here"
    gone = make.habilitation(former, profile, here)
    gone.ended_at = datetime.now(UTC)  # held a habilitation here once
    make.habilitation(former, profile, there)
    db.session.commit()
    return {
        "here": here,
        "there": there,
        "profile": profile,
        "local": local,
        "both": both,
        "former": former,
        "referent": make.referent(here, "ref-here"),
        "colleague": make.referent(here, "ref-here-2"),
        "other_referent": make.referent(there, "ref-there"),
        "support": make.user("support", is_support=True),
    }


def refusals():
    return [
        e.details.get("reason")
        for e in db.session.query(AuditEvent).filter_by(action="admin.refused")
    ]


def test_h1_no_email_change_on_an_account_with_wider_rights(admin, world):
    actor = admin.actor(world["referent"])
    with pytest.raises(PermissionDeniedError) as refused:
        admin.update_account(actor, world["both"], {"email": "attacker@evil.example"})
    assert refused.value.reason == "not_referent_of_account"
    assert world["both"].email != "attacker@evil.example" and world["both"].pending_email is None
    assert "not_referent_of_account" in refusals()


@pytest.mark.parametrize("target", ["colleague", "other_referent", "support"])
def test_h1_referents_and_support_are_supports_to_change(admin, world, target):
    actor = admin.actor(world["referent"])
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        admin.set_blocked(actor, admin.account(actor, world[target].id), True)
    assert world[target].blocked_until is None


def test_h1_a_past_habilitation_or_having_created_the_account_gives_no_right(admin, world):
    actor = admin.actor(world["referent"])
    world["former"].created_by = "ref-here"
    db.session.commit()
    with pytest.raises(NotFoundError):
        admin.account(actor, world["former"].id)
    found, _ = admin.search(actor)
    assert world["former"] not in found and world["local"] in found


def test_h1_a_former_referent_manages_nothing(admin, world):
    from idp.accounts import habilitations

    own = habilitations.of_user(db.session, world["referent"])[0]
    own.ended_at = datetime.now(UTC)
    db.session.commit()
    actor = admin.actor(world["referent"])
    with pytest.raises(PermissionDeniedError):
        admin.account(actor, world["local"].id)


def test_h1_email_change_asks_confirmation_and_never_sets_a_password(admin, world, client, outbox):
    local = world["local"]
    password_before = local.password_hash
    admin.update_account(admin.actor(world["referent"]), local, {"email": "new@ehpad.example"})
    assert local.email != "new@ehpad.example" and local.pending_email == "new@ehpad.example"
    confirm = text_of(outbox.latest("new@ehpad.example"))
    assert "/password/reset/" not in confirm
    link = next(w for w in confirm.split() if "/account/email/confirm/" in w)
    assert "nouvelle adresse" in text_of(outbox.latest(local.email))  # the old one is told
    path = link.replace("http://127.0.0.1:5000", "")
    page = client.get(path)
    assert page.status_code == 200 and "password" not in page.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert done.status_code == 200
    db.session.expire_all()
    assert local.email == "new@ehpad.example" and local.email_verified
    assert local.pending_email is None and local.password_hash == password_before
    assert client.post(path, data={}).status_code == 400  # used once


def api_token(client, make, username):
    from tests.functional.test_admin_api import ADMIN_SCOPES
    from tests.rp import RelyingParty

    portal = RelyingParty(client, make.client(client_id="regional-portal", scope=ADMIN_SCOPES))
    return portal.sign_in(username, scope="openid admin")["access_token"]


def test_h1_refusals_through_the_api_are_403_with_the_reason(client, world, make):
    from tests.functional.test_admin_api import call

    token = api_token(client, make, "ref-here")
    response = call(client, "PATCH", "/accounts/both", token, json={"email": "x@evil.example"})
    assert response.status_code == 403
    assert response.get_json()["error_description"] == "not_referent_of_account"


def test_l6_foreign_and_missing_accounts_answer_alike(client, world, make):
    from tests.functional.test_admin_api import call

    token = api_token(client, make, "ref-here")
    foreign = call(client, "GET", "/accounts/ref-there", token)
    missing = call(client, "GET", "/accounts/nobody-here", token)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()


# --- review 3, N1: a habilitation that starts later already counts -----------------------------


@pytest.fixture
def joining(world, make):
    """An account of "here" that holds, from next month, a habilitation at "there"."""
    newcomer = make.user("newcomer")
    make.habilitation(newcomer, world["profile"], world["here"])
    make.habilitation(newcomer, world["profile"], world["there"], started_days_ago=-30)
    return newcomer


def test_n1_a_future_habilitation_elsewhere_takes_the_account_out_of_a_referents_hands(
    admin, world, joining, outbox
):
    actor = admin.actor(world["referent"])
    assert admin.account(actor, joining.id) is joining  # still seen: it belongs here too
    with pytest.raises(PermissionDeniedError) as refused:
        admin.update_account(actor, joining, {"email": "attacker@evil.example"})
    assert refused.value.reason == "not_referent_of_account"
    with pytest.raises(PermissionDeniedError):
        admin.set_blocked(actor, joining, True)
    assert joining.pending_email is None and joining.blocked_until is None
    assert not [m for m in outbox.all() if "attacker@evil.example" in str(m["To"])]


def test_n1_the_referent_of_the_future_place_sees_the_account_without_managing_it(
    admin, world, joining
):
    actor = admin.actor(world["other_referent"])
    found, _ = admin.search(actor)
    assert joining in found
    with pytest.raises(PermissionDeniedError):
        admin.update_account(actor, joining, {"phone": "01 02 03 04 05"})


def test_n1_a_future_referent_habilitation_makes_the_account_supports_to_change(admin, world, make):
    future_referent = make.user("future-referent")
    make.habilitation(future_referent, world["profile"], world["here"])
    make.habilitation(future_referent, make.referent_profile(), world["here"], started_days_ago=-30)
    with pytest.raises(PermissionDeniedError) as refused:
        admin.update_account(
            admin.actor(world["referent"]), future_referent, {"email": "x@evil.example"}
        )
    assert refused.value.reason == "target_is_referent"
    admin.update_account(admin.actor(world["support"]), future_referent, {"phone": "0102030405"})


def test_n1_a_habilitation_over_or_ended_elsewhere_still_gives_no_right_there(admin, world, make):
    moved = make.user("moved")
    make.habilitation(moved, world["profile"], world["here"])
    make.habilitation(moved, world["profile"], world["there"], days_left=-1, started_days_ago=40)
    ended = make.habilitation(moved, world["profile"], world["there"], started_days_ago=-30)
    ended.ended_at = datetime.now(UTC)
    db.session.commit()
    admin.update_account(admin.actor(world["referent"]), moved, {"phone": "01 02 03 04 05"})
    assert moved.phone == "01 02 03 04 05"


def test_l6_again_another_places_habilitation_answers_as_a_missing_one(client, world, make):
    """Review 3: DELETE of a habilitation of an account the référent does not see is a 404,
    the same answer as for an id that does not exist."""
    from idp.accounts import habilitations
    from tests.functional.test_admin_api import call

    token = api_token(client, make, "ref-here")
    foreign = habilitations.of_user(db.session, world["other_referent"])[0]
    elsewhere = call(client, "DELETE", f"/habilitations/{foreign.id}", token)
    missing = call(client, "DELETE", "/habilitations/999999", token)
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.get_json() == missing.get_json()
    db.session.refresh(foreign)
    assert foreign.ended_at is None
