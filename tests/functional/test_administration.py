"""Who may do what with accounts and habilitations (enforced in the domain layer)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from idp.accounts.administration import NewHabilitation, PermissionDeniedError, understaffed
from idp.errors import NotFoundError
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent
from tests.mailbox import text_of


@pytest.fixture
def admin(app):
    return services_of(app).admin


@pytest.fixture
def world(make):
    """Two establishments, each with its own referent, and a professional at each."""
    here, there = make.establishment("EHPAD Ici"), make.establishment("CH Là-bas", "CH")
    profile = make.profile("GA_DIR")
    local, foreign = make.user("local"), make.user("foreign")
    make.habilitation(local, profile, here)
    make.habilitation(foreign, profile, there)
    return {
        "here": here,
        "there": there,
        "profile": profile,
        "local": local,
        "foreign": foreign,
        "referent": make.referent(here, "ref-here"),
        "other_referent": make.referent(there, "ref-there"),
    }


def history(user):
    return [
        e.details.get("description")
        for e in db.session.query(AuditEvent)
        .filter_by(target=f"user:{user.subject}")
        .order_by(AuditEvent.id)
    ]


def test_referent_sees_and_manages_only_their_establishments_accounts(admin, world):
    actor = admin.actor(world["referent"])
    found, total = admin.search(actor)
    assert world["local"] in found and world["foreign"] not in found
    admin.update_account(actor, world["local"], {"phone": "01 02 03 04 05"})
    with pytest.raises(PermissionDeniedError):
        admin.update_account(actor, world["foreign"], {"phone": "06"})
    with pytest.raises(NotFoundError):  # answered as a missing account
        admin.account(actor, world["foreign"].id)
    with pytest.raises(NotFoundError):
        admin.history(actor, world["foreign"])


def test_referent_cannot_give_habilitations_elsewhere(admin, world):
    actor = admin.actor(world["referent"])
    elsewhere = NewHabilitation(world["profile"].id, world["there"].id)
    with pytest.raises(PermissionDeniedError) as refused:
        admin.add_habilitation(actor, world["local"], elsewhere)
    assert refused.value.reason == "not_referent_here"


def test_only_support_names_referents(admin, world, make):
    referent_profile = make.referent_profile()
    naming = NewHabilitation(referent_profile.id, world["here"].id)
    with pytest.raises(PermissionDeniedError) as refused:
        admin.add_habilitation(admin.actor(world["referent"]), world["local"], naming)
    assert refused.value.reason == "not_support"
    support = make.user("support", is_support=True)
    admin.add_habilitation(admin.actor(support), world["local"], naming)
    assert world["here"].id in admin.actor(world["local"]).referent_of


def test_support_manages_everything(admin, world, make):
    support = admin.actor(make.user("national", is_support=True))
    found, total = admin.search(support)
    assert {world["local"], world["foreign"]} <= set(found)
    admin.set_blocked(support, world["foreign"], True)
    assert history(world["foreign"])[-1] == "Blocage du compte"


def test_professional_without_referent_role_cannot_administer(admin, world):
    with pytest.raises(PermissionDeniedError):
        admin.search(admin.actor(world["local"]))


def test_create_account_with_first_habilitation_and_welcome_mail(admin, world, outbox):
    actor = admin.actor(world["referent"])
    user = admin.create_account(
        actor,
        {
            "username": "nouvelle",
            "email": "n@ehpad.example",
            "family_name": "Nouvelle",
            "given_name": "Infirmière",
            "profession": "Infirmier",
        },
        NewHabilitation(world["profile"].id, world["here"].id),
        True,
    )
    assert user.password_hash is None and user.created_by == "ref-here"
    mail = outbox.latest("n@ehpad.example")
    assert "nouvelle" in mail.get_body(("plain",)).get_content()
    assert "/password/reset/" in mail.get_body(("plain",)).get_content()
    assert history(user)[0] == "Création du compte" or "user.created" in [
        e.action for e in db.session.query(AuditEvent).filter_by(target=f"user:{user.subject}")
    ]


def test_create_account_elsewhere_is_refused_and_leaves_nothing(admin, world):
    from idp.accounts import users

    actor = admin.actor(world["referent"])
    with pytest.raises(PermissionDeniedError):
        admin.create_account(
            actor,
            {"username": "intrus", "email": "i@x.example", "family_name": "Intrus"},
            NewHabilitation(world["profile"].id, world["there"].id),
            False,
        )
    assert users.get_by_username(db.session, "intrus") is None


def test_deactivation_ends_access_and_adding_habilitation_reactivates(admin, world, rp, make):
    actor = admin.actor(world["referent"])
    tokens = rp.sign_in("local")
    admin.set_active(actor, world["local"], False)
    assert rp.introspect(tokens["access_token"])["active"] is False
    assert rp.refresh(tokens["refresh_token"]).status_code == 400
    admin.add_habilitation(
        actor, world["local"], NewHabilitation(world["profile"].id, world["here"].id)
    )
    assert world["local"].is_active
    assert history(world["local"])[-1] == (
        "MAJ de l'utilisateur, Réactivation du compte par ajout d'habilitation."
    )


def test_ending_last_habilitation_stops_refresh_and_introspection(admin, world, rp):
    from idp.accounts import habilitations

    tokens = rp.sign_in("local")
    assert rp.introspect(tokens["access_token"])["active"] is True  # now in the holder cache
    only = habilitations.of_user(db.session, world["local"])[0]
    admin.end_habilitation(admin.actor(world["referent"]), only.id)
    assert only.ended_at is not None and only.ended_by == "ref-here"
    assert rp.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert rp.introspect(tokens["access_token"])["active"] is False
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_referent_cannot_end_habilitation_elsewhere(admin, world):
    from idp.accounts import habilitations

    theirs = habilitations.of_user(db.session, world["foreign"])[0]
    with pytest.raises(NotFoundError):  # an account not seen: as a missing habilitation
        admin.end_habilitation(admin.actor(world["referent"]), theirs.id)
    assert theirs.ended_at is None


def test_username_never_changes_and_email_change_needs_revalidation(admin, world, outbox):
    actor = admin.actor(world["referent"])
    changed = admin.update_account(
        actor, world["local"], {"username": "hack", "email": "new@ehpad.example"}
    )
    assert changed == ["email"] and world["local"].username == "local"
    # the address waits for its owner: codes still go to the confirmed one
    assert world["local"].pending_email == "new@ehpad.example"
    assert world["local"].email != "new@ehpad.example" and world["local"].email_verified
    assert "/account/email/confirm/" in text_of(outbox.latest("new@ehpad.example"))


def test_warn_when_fewer_than_two_referents(world, make):
    short = {place.name for place, count in understaffed(db.session)}
    assert {"EHPAD Ici", "CH Là-bas"} <= short
    make.referent(world["here"], "ref-here-2")
    assert "EHPAD Ici" not in {place.name for place, _ in understaffed(db.session)}


def test_habilitation_dates_must_make_sense(admin, world):
    actor = admin.actor(world["referent"])
    with pytest.raises(ValueError):
        admin.add_habilitation(
            actor,
            world["local"],
            NewHabilitation(
                world["profile"].id,
                world["here"].id,
                valid_from=date.today(),
                valid_to=date.today() - timedelta(days=1),
            ),
        )


def test_habilitations_claim_in_tokens_and_userinfo(world, rp, make):
    from tests.functional.test_code_flow import verify

    tokens = rp.sign_in("local", scope="openid profile habilitations")
    claims = verify(rp.client, tokens["id_token"]).claims
    assert [h["establishment"]["name"] for h in claims["habilitations"]] == ["EHPAD Ici"]
    assert claims["habilitations"][0]["module"] == "GRAND_AGE"
    access = verify(rp.client, tokens["access_token"]).claims
    assert access["habilitations"] == claims["habilitations"]
    info = rp.userinfo(tokens["access_token"]).get_json()
    assert info["habilitations"][0]["profile"] == "GA_DIR" and "profession" in info


def test_login_refused_once_every_habilitation_ended(admin, world, rp):
    from idp.accounts import habilitations

    only = habilitations.of_user(db.session, world["local"])[0]
    admin.end_habilitation(admin.actor(world["referent"]), only.id)
    auth = rp.request()
    rp.start(auth)
    refused = rp.login(auth, "local")
    assert refused.status_code == 403 and "habilitation" in refused.get_data(as_text=True)


@pytest.mark.parametrize("email", ["ôscar@example.org", "a@exämple.org", "a@b", "a b@c.org"])
def test_found_addresses_mail_cannot_carry_are_refused(app, email):
    """Found by the hosted-form fuzzing: a non-ASCII address was accepted, and the mail to it
    was written with a To header that cannot be read back."""
    from idp.accounts import users
    from idp.services import of

    with pytest.raises(users.InvalidUserError):
        users.create_user(db.session, of(app).passwords, username="oscar", email=email,
                          password=None)  # fmt: skip
