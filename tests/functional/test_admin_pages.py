"""Administration pages through the test client: what a referent can and cannot do."""

from __future__ import annotations

import re

import pytest

from idp.accounts import habilitations, users
from idp.storage import db
from tests.rp import csrf_token


@pytest.fixture
def world(make, rp):
    here, there = make.establishment("EHPAD Ici"), make.establishment("CH Là-bas", "CH")
    profile = make.profile("GA_DIR")
    local, foreign = make.user("local"), make.user("foreign")
    make.habilitation(local, profile, here)
    make.habilitation(foreign, profile, there)
    make.referent(here, "ref-here")
    rp.sign_in("ref-here")  # the referent's browser now has an SSO session
    return {"here": here, "there": there, "profile": profile, "local": local, "foreign": foreign}


def token_of(client, path):
    return csrf_token(client.get(path).get_data(as_text=True))


def test_account_list_shows_only_my_establishments(client, world):
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert "local" in page and "foreign" not in page


def test_search_and_pagination_parameters_are_tolerant(client, world):
    assert client.get("/admin/accounts?q=loc&page=abc").status_code == 200
    assert "local" in client.get("/admin/accounts?q=loc").get_data(as_text=True)


def test_create_account_through_the_form(client, world, outbox):
    token = token_of(client, "/admin/accounts/new")
    response = client.post(
        "/admin/accounts/new",
        data={
            "csrf_token": token,
            "family_name": "Martin",
            "given_name": "Léa",
            "username": "lmartin",
            "email": "l.martin@ehpad.example",
            "profession": "Infirmière",
            "profile_id": world["profile"].id,
            "establishment_id": world["here"].id,
            "send_mail": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-600:]
    created = users.get_by_username(db.session, "lmartin")
    assert created is not None and outbox.latest("l.martin@ehpad.example")
    page = client.get(response.location).get_data(as_text=True)
    assert "Historique des modifications" in page and "EHPAD Ici" in page


def test_form_errors_are_shown_and_nothing_is_written(client, world):
    token = token_of(client, "/admin/accounts/new")
    response = client.post(
        "/admin/accounts/new",
        data={
            "csrf_token": token,
            "family_name": "",
            "username": "x y",
            "email": "not-an-email",
            "profile_id": world["profile"].id,
            "establishment_id": world["here"].id,
        },
    )
    assert response.status_code == 400
    assert "obligatoire" in response.get_data(as_text=True)
    assert users.get_by_username(db.session, "x y") is None


def test_creating_in_another_establishment_by_forging_the_form_is_refused(client, world):
    token = token_of(client, "/admin/accounts/new")
    response = client.post(
        "/admin/accounts/new",
        data={
            "csrf_token": token,
            "family_name": "Intrus",
            "username": "intrus",
            "email": "i@x.example",
            "profession": "x",
            "profile_id": world["profile"].id,
            "establishment_id": world["there"].id,
        },
    )
    assert response.status_code in (400, 403)
    assert users.get_by_username(db.session, "intrus") is None


def test_another_establishments_account_by_url_is_404(client, world):
    foreign = world["foreign"].id
    assert client.get(f"/admin/accounts/{foreign}").status_code == 404  # as a missing one
    token = token_of(client, "/admin/accounts/new")
    for action in ("block", "deactivate"):
        response = client.post(f"/admin/accounts/{foreign}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
        assert "n'existe pas" in response.get_data(as_text=True)
    db.session.refresh(world["foreign"])
    assert world["foreign"].is_active and world["foreign"].blocked_until is None


def test_ending_another_establishments_habilitation_by_url_is_404(client, world):
    """An account the référent does not see: its habilitation answers as a missing one."""
    theirs = habilitations.of_user(db.session, world["foreign"])[0]
    token = token_of(client, "/admin/accounts/new")
    response = client.post(f"/admin/habilitations/{theirs.id}/end", data={"csrf_token": token})
    missing = client.post("/admin/habilitations/999999/end", data={"csrf_token": token})
    assert response.status_code == missing.status_code == 404
    db.session.refresh(theirs)
    assert theirs.ended_at is None


def test_referent_blocks_edits_and_ends_habilitation_of_own_account(client, world):
    local = world["local"]
    page = client.get(f"/admin/accounts/{local.id}").get_data(as_text=True)
    token = csrf_token(page)
    client.post(f"/admin/accounts/{local.id}/block", data={"csrf_token": token})
    client.post(
        f"/admin/accounts/{local.id}",
        data={
            "csrf_token": token,
            "family_name": "Local",
            "email": local.email,
            "profession": "Kiné",
            "phone": "0102030405",
        },
    )
    hid = re.search(r"/admin/habilitations/(\d+)/end", page).group(1)
    client.post(f"/admin/habilitations/{hid}/end", data={"csrf_token": token})
    db.session.refresh(local)
    assert local.blocked_until is not None and local.profession == "Kiné"
    page = client.get(f"/admin/accounts/{local.id}").get_data(as_text=True)
    assert "Blocage du compte" in page and "MAJ de l&#39;utilisateur" in page
    assert "Suppression de l&#39;habilitation" in page


def test_non_referent_gets_403_on_admin_pages(app, make, rp):
    from tests.rp import RelyingParty

    make.user("plain")
    browser = RelyingParty(app.test_client(), rp.info)
    browser.sign_in("plain")
    response = browser.client.get("/admin/accounts")
    assert response.status_code == 403 and "réservée aux référents" in response.get_data(
        as_text=True
    )


def test_admin_pages_need_a_session(app):
    response = app.test_client().get("/admin/accounts")
    assert response.status_code == 302 and "/login" in response.location


def test_my_referents_lists_the_referents_of_my_places(app, make, rp, world):
    from tests.rp import RelyingParty

    browser = RelyingParty(app.test_client(), rp.info)
    browser.sign_in("local")
    page = browser.client.get("/account/referents").get_data(as_text=True)
    assert "EHPAD Ici" in page and "ref-here" not in page  # names and mail, not usernames
    referent = users.get_by_username(db.session, "ref-here")
    assert referent.email in page
    assert "Mes habilitations" in browser.client.get("/account").get_data(as_text=True)


def test_referent_toggles_mail_reception_but_not_elsewhere(client, world):
    local_h = habilitations.of_user(db.session, world["local"])[0]
    foreign_h = habilitations.of_user(db.session, world["foreign"])[0]
    token = token_of(client, "/admin/accounts/new")
    client.post(
        f"/admin/habilitations/{local_h.id}/mails", data={"csrf_token": token, "value": "1"}
    )
    refused = client.post(
        f"/admin/habilitations/{foreign_h.id}/mails", data={"csrf_token": token, "value": "1"}
    )
    db.session.refresh(local_h)
    db.session.refresh(foreign_h)
    assert local_h.receives_mails is True and foreign_h.receives_mails is False
    assert refused.status_code == 404  # an account not seen: as a missing habilitation


def test_referent_records_the_national_identifier_once(client, world, make):
    make.user("holder", national_id="810000000017")
    local = world["local"]
    token = token_of(client, "/admin/accounts/new")
    base = {
        "csrf_token": token,
        "family_name": "Local",
        "email": local.email,
        "profession": "Médecin",
    }
    # another account's verified identifier: recorded as for any, nothing told (review 3, N8)
    held = client.post(f"/admin/accounts/{local.id}", data={**base, "national_id": "810000000017"})
    assert held.status_code == 302 and "déjà rattaché" not in held.get_data(as_text=True)
    db.session.refresh(local)
    assert local.national_id == "810000000017" and not local.national_id_verified
    client.post(f"/admin/accounts/{local.id}", data={**base, "national_id": "810000000025"})
    db.session.refresh(local)
    assert local.national_id == "810000000025"
