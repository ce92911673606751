"""A refresh retried because its answer was lost (an instance killed after the rotation, a
proxy timeout) gets the same answer; reuse detection is otherwise intact."""

from __future__ import annotations

import pytest

from idp.oidc import refresh_retries


@pytest.fixture
def rotated(rp, make):
    make.user("retry.user")
    first = rp.sign_in("retry.user")
    answer = rp.refresh(first["refresh_token"])
    assert answer.status_code == 200
    return first["refresh_token"], answer.get_json()


def test_a_retry_gets_the_same_answer_and_the_grant_lives_on(rp, rotated):
    old, answer = rotated
    retried = rp.refresh(old)
    assert retried.status_code == 200 and retried.get_json() == answer
    assert retried.headers["Cache-Control"] == "no-store"
    onward = rp.refresh(answer["refresh_token"])
    assert onward.status_code == 200  # the family was not revoked


def test_reuse_after_the_new_token_was_used_still_revokes_the_family(rp, rotated):
    old, answer = rotated
    onward = rp.refresh(answer["refresh_token"]).get_json()
    replayed = rp.refresh(old)
    assert replayed.status_code == 400 and replayed.get_json()["error"] == "invalid_grant"
    assert rp.refresh(onward["refresh_token"]).status_code == 400  # whole family revoked


def test_another_client_cannot_use_the_retry(rp, rotated, make, client):
    from tests.rp import RelyingParty

    old, _ = rotated
    other = RelyingParty(client, make.client(), rp.outbox)
    assert other.refresh(old).status_code == 400


def test_after_the_window_a_reuse_revokes_the_family(rp, rotated, app):
    old, answer = rotated
    app.extensions["idp"].store.delete(refresh_retries._name(old))  # the window is over
    assert rp.refresh(old).status_code == 400
    assert rp.refresh(answer["refresh_token"]).status_code == 400
