"""UserInfo (OIDC Core 5.3), introspection (RFC 7662) and revocation (RFC 7009)."""

from __future__ import annotations

import pytest

from idp.services import of as services_of
from idp.storage import db


def test_userinfo_get_and_post(client, rp, make):
    user = make.user("vic", email="vic@example.org")
    token = rp.sign_in("vic")["access_token"]
    got = rp.userinfo(token)
    posted = client.post("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == posted.status_code == 200
    assert got.get_json() == posted.get_json()
    assert got.get_json()["sub"] == user.subject
    assert got.get_json()["email"] == "vic@example.org"


def test_a_login_does_not_change_updated_at(rp, make):
    """``updated_at`` is when the person's information changed (OIDC Core 5.1): a module
    comparing it to refresh its copy must not see a change at every login."""
    user = make.user("ulla")
    user.updated_at = changed = user.updated_at.replace(year=2025)
    db.session.commit()
    for browser in (rp, rp.in_new_browser()):
        claims = rp.userinfo(browser.sign_in("ulla")["access_token"]).get_json()
        assert claims["updated_at"] == int(changed.timestamp())
    db.session.refresh(user)
    assert user.last_login_at is not None and user.last_login_at > changed  # still recorded
    db.session.refresh(user)
    assert user.last_login_at is not None and user.last_login_at.year >= 2026


def test_userinfo_follows_scope(rp, make):
    make.user("wes")
    claims = rp.userinfo(rp.sign_in("wes", scope="openid")["access_token"]).get_json()
    assert set(claims) == {"sub"}


def test_userinfo_without_token_has_www_authenticate(client):
    response = client.get("/userinfo")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "x" * 9000])
def test_userinfo_with_bad_token_is_invalid_token(rp, token):
    response = rp.userinfo(token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_userinfo_refuses_client_credentials_token(rp):
    token = rp.token_request({"grant_type": "client_credentials"}).get_json()["access_token"]
    response = rp.userinfo(token)
    assert response.status_code == 403
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]


def test_userinfo_refuses_revoked_token(rp, make):
    make.user("xia")
    token = rp.sign_in("xia")["access_token"]
    assert rp.revoke(token).status_code == 200
    assert rp.userinfo(token).status_code == 401


def test_userinfo_refuses_token_of_deactivated_account(rp, make):
    user = make.user("yan")
    token = rp.sign_in("yan")["access_token"]
    user.is_active = False
    db.session.commit()
    assert rp.userinfo(token).status_code == 401


def test_introspection_of_active_access_token(rp, make):
    user = make.user("zoe")
    tokens = rp.sign_in("zoe")
    result = rp.introspect(tokens["access_token"])
    assert result["active"] is True
    assert result["sub"] == user.subject and result["client_id"] == rp.info.client_id
    assert result["scope"] == "openid profile email"


def test_introspection_of_refresh_token(rp, make):
    make.user("abe")
    result = rp.introspect(rp.sign_in("abe")["refresh_token"])
    assert result["active"] is True and result["token_type"] == "refresh_token"


def test_introspection_requires_client_authentication(client, rp, make):
    make.user("bea")
    token = rp.sign_in("bea")["access_token"]
    response = client.post("/introspect", data={"token": token})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_introspection_refused_to_public_client(public_rp, make):
    make.user("cal")
    token = public_rp.sign_in("cal")["access_token"]
    response = public_rp.client.post(
        "/introspect", data={"token": token, "client_id": public_rp.info.client_id}
    )
    assert response.status_code in (400, 401)


def test_introspection_of_unknown_token_is_inactive(rp):
    assert rp.introspect("not-a-token") == {"active": False}


def test_revoked_refresh_token_revokes_family(rp, make):
    make.user("deb")
    tokens = rp.sign_in("deb")
    assert rp.revoke(tokens["refresh_token"], token_type_hint="refresh_token").status_code == 200
    assert rp.introspect(tokens["refresh_token"])["active"] is False
    assert rp.introspect(tokens["access_token"])["active"] is False
    assert rp.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_revoking_unknown_token_is_ok(rp):
    assert rp.revoke("never-issued").status_code == 200


def test_revoking_other_clients_token_has_no_effect(client, rp, make):
    from tests.rp import RelyingParty

    make.user("eli")
    tokens = rp.sign_in("eli")
    other = RelyingParty(client, make.client(client_id="nosy", first_party=False))
    assert other.revoke(tokens["access_token"]).status_code == 200
    assert rp.introspect(tokens["access_token"])["active"] is True


def test_third_party_client_cannot_introspect_others_tokens(client, rp, make):
    from tests.rp import RelyingParty

    make.user("fox")
    tokens = rp.sign_in("fox")
    other = RelyingParty(client, make.client(client_id="partner", first_party=False))
    assert other.introspect(tokens["access_token"]) == {"active": False}


def test_unsupported_token_type_hint(rp):
    response = rp.revoke("x", token_type_hint="id_token")
    assert response.get_json()["error"] == "unsupported_token_type"


def test_deactivation_through_the_service_beats_the_holder_cache(app, rp, make):
    """Introspection and userinfo reuse an account's state for a few seconds; deactivating
    ends access through the shared store, so it still shows at once."""
    user = make.user("uma")
    tokens = rp.sign_in("uma")
    assert rp.userinfo(tokens["access_token"]).status_code == 200  # cached as allowed
    assert rp.introspect(tokens["access_token"])["active"] is True
    user.is_active = False
    db.session.commit()
    services_of(app).security.end_access(user)
    assert rp.userinfo(tokens["access_token"]).status_code == 401
    assert rp.introspect(tokens["access_token"])["active"] is False
