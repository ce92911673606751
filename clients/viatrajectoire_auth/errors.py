"""The refusals a resource server sends, each with its RFC 6750 / RFC 9470 challenge.

A module answers ``error.status`` with ``WWW-Authenticate: error.www_authenticate()`` and, if
it likes, ``error.to_dict()`` as a JSON body; the Flask extension does exactly that.
"""

from __future__ import annotations

from typing import Any


class AuthError(Exception):
    """Base of every refusal; ``error`` is the RFC code ("" when RFC 6750 wants none)."""

    status = 401
    error = ""

    def __init__(self, description: str = "", **params: Any) -> None:
        super().__init__(description or self.error or "authentication required")
        self.description = description
        #: extra challenge parameters (``scope``, ``acr_values``, ``max_age``)
        self.params = {k: v for k, v in params.items() if v is not None}

    def www_authenticate(self, realm: str | None = None) -> str | None:
        """The ``WWW-Authenticate`` value, or None for refusals that are not challenges."""
        parts = [f'realm="{_quote(realm)}"'] if realm else []
        if self.error:
            parts.append(f'error="{self.error}"')
        if self.description:
            parts.append(f'error_description="{_quote(self.description)}"')
        parts += [f'{key}="{_quote(str(value))}"' for key, value in self.params.items()]
        return "Bearer " + ", ".join(parts) if parts else "Bearer"

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error or "unauthorized"}
        if self.description:
            body["error_description"] = self.description
        return body | self.params


class MissingTokenError(AuthError):
    """No credentials at all: RFC 6750 §3.1 says answer the bare challenge, no error code."""

    def __init__(self) -> None:
        super().__init__()


class InvalidRequestError(AuthError):
    status = 400
    error = "invalid_request"


class InvalidTokenError(AuthError):
    """Expired, revoked, malformed, not ours, or not for this module."""

    error = "invalid_token"


class InsufficientScopeError(AuthError):
    """A valid token whose person may not do this (scope or habilitation)."""

    status = 403
    error = "insufficient_scope"


class InsufficientUserAuthenticationError(AuthError):
    """RFC 9470 step-up: the person must sign in again with ``acr_values`` / ``max_age``."""

    error = "insufficient_user_authentication"


class ProviderUnavailableError(AuthError):
    """The provider's keys or introspection could not be reached: retry later, not a refusal."""

    status = 503
    error = "temporarily_unavailable"

    def www_authenticate(self, realm: str | None = None) -> str | None:
        return None


class InvalidLogoutTokenError(Exception):
    """A back-channel logout token that must not end any session (answer 400)."""


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
