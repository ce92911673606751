"""The admin API: the same rules as the pages, for tokens with the ``admin`` scope."""

from __future__ import annotations

import pytest

from idp.accounts import habilitations, users
from idp.storage import db
from idp.storage.models import AuditEvent
from tests.rp import RelyingParty

ADMIN_SCOPES = "openid profile email habilitations admin"


@pytest.fixture
def world(make, client):
    here, there = make.establishment("EHPAD Ici"), make.establishment("CH Là-bas", "CH")
    profile = make.profile("GA_DIR")
    foreign = make.user("foreign")
    make.habilitation(foreign, profile, there)
    make.referent(here, "ref-here")
    rp = RelyingParty(client, make.client(client_id="regional-portal", scope=ADMIN_SCOPES))
    return {"here": here, "there": there, "profile": profile, "foreign": foreign, "rp": rp}


@pytest.fixture
def referent_token(world):
    return world["rp"].sign_in("ref-here", scope="openid admin")["access_token"]


@pytest.fixture
def client_token(world):
    response = world["rp"].token_request({"grant_type": "client_credentials", "scope": "admin"})
    return response.get_json()["access_token"]


def call(client, method, path, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(f"/api/admin/v1{path}", method=method, headers=headers, **kwargs)


def new_account(world, username="nouveau", establishment="here"):
    return {
        "username": username,
        "email": f"{username}@ehpad.example",
        "family_name": "Neuf",
        "profession": "Infirmier",
        "habilitation": {
            "profile": "GA_DIR",
            "establishment": world[establishment].finess,
            "valid_to": "2030-01-01",
        },
    }


def test_openapi_document_is_served(client):
    doc = client.get("/api/admin/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and "/accounts" in doc["paths"]


def test_no_token_is_401_and_token_without_admin_scope_is_403(client, world):
    assert call(client, "GET", "/accounts").status_code == 401
    plain = world["rp"].sign_in("ref-here", scope="openid")["access_token"]
    response = call(client, "GET", "/accounts", plain)
    assert response.status_code == 403 and response.get_json()["error"] == "insufficient_scope"


def test_referent_creates_reads_and_updates_accounts_of_own_place(client, world, referent_token):
    created = call(client, "POST", "/accounts", referent_token, json=new_account(world))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["habilitations"][0]["establishment"] == world["here"].finess
    patched = call(
        client, "PATCH", "/accounts/nouveau", referent_token, json={"phone": "0102030405"}
    )
    assert patched.get_json()["phone"] == "0102030405"
    listed = call(client, "GET", "/accounts?q=nouveau", referent_token).get_json()
    assert [a["username"] for a in listed["items"]] == ["nouveau"]


def test_referent_cannot_touch_another_place(client, world, referent_token):
    assert (
        call(
            client, "POST", "/accounts", referent_token, json=new_account(world, "intrus", "there")
        ).status_code
        == 403
    )
    assert users.get_by_username(db.session, "intrus") is None
    # an account outside the referent's establishments answers as a missing one (L6)
    assert call(client, "GET", "/accounts/foreign", referent_token).status_code == 404
    assert (
        call(
            client, "POST", "/accounts/foreign/state", referent_token, json={"active": False}
        ).status_code
        == 404
    )
    theirs = habilitations.of_user(db.session, world["foreign"])[0]
    # ... and so does its habilitation (review 3, L6 again)
    assert call(client, "DELETE", f"/habilitations/{theirs.id}", referent_token).status_code == 404
    db.session.refresh(world["foreign"])
    assert world["foreign"].is_active


def test_provisioning_client_acts_as_support(client, world, client_token):
    created = call(
        client, "POST", "/accounts", client_token, json=new_account(world, "provisionne", "there")
    )
    assert created.status_code == 201
    blocked = call(
        client, "POST", "/accounts/provisionne/state", client_token, json={"blocked": True}
    )
    assert blocked.get_json()["blocked"] is True


@pytest.mark.parametrize(
    "body,status",
    [
        ({"username": "x"}, 400),
        (
            {
                **{"username": "a b"},
                "email": "e@x.fr",
                "family_name": "F",
                "profession": "P",
                "habilitation": {"profile": "GA_DIR", "establishment": "070000011"},
            },
            400,
        ),
        ("not json", 400),
    ],
)
def test_invalid_bodies_are_400(client, client_token, body, status):
    kwargs = (
        {"json": body}
        if isinstance(body, dict)
        else {"data": body, "content_type": "application/json"}
    )
    response = call(client, "POST", "/accounts", client_token, **kwargs)
    assert response.status_code == status and response.get_json()["error"] == "invalid_request"


def test_duplicate_username_is_409(client, world, client_token):
    assert (
        call(
            client, "POST", "/accounts", client_token, json=new_account(world, "twice")
        ).status_code
        == 201
    )
    assert (
        call(
            client, "POST", "/accounts", client_token, json=new_account(world, "twice")
        ).status_code
        == 409
    )


def test_unknown_profile_or_establishment_is_404(client, world, client_token):
    body = new_account(world, "ghost")
    body["habilitation"]["profile"] = "NOPE"
    assert call(client, "POST", "/accounts", client_token, json=body).status_code == 404


def test_national_identifier_through_the_api(client, world, client_token, make):
    make.user("holder", national_id="810000000017")
    assert (
        call(
            client, "POST", "/accounts", client_token, json=new_account(world, "psc-user")
        ).status_code
        == 201
    )
    taken = call(
        client, "PATCH", "/accounts/psc-user", client_token, json={"national_id": "810000000017"}
    )
    assert taken.status_code == 409
    done = call(
        client, "PATCH", "/accounts/psc-user", client_token, json={"national_id": "810000000025"}
    )
    assert done.get_json()["national_id"] == "810000000025"


def test_support_sets_a_modules_minimum_level_and_health_data(client, world, client_token):
    """Issue 29: a registration's minimum level through the admin API (support only)."""
    module = world["rp"].info.client_id
    answer = call(
        client,
        "PATCH",
        f"/clients/{module}",
        client_token,
        json={"minimum_acr": "urn:viatrajectoire:acr:passkey", "health_data": True},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["minimum_acr"] == "urn:viatrajectoire:acr:passkey"
    assert call(client, "GET", f"/clients/{module}", client_token).get_json()["health_data"]
    assert db.session.query(AuditEvent).filter_by(action="client.updated").count() == 1
    cleared = call(client, "PATCH", f"/clients/{module}", client_token, json={"minimum_acr": None})
    assert cleared.get_json()["minimum_acr"] is None


def test_a_modules_level_is_supports_to_set(client, world, referent_token, client_token):
    module = world["rp"].info.client_id
    refused = call(
        client, "PATCH", f"/clients/{module}", referent_token, json={"health_data": True}
    )
    assert refused.status_code == 403
    unknown = call(
        client, "PATCH", f"/clients/{module}", client_token, json={"minimum_acr": "gold"}
    )
    assert unknown.status_code == 400
    assert call(client, "GET", "/clients/nothing-here", client_token).status_code == 404
