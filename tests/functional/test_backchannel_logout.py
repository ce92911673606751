"""Back-channel logout: every module of an ended session gets a signed logout token."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt

from idp.oidc.logout_tokens import EVENT
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import LogoutDelivery
from tests.receiver import running_receiver
from tests.rp import RelyingParty, csrf_token


@pytest.fixture
def receiver():
    with running_receiver() as running:
        yield running


@pytest.fixture
def module(client, make, outbox, receiver) -> RelyingParty:
    info = make.client("module-a", backchannel_logout_uri=receiver.url)
    return RelyingParty(client, info, outbox)


def decode(app, token: str) -> tuple[dict, dict]:
    decoded = jwt.decode(token, services_of(app).keyring.public_keyset())
    return decoded.header, decoded.claims


def logout(client):
    page = client.get("/logout").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(page), "submit": "1"})
    delivered(client.application)
    return response


def delivered(app) -> None:
    """Wait for the background thread's first attempts (the logout page does not)."""
    assert services_of(app).backchannel.drain()
    db.session.expire_all()


def test_logout_sends_a_signed_token_with_sid_and_sub(app, client, make, module, receiver):
    user = make.user("ana")
    tokens = module.sign_in("ana")
    _, id_claims = decode(app, tokens["id_token"])
    logout(client)
    assert len(receiver.tokens) == 1
    header, claims = decode(app, receiver.tokens[0])
    assert header["typ"] == "logout+jwt"
    assert claims["iss"] == "http://127.0.0.1:5000" and claims["aud"] == "module-a"
    assert claims["sid"] == id_claims["sid"] and claims["sub"] == user.subject
    assert claims["events"] == {EVENT: {}} and "nonce" not in claims and claims["jti"]
    assert claims["exp"] - claims["iat"] <= 120
    assert db.session.query(LogoutDelivery).one().delivered_at is not None


def test_every_module_of_the_session_is_told(client, make, outbox, module, receiver):
    make.user("ben")
    second = RelyingParty(
        client, make.client("module-b", backchannel_logout_uri=receiver.url), outbox
    )
    module.sign_in("ben")
    second.sign_in("ben")  # same browser: single sign-on, same session
    logout(client)
    audiences = sorted(decode(client.application, t)[1]["aud"] for t in receiver.tokens)
    assert audiences == ["module-a", "module-b"]


def test_a_module_that_is_down_gets_it_when_back(app, client, make, module, receiver):
    make.user("cam")
    module.sign_in("cam")
    receiver.down = True
    logout(client)
    row = db.session.query(LogoutDelivery).one()
    assert row.delivered_at is None and row.attempts == 1 and row.last_error == "HTTP 503"
    assert row.next_attempt_at > datetime.now(UTC)
    receiver.down = False
    backchannel = services_of(app).backchannel
    assert backchannel.deliver_due()["attempted"] == 0  # not due yet
    row.next_attempt_at = datetime.now(UTC)  # a minute later
    db.session.commit()
    assert backchannel.deliver_due() == {"attempted": 1, "delivered": 1, "given_up": 0}
    _, claims = decode(app, receiver.tokens[0])
    assert claims["exp"] > datetime.now(UTC).timestamp()  # signed at delivery, not stale


def test_sign_out_everywhere_and_blocking_tell_the_modules(app, client, make, module, receiver):
    user = make.user("dan")
    module.sign_in("dan")
    services_of(app).security.end_access(user)
    delivered(app)
    assert len(receiver.tokens) == 1


def test_signing_in_again_is_not_a_logout(client, make, module, receiver):
    make.user("eve")
    module.sign_in("eve")
    module.authorize("eve", prompt="login")  # the session is swapped for a new one
    delivered(client.application)
    assert receiver.tokens == []


def test_module_without_back_channel_uri_gets_nothing(client, make, rp, receiver):
    make.user("fay")
    rp.sign_in("fay")
    logout(client)
    assert receiver.tokens == [] and db.session.query(LogoutDelivery).count() == 0


def test_discovery_advertises_back_channel_logout(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True


def test_back_channel_uri_must_be_https_outside_loopback(make):
    from idp.oidc.clients import InvalidClientMetadataError

    with pytest.raises(InvalidClientMetadataError):
        make.client("module-x", backchannel_logout_uri="http://module.example.org/logout")


def test_the_logout_page_does_not_wait_for_the_modules(app, client, make, module, receiver):
    make.user("hal")
    module.sign_in("hal")
    receiver.hold = threading.Event()  # the module takes its time to answer
    page = client.get("/logout").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(page), "submit": "1"})
    assert response.status_code in (200, 302) and receiver.tokens == []  # answered already
    receiver.hold.set()
    delivered(app)
    assert len(receiver.tokens) == 1
    assert db.session.query(LogoutDelivery).one().delivered_at is not None


def test_session_expiry_is_announced_when_due(app, client, make, module, receiver):
    make.user("gil")
    module.sign_in("gil")
    row = db.session.query(LogoutDelivery).one()  # scheduled at the first sign-in to the module
    ttl = services_of(app).settings.sso_session_ttl
    expected = datetime.now(UTC) + timedelta(seconds=ttl)
    assert row.attempts == 0 and abs((row.next_attempt_at - expected).total_seconds()) < 30
    backchannel = services_of(app).backchannel
    assert backchannel.deliver_due()["attempted"] == 0  # the session still lives
    assert backchannel.deliver_due(retry_now=True)["attempted"] == 0  # and is never pushed
    assert receiver.tokens == []
    row.next_attempt_at = datetime.now(UTC)  # ten hours later
    db.session.commit()
    assert backchannel.deliver_due() == {"attempted": 1, "delivered": 1, "given_up": 0}
    _, claims = decode(app, receiver.tokens[0])
    assert claims["sid"] == row.sid and claims["aud"] == "module-a"


def test_a_logout_brings_the_expiry_delivery_forward(client, make, module, receiver):
    make.user("ivy")
    module.sign_in("ivy")
    module.sign_in("ivy")  # a second sign-in to the same module schedules nothing more
    logout(client)
    row = db.session.query(LogoutDelivery).one()
    assert row.delivered_at is not None and len(receiver.tokens) == 1


def test_retry_now_resends_failed_deliveries_of_one_module(app, client, make, module, receiver):
    make.user("jon")
    module.sign_in("jon")
    receiver.down = True
    logout(client)
    receiver.down = False
    backchannel = services_of(app).backchannel
    assert backchannel.deliver_due(retry_now=True, client_id="module-b")["attempted"] == 0
    assert backchannel.deliver_due(retry_now=True, client_id="module-a") == {
        "attempted": 1,
        "delivered": 1,
        "given_up": 0,
    }
    assert len(receiver.tokens) == 1
