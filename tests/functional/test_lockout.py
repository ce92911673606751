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
            .filter_by(target=f"user:{user.subject}", action="user.locked_out")
            .all()
        )
        assert len(events) == 1 and events[0].actor == "system"
        assert events[0].details["description"].startswith("Compte bloqué pour les connexions")

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


class TestNoLockoutByStrangers:
    """Review 3, N3: anyone may type a colleague's username from two addresses; what the
    owner's earlier login proved goes on, and the owner's own browsers still sign in."""

    @pytest.fixture
    def settings_overrides(self):
        return {"throttle_after": 100, "lockout_threshold": 4, "lockout_per_source": 2}

    @staticmethod
    def strangers_fail(app, username, addresses=("10.6.6.1", "10.6.6.1", "10.6.6.2", "10.6.6.2")):
        stranger = app.test_client()
        for address in addresses:
            assert attempt(stranger, username, "wrong password!", address).status_code == 401
        return stranger

    def test_sessions_remembered_browsers_and_grants_live_on(self, app, client, make, rp):
        user = make.user("gaspard", otp_required=True)
        tokens = rp.sign_in("gaspard")
        stranger = self.strangers_fail(app, "gaspard")
        db.session.expire_all()
        assert db.session.get(type(user), user.id).locked_out_until is not None
        assert services_of(app).devices.list_for(db.session, user)  # still remembered
        assert client.get("/account").status_code == 200  # still signed in
        assert rp.introspect(tokens["access_token"])["active"] is True
        assert rp.refresh(tokens["refresh_token"]).status_code == 200
        # a stranger's browser is refused even with the right password, like a wrong one
        assert attempt(stranger, "gaspard", PASSWORD, "10.6.6.3").status_code == 401

    def test_the_owners_browser_still_signs_in_with_its_password(self, app, client, make, rp):
        make.user("hortense", otp_required=True)
        rp.sign_in("hortense")  # this browser: known, and remembered after the code
        self.strangers_fail(app, "hortense")
        answer = attempt(client, "hortense", PASSWORD, "10.6.6.9")
        assert answer.status_code == 302 and "/login/code" not in answer.location

    def test_a_known_browser_not_remembered_still_signs_in(self, app, client, make, rp):
        user = make.user("ines")
        rp.sign_in("ines")
        services_of(app).devices.revoke_all(db.session, user)  # "Oublier ce navigateur"
        db.session.commit()
        self.strangers_fail(app, "ines")
        answer = attempt(client, "ines", PASSWORD, "10.6.6.9")
        assert answer.status_code == 302 and "/login/code" in answer.location  # code asked

    def test_a_known_browser_has_its_own_allowance_not_the_accounts(self, app, make, rp):
        user = make.user("jules")
        rp.sign_in("jules")
        client = rp.client
        for address in ("10.7.0.1", "10.7.0.2", "10.7.0.3", "10.7.0.4"):
            assert attempt(client, "jules", "wrong password!", address).status_code == 401
        db.session.expire_all()
        assert db.session.get(type(user), user.id).locked_out_until is None  # not the account
        # past its allowance the browser counts as unknown: its failures count again
        for address in ("10.7.0.5", "10.7.0.5", "10.7.0.6", "10.7.0.6"):
            attempt(client, "jules", "wrong password!", address)
        db.session.expire_all()
        assert db.session.get(type(user), user.id).locked_out_until is not None

    def test_a_browser_known_before_a_password_change_is_known_no_more(self, app, client, make, rp):
        user = make.user("karim")
        rp.sign_in("karim")
        services_of(app).password_changes.set_password(user, "a brand new passphrase 7", "karim")
        self.strangers_fail(app, "karim")
        assert attempt(client, "karim", "a brand new passphrase 7", "10.6.6.9").status_code == 401

    def test_a_new_password_lifts_the_lockout(self, app, make):
        user = make.user("lena")
        stranger = self.strangers_fail(app, "lena")
        services_of(app).password_changes.set_password(user, "a brand new passphrase 7", "lena")
        assert attempt(stranger, "lena", "a brand new passphrase 7", "10.6.6.9").status_code == 302
