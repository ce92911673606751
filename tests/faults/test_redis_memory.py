"""Review 3, N12: a Redis at its memory limit under ``maxmemory-policy noeviction`` (the
policy docs/operations.md asks for) refuses writes and evicts nothing: what needs a write
answers 503, and every session and revocation marker already stored still holds."""

from __future__ import annotations

import pytest
import redis

from tests.e2e.conftest import free_port
from tests.faults.servers import RedisServer

PORT = free_port()


@pytest.fixture
def full_redis():
    server = RedisServer(PORT, "--maxmemory", "64mb", "--maxmemory-policy", "noeviction")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings_overrides(full_redis) -> dict:
    return {"redis_url": full_redis.url}


def fill(url: str) -> None:
    """Bring the limit below what the store already uses: every write is refused from now
    on, as in a Redis that filled up (ballast would leave a margin that comes and goes with
    its clients' buffers)."""
    client = redis.Redis.from_url(url)
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory", used // 2)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("probe", "x")


def test_a_full_store_answers_503_and_keeps_what_it_holds(app, rp, make, full_redis):
    make.user("full.store")
    kept = rp.sign_in("full.store")
    ended = rp.in_new_browser().sign_in("full.store")
    assert rp.revoke(ended["access_token"]).status_code == 200  # a marker in the store
    fill(full_redis.url)

    login = rp.in_new_browser().start(rp.request())
    assert login.status_code == 503 and login.headers["Retry-After"] == "5", login.location
    assert rp.introspect(kept["access_token"])["active"] is True  # the session's grant holds
    assert rp.introspect(ended["access_token"])["active"] is False  # the marker holds
