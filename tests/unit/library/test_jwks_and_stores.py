"""The JWKS cache against a real local HTTP server, and the in-memory stores."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from joserfc.jwk import KeySet, RSAKey
from viatrajectoire_auth import (
    EndedSessions,
    InvalidTokenError,
    JwksCache,
    LogoutEvent,
    MemoryStore,
    ProviderUnavailableError,
)
from viatrajectoire_auth.http import max_age
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class KeyServer:
    """Serves a JWKS with a chosen Cache-Control, counts requests, can go down."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, {"kid": "k1"}).as_dict(private=False)]
        self.cache_control = "public, max-age=300"
        self.down = False
        self.requests = 0

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204 - WSGI
        Request(environ)
        self.requests += 1
        if self.down:
            return Response("down", 503)(environ, start_response)
        response = Response(json.dumps({"keys": self.keys}), mimetype="application/json")
        response.headers["Cache-Control"] = self.cache_control
        return response(environ, start_response)

    def rotate(self, kid: str) -> None:
        self.keys.append(RSAKey.generate_key(2048, {"kid": kid}).as_dict(private=False))


@pytest.fixture
def keys() -> Iterator[tuple[KeyServer, str]]:
    server = KeyServer()
    http = make_server("127.0.0.1", 0, server, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield server, f"http://127.0.0.1:{http.server_port}/jwks.json"
    http.shutdown()


def kids(keyset: KeySet) -> set[str]:
    return {key.kid for key in keyset.keys}


def test_cached_for_max_age_then_refetched_once_per_unknown_kid(keys):
    server, url = keys
    cache = JwksCache(url, refetch_interval=60)
    assert kids(cache.key_set("k1")) == {"k1"} and kids(cache.key_set("k1")) == {"k1"}
    assert server.requests == 1
    server.rotate("k2")
    assert kids(cache.key_set("k2")) == {"k1", "k2"} and server.requests == 2
    for _ in range(3):  # made-up kids: no refetch within the interval
        with pytest.raises(InvalidTokenError, match="unknown key"):
            cache.key_set("forged")
    assert server.requests == 2


def test_no_store_means_fetch_every_time(keys):
    server, url = keys
    server.cache_control = "no-store"
    cache = JwksCache(url)
    cache.key_set("k1")
    cache.key_set("k1")
    assert server.requests == 2


def test_keys_in_hand_survive_a_provider_outage(keys):
    server, url = keys
    server.cache_control = "max-age=0"
    cache = JwksCache(url)
    cache.key_set("k1")
    server.down = True
    assert kids(cache.key_set("k1")) == {"k1"}  # stale, but better than refusing everyone
    with pytest.raises(ProviderUnavailableError):
        JwksCache(url).key_set("k1")  # nothing in hand: say so (503), not "invalid token"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("max-age=60", 60), ("public, max-age=5, must-revalidate", 5), ("no-cache", 0), ("", None)],
)
def test_cache_control_is_read(header, expected):
    assert max_age(header) == expected


def test_memory_store_set_nx_and_expiry():
    store = MemoryStore()
    assert store.set("a", 1, nx=True, ex=60) and not store.set("a", 2, nx=True, ex=60)
    assert store.get("a") == 1
    store.set("b", 1, ex=0)
    assert store.get("b") is None and store.set("b", 2, nx=True, ex=60)


def test_ended_sessions_by_sid_and_by_subject_cutoff():
    ended = EndedSessions()
    ended.record(LogoutEvent("https://idp", "sub-1", "sid-1", 100))
    assert ended.is_ended("sid-1", "sub-1", 50)
    assert not ended.is_ended("sid-2", "sub-1", 50)  # a sid names one session only
    ended.record(LogoutEvent("https://idp", "sub-2", None, 100))  # every session of sub-2
    assert ended.is_ended("any", "sub-2", 99) and ended.is_ended(None, "sub-2", 100)
    assert not ended.is_ended("any", "sub-2", 101)  # signed in again after the logout
