"""Redis stopped under the provider, then started again (a real redis-server of the test's
own): requests that need it get a clear 503 during the outage (never a 500, never a login
that skips a step), a refresh goes on (it needs only the database), and everything works
again within 5 s of its return."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import free_port
from tests.faults.servers import RedisServer, refresh_once_back
from tests.functional.test_lockout import attempt

PORT = free_port()


@pytest.fixture
def own_redis():
    server = RedisServer(PORT)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings_overrides(own_redis) -> dict:
    return {"redis_url": own_redis.url}


def test_an_outage_answers_503_and_nothing_is_lost(rp, make, client, own_redis):
    make.user("outage.user")
    tokens = rp.sign_in("outage.user")
    own_redis.stop()

    # a refresh needs only the database (its token, family and account are read in one
    # query): modules keep refreshing through a Redis outage
    refresh = rp.refresh(tokens["refresh_token"])
    assert refresh.status_code == 200, refresh.get_json()
    introspection = rp.authenticated_post("/introspect", {"token": tokens["access_token"]})
    assert introspection.status_code == 503
    assert introspection.get_json()["error"] == "temporarily_unavailable"
    assert introspection.headers["Retry-After"] == "5"
    login = attempt(client, "outage.user", "correct horse battery staple")
    assert login.status_code == 503 and "momentanément indisponible" in login.get_data(as_text=True)
    assert "idp_sso" not in (login.headers.get("Set-Cookie") or "")  # no session was opened

    own_redis.start()
    answer = refresh_once_back(rp, refresh.get_json()["refresh_token"])
    # the refresh made during the outage is the family's live token afterwards
    assert answer.status_code == 200, answer.get_json()
    assert rp.in_new_browser().sign_in("outage.user")["access_token"]
