"""One object a module builds at start-up: discovery, keys, validation, logout tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from viatrajectoire_auth.access_tokens import AccessTokenValidator
from viatrajectoire_auth.claims import Identity
from viatrajectoire_auth.guards import bearer_token
from viatrajectoire_auth.http import DEFAULT_TIMEOUT, discover
from viatrajectoire_auth.introspection import Introspector
from viatrajectoire_auth.jwks import JwksCache
from viatrajectoire_auth.logout import EndedSessions, LogoutTokenValidator
from viatrajectoire_auth.replay import SharedStore
from viatrajectoire_auth.signed import DEFAULT_ALGORITHMS


class ResourceServer:
    """A module as the provider's relying party and resource server.

    ``audience`` is the module's ``client_id`` (the provider puts it in ``aud``) or several
    accepted values. Give ``client_secret`` to enable introspection (``introspect=True`` makes
    it the default for every token) and back-channel logout tokens are validated for
    ``client_id``. ``store`` shares replay and ended-session records between processes."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        audience: str | Iterable[str] | None = None,
        introspect: bool = False,
        introspection_cache_seconds: float = 10.0,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        leeway: int = 30,
        jwks_refetch_interval: float = 30.0,
        store: SharedStore | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        http: requests.Session | None = None,
    ) -> None:
        self.http = http or requests.Session()
        self.metadata: dict[str, Any] = discover(issuer, self.http, timeout)
        self.issuer = self.metadata["issuer"]
        self.client_id = client_id
        self.jwks = JwksCache(self.metadata["jwks_uri"], self.http, jwks_refetch_interval, timeout)
        self.introspector = (
            Introspector(
                self.metadata["introspection_endpoint"],
                client_id,
                client_secret,
                introspection_cache_seconds,
                self.http,
                timeout,
            )
            if client_secret and self.metadata.get("introspection_endpoint")
            else None
        )
        if introspect and self.introspector is None:
            raise ValueError("introspect=True needs client_secret and an introspection endpoint")
        self.tokens = AccessTokenValidator(
            self.issuer, audience or client_id, self.jwks, algorithms, leeway, self.introspector
        )
        self.introspect = introspect
        self.logout_tokens = LogoutTokenValidator(
            self.issuer, client_id, self.jwks, algorithms, leeway, store
        )
        self.ended_sessions = EndedSessions(store)

    def authenticate(self, authorization: str | None, introspect: bool | None = None) -> Identity:
        """The caller behind an ``Authorization`` header, or the AuthError to answer."""
        token = bearer_token(authorization)
        return self.tokens.validate(token, self.introspect if introspect is None else introspect)

    def handle_logout(self, logout_token: str | None) -> None:
        """Validate a back-channel logout token and record what ended (raises when invalid)."""
        self.ended_sessions.record(self.logout_tokens.validate(logout_token))
