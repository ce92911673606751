"""Client registrations cached per worker: the token, introspection and revocation endpoints
authenticate a client on every call, and reading it from SQL was the largest cost of a
``client_credentials`` grant (about 1 ms of a 2.7 ms request; see bench/RESULTS.md).

Entries are immutable snapshots. Any change to a registration (``idp clients create|delete``,
later ``sync``) bumps a generation number in the ephemeral store; every worker compares its own
with it at most once per ``recheck`` seconds (1 s) and drops its cache when they differ, so a
deleted client stops working everywhere within a second. Unknown client ids are not cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import OAuthClient

GENERATION_KEY = keys.CLIENTS_GENERATION
GENERATION_TTL = 10 * 365 * 86400
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class ClientSnapshot:
    """The registration fields the protocol reads, copied out of the SQL row."""

    client_id: str
    client_secret_hash: str | None
    client_name: str
    first_party: bool
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scope: str
    token_endpoint_auth_method: str
    jwks: dict[str, Any] | None
    id_token_signed_response_alg: str | None
    backchannel_logout_uri: str | None = None
    may_introspect: bool = False
    pkce_optional: bool = False
    minimum_acr: str | None = None

    @classmethod
    def of(cls, row: OAuthClient) -> ClientSnapshot:
        return cls(
            client_id=row.client_id,
            client_secret_hash=row.client_secret_hash,
            client_name=row.client_name,
            first_party=bool(row.first_party),
            redirect_uris=tuple(row.redirect_uris or ()),
            post_logout_redirect_uris=tuple(row.post_logout_redirect_uris or ()),
            grant_types=tuple(row.grant_types or ()),
            scope=row.scope or "",
            token_endpoint_auth_method=row.token_endpoint_auth_method,
            jwks=row.jwks,
            id_token_signed_response_alg=row.id_token_signed_response_alg,
            backchannel_logout_uri=row.backchannel_logout_uri,
            may_introspect=bool(row.may_introspect),
            pkce_optional=bool(row.pkce_optional),
            minimum_acr=row.minimum_acr,
        )


class ClientCache:
    def __init__(
        self,
        store: EphemeralStore,
        load: Callable[[str], ClientSnapshot | None],
        recheck: float = 1.0,
    ) -> None:
        self._store = store
        self._load = load
        self._recheck = recheck
        self._lock = threading.Lock()
        self._entries: dict[str, ClientSnapshot] = {}
        self._generation: Any = None
        self._checked_at = -1e9

    def get(self, client_id: str) -> ClientSnapshot | None:
        self._check_generation()
        found = self._entries.get(client_id)
        if found is not None:
            return found
        found = self._load(client_id)
        if found is not None:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[client_id] = found
        return found

    def changed(self) -> None:
        """A registration changed: every worker drops its copies within ``recheck``."""
        self._store.incr(GENERATION_KEY, GENERATION_TTL)
        with self._lock:
            self._entries.clear()
            self._checked_at = -1e9

    def _check_generation(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self._recheck:
            return
        generation = self._store.get(GENERATION_KEY)
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            self._checked_at = now
