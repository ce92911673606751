"""The conditions of use (charter) come before any token, at first login and on a new version."""

from __future__ import annotations

import pytest

from idp.storage import db
from idp.storage.models import AuditEvent
from tests.rp import csrf_token, query


def accept(rp, auth):
    html = auth.response.get_data(as_text=True)
    request_id = (
        __import__("re").search(r'name="request_id" type="hidden" value="([^"]+)"', html).group(1)
    )
    response = rp.client.post(
        "/charter", data={"csrf_token": csrf_token(html), "request_id": request_id, "accept": "y"}
    )
    return rp.follow(auth, response)


def test_first_login_shows_charter_then_records_acceptance(rp, make):
    user = make.user("alix", charter_version=None)
    auth = rp.authorize("alix")
    assert (
        auth.response.status_code == 200
        and "conditions" in auth.response.get_data(as_text=True).lower()
    )
    assert "code" not in auth.result
    accept(rp, auth)
    assert "code" in auth.result
    db.session.refresh(user)
    assert user.charter_version == "2026-01" and user.charter_accepted_at is not None
    event = db.session.query(AuditEvent).filter_by(action="user.charter_accepted").one()
    assert event.details["description"] == "Charte validée" and event.actor == "alix"


def test_no_token_without_acceptance_even_with_prompt_none(rp, make):
    make.user("bruno", charter_version=None)
    auth = rp.authorize("bruno")
    assert "code" not in auth.result
    result = query(rp.start(rp.request(prompt="none")).location)
    assert result["error"] == "interaction_required"


class TestNewVersion:
    @pytest.fixture
    def settings_overrides(self):
        return {"charter_version": "2027-01"}

    def test_new_version_is_asked_again(self, rp, make):
        make.user("cyril", charter_version="2026-01")
        auth = rp.authorize("cyril")
        assert auth.response.status_code == 200 and "2027-01" in auth.response.get_data(
            as_text=True
        )
        accept(rp, auth)
        assert "code" in auth.result


def test_accepted_charter_is_not_asked_again(rp, make):
    make.user("dalia")
    assert "code" in rp.authorize("dalia").result


def test_an_account_deactivated_on_the_charter_page_cannot_accept_it(rp, make):
    """The charter is accepted for the session's account only while it may sign in."""
    user = make.user("dora", charter_version=None)
    auth = rp.authorize("dora")
    user.is_active = False
    db.session.commit()
    accept(rp, auth)
    db.session.refresh(user)
    assert user.charter_version is None
    assert db.session.query(AuditEvent).filter_by(action="user.charter_accepted").count() == 0
