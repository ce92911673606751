"""Service-to-service calls: a ``client_credentials`` token, reused until near its expiry.

service = ServiceClient.from_issuer(ISSUER, "module-ga", secret)
requests.get(url, auth=service.auth())
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error

from viatrajectoire_auth.errors import ProviderUnavailableError
from viatrajectoire_auth.http import DEFAULT_TIMEOUT, discover


class ServiceClient:
    def __init__(
        self,
        token_endpoint: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        margin: int = 30,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.token_endpoint = token_endpoint
        self.scope = scope
        self.margin = margin
        self.timeout = timeout
        self._session = OAuth2Session(client_id, client_secret, scope=scope)
        self._token: dict[str, Any] | None = None
        self._lock = threading.Lock()
        #: how many tokens were requested (tests and metrics)
        self.fetches = 0

    @classmethod
    def from_issuer(cls, issuer: str, client_id: str, client_secret: str, **options: Any):  # noqa: ANN206
        return cls(discover(issuer)["token_endpoint"], client_id, client_secret, **options)

    def access_token(self) -> str:
        """A token valid for at least ``margin`` more seconds (fetched when needed)."""
        with self._lock:
            if self._token is None or self._token["expires_at"] - self.margin <= time.time():
                self._token = self._fetch()
            return self._token["access_token"]

    def invalidate(self) -> None:
        """Forget the cached token (after a 401 from the API called with it)."""
        with self._lock:
            self._token = None

    def auth(self) -> requests.auth.AuthBase:
        return _Bearer(self)

    def _fetch(self) -> dict[str, Any]:
        self.fetches += 1
        try:
            token = self._session.fetch_token(
                self.token_endpoint, grant_type="client_credentials", timeout=self.timeout
            )
        except (OAuth2Error, requests.RequestException, ValueError) as error:
            raise ProviderUnavailableError(f"no service token: {error}") from error
        token.setdefault("expires_at", time.time() + int(token.get("expires_in", 60)))
        return dict(token)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, service: ServiceClient) -> None:
        self.service = service

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.service.access_token()}"
        return request
