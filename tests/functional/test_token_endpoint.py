"""Token endpoint: codes are single use, PKCE is verified, refresh tokens rotate (RFC 9700)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Connection, event

from idp import clock
from idp.services import of as services_of
from idp.storage import db, keys
from idp.storage.models import RefreshToken


def test_replayed_code_is_refused_and_its_tokens_revoked(rp, make):
    make.user("amy")
    auth = rp.authorize("amy")
    first = rp.exchange(auth).get_json()
    replay = rp.exchange(auth)
    assert replay.status_code == 400
    assert replay.get_json()["error"] == "invalid_grant"
    assert rp.introspect(first["access_token"])["active"] is False
    assert rp.introspect(first["refresh_token"])["active"] is False
    assert rp.refresh(first["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_code_bound_to_client(rp, make, client):
    make.user("ben")
    auth = rp.authorize("ben")
    other = type(rp)(client, make.client(client_id="thief"))
    stolen = other.exchange(auth)
    assert stolen.get_json()["error"] == "invalid_grant"
    # review 3, N5: shown by another client, the code is neither used up nor a replay
    assert rp.exchange(auth).status_code == 200


def test_code_bound_to_redirect_uri(rp, make):
    make.user("cat")
    auth = rp.authorize("cat")
    response = rp.exchange(auth, redirect_uri="https://rp.example.org/other")
    assert response.get_json()["error"] == "invalid_grant"
    assert rp.exchange(auth).status_code == 200  # still its client's (N5)


def test_a_spent_code_shown_by_another_client_revokes_nothing(rp, make, client):
    make.user("cid")
    auth = rp.authorize("cid")
    tokens = rp.exchange(auth).get_json()
    thief = type(rp)(client, make.client(client_id="thief-2"))
    assert thief.exchange(auth).get_json()["error"] == "invalid_grant"
    assert rp.refresh(tokens["refresh_token"]).status_code == 200  # no replay: family kept


def test_wrong_code_verifier_is_refused(public_rp, make):
    make.user("dan")
    auth = public_rp.authorize("dan")
    response = public_rp.exchange(auth, code_verifier="x" * 50)
    assert response.get_json()["error"] == "invalid_grant"


def test_missing_code_verifier_is_refused_for_public_client(public_rp, make):
    make.user("eve")
    auth = public_rp.authorize("eve")
    auth.verifier = None
    assert public_rp.exchange(auth).get_json()["error"] == "invalid_request"


def test_public_client_signs_in_with_pkce(public_rp, make):
    make.user("fay")
    tokens = public_rp.sign_in("fay")
    assert tokens["id_token"] and tokens["refresh_token"]


def test_expired_code_is_refused(rp, make, app):
    make.user("gus")
    auth = rp.authorize("gus")
    from idp.oidc.token_text import digest

    services_of(app).store.delete(keys.authorization_code(digest(auth.code)))  # as the TTL would
    assert rp.exchange(auth).get_json()["error"] == "invalid_grant"


def test_code_lives_at_most_sixty_seconds(app):
    assert services_of(app).settings.authorization_code_ttl <= 60


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_secret_auth_methods(client, make, method):
    from tests.rp import RelyingParty

    make.user("hal")
    rp = RelyingParty(client, make.client(token_endpoint_auth_method=method))
    assert rp.sign_in("hal")["access_token"]


def test_wrong_client_secret_is_invalid_client_with_401(rp, make):
    make.user("ida")
    auth = rp.authorize("ida")
    rp.info.client_secret = "wrong"
    response = rp.exchange(auth)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_auth_method_other_than_registered_is_refused(rp, make):
    make.user("jon")
    auth = rp.authorize("jon")
    data = {
        "grant_type": "authorization_code",
        "code": auth.code,
        "redirect_uri": rp.info.redirect_uri,
        "code_verifier": auth.verifier,
    }
    response = rp.token_request(data, auth_method="client_secret_post")
    assert response.get_json()["error"] == "invalid_client"


def test_client_secrets_are_stored_hashed(rp):
    from idp.oidc.clients import get_client

    record = get_client(db.session, rp.info.client_id)
    assert rp.info.client_secret not in (record.client_secret_hash or "")
    assert len(record.client_secret_hash) == 64


def test_refresh_rotates_and_reuse_revokes_family(rp, make):
    make.user("kai")
    first = rp.sign_in("kai")
    second = rp.refresh(first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["id_token"]
    reuse = rp.refresh(first["refresh_token"])
    assert reuse.get_json()["error"] == "invalid_grant"
    # the thief's reuse ends the whole grant, including the legitimate newest tokens
    assert rp.refresh(second["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert rp.introspect(second["access_token"])["active"] is False


def test_a_grant_ended_during_a_rotation_refuses_the_new_token(rp, make):
    """The revocation's UPDATE could not see the token the rotation was storing: it ended
    the older tokens only. The new token's family has a revoked row, so it is refused (read
    in the same query as the token, without the shared store's marker)."""
    make.user("kurt")
    first = rp.sign_in("kurt")
    second = rp.refresh(first["refresh_token"]).get_json()
    older = db.session.query(RefreshToken).filter(RefreshToken.used_at.is_not(None)).one()
    older.revoked_at = older.used_at
    db.session.commit()
    assert rp.refresh(second["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_two_racing_refreshes_rotate_once(app, rp, make):
    """Both read the token unused; the conditional rotation lets exactly one through."""
    make.user("kim")
    first = rp.sign_in("kim")
    start = threading.Barrier(2)
    answers = []

    def refresh() -> None:
        with app.app_context():
            start.wait()
            answers.append(rp.refresh(first["refresh_token"]).get_json())

    racers = [threading.Thread(target=refresh) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(10)
    assert sorted(answer.get("error", "") for answer in answers) == ["", "invalid_grant"]
    db.session.expire_all()
    stored = db.session.query(RefreshToken).all()
    assert len(stored) == 2 and sum(r.used_at is not None for r in stored) == 1


def test_refresh_tokens_are_stored_hashed(rp, make):
    make.user("lea")
    tokens = rp.sign_in("lea")
    stored = [r.token_hash for r in db.session.query(RefreshToken).all()]
    assert tokens["refresh_token"] not in stored and len(stored) == 1


def test_refresh_cannot_widen_scope(rp, make):
    make.user("max")
    tokens = rp.sign_in("max", scope="openid")
    response = rp.refresh(tokens["refresh_token"], scope="openid email")
    assert response.get_json()["error"] == "invalid_scope"


def test_refresh_token_of_other_client_is_refused(rp, make, client):
    from tests.rp import RelyingParty

    make.user("ned")
    tokens = rp.sign_in("ned")
    other = RelyingParty(client, make.client(client_id="other"))
    assert other.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_refresh_refused_when_account_deactivated(rp, make):
    user = make.user("oli")
    tokens = rp.sign_in("oli")
    user.is_active = False
    db.session.commit()
    assert rp.refresh(tokens["refresh_token"]).status_code == 400


def test_client_credentials_issues_jwt_without_refresh_token(rp):
    response = rp.token_request({"grant_type": "client_credentials"})
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["token_type"] == "Bearer" and "refresh_token" not in body
    assert rp.introspect(body["access_token"])["sub"] == rp.info.client_id


def test_access_tokens_name_the_active_key_and_their_type(app, rp):
    """RFC 9068 2.1 header: ``typ`` at+jwt, and the ``kid`` of the key that signed it (the
    modules' library refuses a token without one)."""
    token = rp.token_request({"grant_type": "client_credentials"}).get_json()["access_token"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    with app.app_context():
        active = services_of(app).keyring.signing_key(header["alg"])
    assert header == {"alg": "ES256", "kid": active.kid, "typ": "at+jwt"}


def test_client_credentials_never_carries_openid(rp):
    body = rp.token_request({"grant_type": "client_credentials", "scope": "openid"}).get_json()
    assert "openid" not in body.get("scope", "")


def test_public_client_cannot_use_client_credentials(public_rp):
    response = public_rp.token_request({"grant_type": "client_credentials"})
    assert response.get_json()["error"] in ("invalid_client", "unauthorized_client")


def test_unsupported_grant_type(rp):
    response = rp.token_request({"grant_type": "password", "username": "x", "password": "y"})
    assert response.get_json()["error"] == "unsupported_grant_type"


def _race(app, requests):
    """Send the same token request from two threads at once; return the status codes."""

    def send(data_headers):
        data, headers = data_headers
        with app.test_client() as c:
            return c.post("/token", data=data, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return sorted(pool.map(send, requests))


def _basic(rp):
    raw = f"{rp.info.client_id}:{rp.info.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def test_racing_code_redemptions_never_both_succeed(app, rp, make):
    make.user("pam")
    for _ in range(5):
        auth = rp.authorize("pam")
        data = {
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": rp.info.redirect_uri,
            "code_verifier": auth.verifier,
        }
        codes = _race(app, [(data, _basic(rp))] * 2)
        assert codes == [200, 400], codes


def test_racing_refreshes_never_both_succeed(app, rp, make):
    make.user("ray")
    tokens = rp.sign_in("ray")
    refresh_token = tokens["refresh_token"]
    for _ in range(5):
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        codes = _race(app, [(data, _basic(rp))] * 2)
        assert codes == [200, 400], codes
        refresh_token = rp.sign_in("ray")["refresh_token"]


@contextmanager
def transactions_opened() -> Iterator[list[str]]:
    """What opens a database transaction meanwhile: BEGINs on connections that are not in
    autocommit (which send none)."""
    opened: list[str] = []

    def begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            opened.append("BEGIN")

    event.listen(db.engine, "begin", begin)
    try:
        yield opened
    finally:
        event.remove(db.engine, "begin", begin)


@pytest.mark.services_only
def test_on_postgresql_a_code_exchange_and_userinfo_open_no_transaction(rp, make):
    """The account is read and the refresh token stored alone, each in autocommit: no BEGIN
    and COMMIT round trips on the login's busiest requests (bench/RESULTS.md)."""
    make.user("lin")
    rp.sign_in("lin")  # the worker has read its signing keys
    auth = rp.in_new_browser().authorize("lin")
    with transactions_opened() as opened:
        tokens = rp.exchange(auth).get_json()
        assert rp.userinfo(tokens["access_token"]).get_json()["sub"]
    assert tokens["refresh_token"] and opened == []
    assert db.session.query(RefreshToken).filter_by(used_at=None).count() == 2


def test_a_refresh_takes_one_pooled_connection(rp, make):
    """Its read and its rotation share one checkout (on PostgreSQL each runs alone in
    autocommit; elsewhere in the request's Session)."""
    make.user("lou")
    first = rp.sign_in("lou")
    taken: list[int] = []

    def count(*_: object) -> None:
        taken.append(1)

    event.listen(db.engine, "checkout", count)
    try:
        assert rp.refresh(first["refresh_token"]).status_code == 200
    finally:
        event.remove(db.engine, "checkout", count)
    assert len(taken) == 1


@pytest.mark.parametrize("change", ["blocked", "deactivated"])
def test_a_code_is_not_exchanged_once_its_account_is_blocked_or_deactivated(rp, make, change):
    user = make.user("noe")
    auth = rp.authorize("noe")
    if change == "blocked":
        user.blocked_until = clock.utcnow() + timedelta(minutes=15)
    else:
        user.is_active = False
    db.session.commit()
    answer = rp.exchange(auth)
    assert (answer.status_code, answer.get_json()["error"]) == (400, "invalid_grant")
