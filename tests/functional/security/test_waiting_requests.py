"""Review 3, N12: an unauthenticated /authorize stores little, briefly, and not without limit."""

from __future__ import annotations

import json
import time

import pytest

from idp.services import of as services_of
from idp.storage import keys
from tests.rp import query


def waiting(app, response):
    """The waiting request a login redirect names, as the store holds it (or None)."""
    pending_id = query(response.location)["request"]
    return services_of(app).store.get(keys.authorization_request(pending_id))


def test_n12_a_waiting_request_keeps_only_its_known_parameters(app, rp):
    auth = rp.request(**{f"junk{i}": "x" * 2000 for i in range(100)})
    response = rp.start(auth)
    assert response.status_code == 302 and "/login" in response.location
    kept = waiting(app, response)
    assert len(json.dumps(kept)) < 1000
    assert {key for key, _ in kept["params"]} <= {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    }


def test_n12_known_parameters_too_long_together_are_refused(app, rp):
    auth = rp.request(state="s" * 2000, nonce="n" * 2000, login_hint="h" * 2000)
    response = rp.start(auth)
    assert response.location.startswith(rp.info.redirect_uri)
    assert query(response.location)["error"] == "invalid_request"


def test_n12_a_request_still_signs_in_with_only_its_kept_parameters(rp, make):
    make.user("wanda")
    auth = rp.authorize("wanda", extra_parameter="ignored")
    assert auth.result.get("code") and auth.result["state"] == auth.params["state"]


class TestShortLifeUntilShown:
    @pytest.fixture
    def settings_overrides(self):
        return {"pending_unseen_ttl": 1}

    def test_a_request_whose_login_page_nobody_opens_is_gone_at_once(self, app, rp):
        response = rp.start(rp.request())
        assert waiting(app, response) is not None
        time.sleep(1.3)
        assert waiting(app, response) is None

    def test_a_shown_login_page_gives_the_whole_time_to_sign_in(self, app, rp, make):
        make.user("xavier")
        auth = rp.request()
        response = rp.start(auth)
        time.sleep(0.2)
        rp.client.get(response.location)  # the login page is shown
        time.sleep(1.3)
        assert waiting(app, response) is not None
        rp.login(auth, "xavier")
        assert auth.result.get("code")


class TestCreationLimit:
    @pytest.fixture
    def settings_overrides(self):
        return {"rate_limit_pending": "3/minute"}

    def test_waiting_requests_are_limited_per_address(self, app, rp):
        answers = [rp.in_new_browser().start(rp.request()) for _ in range(4)]
        assert [a.status_code for a in answers] == [302, 302, 302, 429]
        assert int(answers[3].headers["Retry-After"]) > 0

    def test_a_signed_in_browsers_requests_are_not_counted(self, rp, make):
        make.user("yvonne")
        rp.sign_in("yvonne")  # one waiting request, for the login
        for _ in range(5):
            answer = rp.start(rp.request())
            assert answer.location.startswith(rp.info.redirect_uri)
