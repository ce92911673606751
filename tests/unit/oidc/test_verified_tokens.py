"""The per-worker record of access tokens already verified."""

from __future__ import annotations

import time

from idp.oidc.verified_tokens import VerifiedTokens


def test_a_verified_token_is_known_until_it_expires():
    cache = VerifiedTokens()
    cache.put("a.b.c", "kid-1", {"exp": int(time.time()) + 60, "sub": "s"})
    assert cache.get("a.b.c") == ("kid-1", {"exp": cache.get("a.b.c")[1]["exp"], "sub": "s"})
    assert cache.get("a.b.d") is None  # another string is another token
    cache.put("x.y.z", "kid-1", {"exp": int(time.time()) - 1})
    assert cache.get("x.y.z") is None


def test_bounded_expired_first_then_oldest():
    cache = VerifiedTokens(max_entries=3)
    live = int(time.time()) + 60
    cache.put("old", "k", {"exp": int(time.time()) - 5})
    cache.put("t1", "k", {"exp": live})
    cache.put("t2", "k", {"exp": live})
    cache.put("t3", "k", {"exp": live})  # full: the expired one goes
    assert all(cache.get(t) for t in ("t1", "t2", "t3"))
    cache.put("t4", "k", {"exp": live})  # full of live ones: the oldest goes
    assert cache.get("t1") is None and cache.get("t4")
