"""Throttling, blocking after failed passwords, rate limits, deactivated accounts."""

from __future__ import annotations

import time

import pytest

from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent
from tests.rp import csrf_token

PASSWORD = "correct horse battery staple"


def attempt(client, username, password, address="127.0.0.1"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": username,
            "password": password,
        },
        environ_base={"REMOTE_ADDR": address},
    )


class TestThrottle:
    @pytest.fixture
    def settings_overrides(self):
        return {"throttle_after": 3, "lockout_threshold": 100}

    def test_tries_wait_after_repeated_failures_even_with_the_right_password(self, client, make):
        make.user("amel")
        for _ in range(3):
            assert attempt(client, "amel", "wrong password!").status_code == 401
        waiting = attempt(client, "amel", PASSWORD)
        assert waiting.status_code == 429
        assert "patientez" in waiting.get_data(as_text=True)

    def test_throttle_is_per_source(self, client, make):
        make.user("bilal")
        for _ in range(3):
            attempt(client, "bilal", "wrong password!", "10.0.0.1")
        assert attempt(client, "bilal", PASSWORD, "10.0.0.2").status_code == 302


class TestLockout:
    @pytest.fixture
    def settings_overrides(self):
        return {
            "throttle_after": 100,
            "lockout_threshold": 4,
            "lockout_per_source": 2,
            "lockout_duration": 2,
        }

    def fail_from(self, client, username, addresses):
        for address in addresses:
            assert attempt(client, username, "wrong password!", address).status_code == 401

    def test_one_source_alone_cannot_block_a_colleague(self, client, make):
        make.user("chloe")
        self.fail_from(client, "chloe", ["10.0.0.9"] * 10)
        assert attempt(client, "chloe", PASSWORD, "10.0.0.50").status_code == 302

    def test_account_blocked_after_threshold_is_audited_and_answers_generically(self, client, make):
        user = make.user("driss")
        self.fail_from(client, "driss", ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2"])
        blocked = attempt(client, "driss", PASSWORD, "10.0.0.3")
        assert blocked.status_code == 401  # like a wrong password: nothing tells it is blocked
        unknown = attempt(client, "nobody-here", PASSWORD, "10.0.0.3")
        assert (
            blocked.get_data(as_text=True).count("incorrect")
            == unknown.get_data(as_text=True).count("incorrect")
            == 1
        )
        events = (
            db.session.query(AuditEvent)
            .filter_by(target=f"user:{user.subject}", action="user.blocked")
            .all()
        )
        assert len(events) == 1 and events[0].actor == "system"
        assert events[0].details["description"] == "Compte bloqué"

    def test_block_ends_after_the_configured_delay(self, client, make):
        make.user("elsa")
        self.fail_from(client, "elsa", ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2"])
        assert attempt(client, "elsa", PASSWORD, "10.0.0.3").status_code == 401
        time.sleep(2.2)
        assert attempt(client, "elsa", PASSWORD, "10.0.0.3").status_code == 302


class TestRateLimit:
    @pytest.fixture
    def settings_overrides(self):
        return {"rate_limit_login": "3/minute", "throttle_after": 100}

    def test_login_posts_are_limited_per_address(self, client):
        answers = [attempt(client, f"user{i}", "x") for i in range(4)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        assert 0 < int(answers[3].headers["Retry-After"]) <= 60  # within the minute's window
        assert "X-RateLimit-Limit" not in answers[0].headers  # no Redis trips for headers

    def test_the_limiter_skips_only_endpoints_without_limits(self, app):
        """The protocol blueprint bypasses the limiter (idp.web.limits): no limit may hide
        there, while the login pages keep theirs."""
        from flask_limiter.util import get_qualified_name

        from idp.web.limits import UNLIMITED_BLUEPRINTS, limiter

        def limits(endpoint: str) -> list:
            name = get_qualified_name(app.view_functions[endpoint])
            return limiter.limit_manager.decorated_limits(name)

        assert limits("authorize.login")
        skipped = [e for e in app.view_functions if e.split(".")[0] in UNLIMITED_BLUEPRINTS]
        assert "protocol.token" in skipped
        assert all(not limits(endpoint) for endpoint in skipped)


def test_deactivated_account_is_told_after_the_right_password_only(client, make):
    user = make.user("fanny")
    user.is_active = False
    db.session.commit()
    wrong = attempt(client, "fanny", "wrong password!")
    assert wrong.status_code == 401
    right = attempt(client, "fanny", PASSWORD)
    assert right.status_code == 403 and "désactivé" in right.get_data(as_text=True)


class TestBlockEndsDevicesAndSessions:
    @pytest.fixture
    def settings_overrides(self):
        return {"throttle_after": 100, "lockout_threshold": 2, "lockout_per_source": 2}

    def test_blocking_revokes_remembered_devices(self, app, client, make, rp):
        user = make.user("gaspard")
        rp.sign_in("gaspard")
        assert services_of(app).devices.list_for(db.session, user)
        for _ in range(2):
            attempt(client, "gaspard", "wrong password!", "10.1.1.1")
        assert services_of(app).devices.list_for(db.session, user) == []
