"""One contract, every backend: MemoryStore and RedisStore behave the same (docs/design.md)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from idp.storage.ephemeral import EphemeralStore, MemoryStore, RedisStore
from tests.backends import REDIS_URL


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def store(request, worker_id) -> EphemeralStore:
    if request.param == "memory":
        return MemoryStore()
    from tests.backends import worker_number

    url = f"{REDIS_URL}/{worker_number(worker_id) + 8}"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL}: start it (see .ci/run)")
    return RedisStore(url)


@pytest.fixture
def key() -> str:
    return f"idp:test:{uuid.uuid4()}"


def test_put_then_get_returns_value(store, key):
    store.put(key, {"a": 1, "b": ["x"]}, 10)
    assert store.get(key) == {"a": 1, "b": ["x"]}


def test_get_missing_returns_none(store, key):
    assert store.get(key) is None


def test_put_replaces(store, key):
    store.put(key, {"v": 1}, 10)
    store.put(key, {"v": 2}, 10)
    assert store.get(key) == {"v": 2}


def test_consume_returns_once(store, key):
    store.put(key, {"v": 1}, 10)
    assert store.consume(key) == {"v": 1}
    assert store.consume(key) is None
    assert store.get(key) is None


def test_consume_is_atomic_under_concurrency(store, key):
    for round_ in range(20):
        k = f"{key}:{round_}"
        store.put(k, {"v": round_}, 10)
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(store.consume, [k] * 4))
        assert sum(r is not None for r in results) == 1


def test_add_only_when_absent(store, key):
    assert store.add(key, {"v": 1}, 10) is True
    assert store.add(key, {"v": 2}, 10) is False
    assert store.get(key) == {"v": 1}


def test_delete(store, key):
    store.put(key, {"v": 1}, 10)
    store.delete(key)
    store.delete(key)
    assert store.get(key) is None


def test_delete_several_keys_at_once(store, key):
    store.put(key + ":a", {"v": 1}, 10)
    store.put(key + ":b", {"v": 2}, 10)
    store.delete(key + ":a", key + ":b", key + ":absent")
    assert store.get_many([key + ":a", key + ":b"]) == [None, None]


def test_incr_counts_from_one(store, key):
    assert [store.incr(key, 10) for _ in range(3)] == [1, 2, 3]


def test_values_expire(store, key):
    store.put(key, {"v": 1}, 1)
    store.incr(key + ":n", 1)
    time.sleep(1.2)
    assert store.get(key) is None
    assert store.incr(key + ":n", 1) == 1


@pytest.mark.parametrize("ttl", [0, -5])
def test_non_positive_ttl_is_refused(store, key, ttl):
    with pytest.raises(ValueError):
        store.put(key, {}, ttl)


def test_ping(store):
    store.ping()


def test_memory_store_expiry_with_fake_clock():
    clock = FakeClock()
    memory = MemoryStore(clock=clock)
    memory.put("k", {"v": 1}, 5)
    clock.now += 4.9
    assert memory.get("k") == {"v": 1}
    clock.now += 0.2
    assert memory.get("k") is None
    assert memory.add("k", {"v": 2}, 5) is True


def test_memory_store_is_not_shared_and_redis_is():
    assert MemoryStore.shared is False and RedisStore.shared is True


def test_get_many_keeps_order_and_misses(store, key):
    store.put(key + ":a", {"n": 1}, 60)
    store.put(key + ":c", {"n": 3}, 60)
    assert store.get_many([key + ":a", key + ":b", key + ":c"]) == [{"n": 1}, None, {"n": 3}]


def test_put_many_stores_each_with_its_own_ttl(store, key):
    store.put_many([(key + ":a", {"n": 1}, 60), (key + ":b", {"n": 2}, 1)])
    assert store.get_many([key + ":a", key + ":b"]) == [{"n": 1}, {"n": 2}]
    store.put_many([(key + ":a", {"n": 3}, 60)])  # replaces, as put does
    time.sleep(1.2)
    assert store.get_many([key + ":a", key + ":b"]) == [{"n": 3}, None]
