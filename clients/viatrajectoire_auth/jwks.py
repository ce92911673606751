"""The provider's public keys, cached as long as its ``Cache-Control`` allows.

A token signed with a ``kid`` not in the cache triggers one refetch (the provider rotated its
key), at most once per ``refetch_interval`` so a stream of forged ``kid`` values cannot turn
the module into a load generator against the provider.
"""

from __future__ import annotations

import threading
import time

import requests
from joserfc.jwk import KeySet

from viatrajectoire_auth.errors import InvalidTokenError, ProviderUnavailableError
from viatrajectoire_auth.http import DEFAULT_TIMEOUT, get_json

DEFAULT_MAX_AGE = 300
MAX_MAX_AGE = 24 * 3600


class JwksCache:
    def __init__(
        self,
        jwks_uri: str,
        http: requests.Session | None = None,
        refetch_interval: float = 30.0,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.jwks_uri = jwks_uri
        self.http = http or requests.Session()
        self.refetch_interval = refetch_interval
        self.timeout = timeout
        #: how many times the JWKS was downloaded (operators graph it; tests count it)
        self.fetches = 0
        self._keys: KeySet | None = None
        self._expires = 0.0
        self._last_forced = float("-inf")
        self._lock = threading.Lock()

    def key_set(self, kid: str | None) -> KeySet:
        """The cached keys, refreshed when stale or when ``kid`` is unknown (rate-limited)."""
        with self._lock:
            now = time.monotonic()
            if self._keys is None or now >= self._expires:
                self._fetch(now)
            elif kid is not None and not self._has(kid):
                if now - self._last_forced >= self.refetch_interval:
                    self._last_forced = now
                    self._fetch(now)
            assert self._keys is not None
            if kid is not None and not self._has(kid):
                raise InvalidTokenError("the token is signed with an unknown key")
            return self._keys

    def _has(self, kid: str) -> bool:
        return any(key.kid == kid for key in self._keys.keys) if self._keys else False

    def _fetch(self, now: float) -> None:
        try:
            document, max_age = get_json(self.http, self.jwks_uri, self.timeout)
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except ProviderUnavailableError:
            if self._keys is None:
                raise
            return  # keep serving the keys we have; the provider is briefly unreachable
        except (ValueError, TypeError, KeyError) as error:
            raise ProviderUnavailableError("the provider's JWKS cannot be read") from error
        self.fetches += 1
        self._keys = keys
        lifetime = DEFAULT_MAX_AGE if max_age is None else min(max_age, MAX_MAX_AGE)
        self._expires = now + lifetime
