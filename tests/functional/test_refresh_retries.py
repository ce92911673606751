"""A refresh request sent again because its answer was lost (an instance killed after the
rotation) gets the same answer when it says it is the same request (``Idempotency-Key``, or
the proxy's ``X-Request-Id``); every other reuse still revokes the family."""

from __future__ import annotations

import pytest

from idp.oidc import refresh_retries
from idp.services import of as services_of
from tests.rp import RelyingParty

SAME = {"Idempotency-Key": "refresh-7f3a9c2e-0001"}


@pytest.fixture
def rotated(rp, make):
    make.user("retry.user")
    first = rp.sign_in("retry.user")
    answer = rp.refresh(first["refresh_token"], headers=SAME)
    assert answer.status_code == 200
    return first["refresh_token"], answer.get_json()


def test_the_same_request_again_gets_the_same_answer_and_the_grant_lives_on(rp, rotated):
    old, answer = rotated
    retried = rp.refresh(old, headers=SAME)
    assert retried.status_code == 200 and retried.get_json() == answer
    assert retried.headers["Cache-Control"] == "no-store"
    proxied = {"X-Request-Id": SAME["Idempotency-Key"]}  # the proxy's id works the same way
    assert rp.refresh(old, headers=proxied).get_json() == answer
    assert rp.refresh(answer["refresh_token"]).status_code == 200  # not revoked


@pytest.mark.parametrize("headers", [None, {"Idempotency-Key": "another-request-0002"}])
def test_a_reuse_that_is_not_the_same_request_revokes_the_family(rp, rotated, headers):
    old, answer = rotated
    replayed = rp.refresh(old, headers=headers)
    assert replayed.status_code == 400 and replayed.get_json()["error"] == "invalid_grant"
    assert rp.refresh(answer["refresh_token"]).status_code == 400  # whole family revoked


def test_reuse_after_the_new_token_was_used_revokes_the_family(rp, rotated):
    old, answer = rotated
    onward = rp.refresh(answer["refresh_token"]).get_json()
    assert rp.refresh(old, headers=SAME).status_code == 400
    assert rp.refresh(onward["refresh_token"]).status_code == 400


def test_another_client_cannot_use_the_retry(rp, rotated, make, client):
    old, _ = rotated
    other = RelyingParty(client, make.client(), rp.outbox)
    assert other.refresh(old, headers=SAME).status_code == 400


def test_after_the_window_the_same_request_revokes_the_family(rp, rotated, app):
    old, answer = rotated
    services_of(app).store.delete(refresh_retries._name(old))  # the window is over
    assert rp.refresh(old, headers=SAME).status_code == 400
    assert rp.refresh(answer["refresh_token"]).status_code == 400


def test_a_racing_request_whose_answer_was_kept_first_does_not_spoil_the_winners_retry(
    rp, make, app
):
    """Answers are kept before the rotation commits. The same request racing with itself
    may keep its answer first and then lose the rotation: the winner's answer replaces it."""
    make.user("racing.user")
    old = rp.sign_in("racing.user")["refresh_token"]
    losers_answer = {"access_token": "x", "refresh_token": "never-stored", "token_type": "Bearer"}
    marker = SAME["Idempotency-Key"]
    assert refresh_retries.remember(services_of(app).store, old, losers_answer, marker)
    answer = rp.refresh(old, headers=SAME).get_json()
    retried = rp.refresh(old, headers=SAME)
    assert retried.status_code == 200 and retried.get_json() == answer
    assert rp.refresh(answer["refresh_token"]).status_code == 200  # not revoked
