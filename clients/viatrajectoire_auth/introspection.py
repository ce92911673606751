"""Asking the provider whether a token is still active (RFC 7662), with a short cache.

The cache (``cache_seconds``, 10 by default, never beyond the token's expiry) bounds how
long a revocation may go unseen and how often a busy route calls the provider. Only token
digests are kept, never tokens.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import requests

from viatrajectoire_auth.errors import InvalidTokenError, ProviderUnavailableError
from viatrajectoire_auth.http import DEFAULT_TIMEOUT

MAX_ENTRIES = 10_000


class Introspector:
    def __init__(
        self,
        endpoint: str,
        client_id: str,
        client_secret: str,
        cache_seconds: float = 10.0,
        http: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.endpoint = endpoint
        self.auth = (client_id, client_secret)
        self.cache_seconds = cache_seconds
        self.http = http or requests.Session()
        self.timeout = timeout
        #: how many times the provider was asked (tests and metrics)
        self.calls = 0
        self._cache: dict[str, float] = {}
        self._lock = threading.Lock()

    def check_active(self, token: str, claims: dict[str, Any]) -> None:
        """Returns if the provider says the token is active; InvalidTokenError otherwise."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            if self._cache.get(key, 0.0) > now:
                return
        if not self._ask(token):
            raise InvalidTokenError("the token has been revoked")
        lifetime = min(self.cache_seconds, float(claims.get("exp", 0)) - time.time())
        if lifetime > 0:
            with self._lock:
                if len(self._cache) >= MAX_ENTRIES:
                    self._cache = {k: v for k, v in self._cache.items() if v > now}
                    if len(self._cache) >= MAX_ENTRIES:
                        self._cache.clear()
                self._cache[key] = now + lifetime

    def _ask(self, token: str) -> bool:
        self.calls += 1
        try:
            response = self.http.post(
                self.endpoint,
                data={"token": token, "token_type_hint": "access_token"},
                auth=self.auth,
                timeout=self.timeout,
            )
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailableError(
                f"introspection failed: {type(error).__name__}"
            ) from error
        return isinstance(answer, dict) and answer.get("active") is True
