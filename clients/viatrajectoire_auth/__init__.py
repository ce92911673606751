"""viatrajectoire-auth: what a ViaTrajectoire module needs to trust the provider's tokens.

Start from ``ResourceServer`` (plain Python) or ``viatrajectoire_auth.flask`` (Flask); the
README next to this package walks through both.
"""

from viatrajectoire_auth import acr
from viatrajectoire_auth.access_tokens import AccessTokenValidator
from viatrajectoire_auth.claims import Establishment, Habilitation, Identity
from viatrajectoire_auth.errors import (
    AuthError,
    InsufficientScopeError,
    InsufficientUserAuthenticationError,
    InvalidLogoutTokenError,
    InvalidRequestError,
    InvalidTokenError,
    MissingTokenError,
    ProviderUnavailableError,
)
from viatrajectoire_auth.guards import (
    bearer_token,
    require_acr,
    require_habilitation,
    require_scope,
)
from viatrajectoire_auth.http import discover
from viatrajectoire_auth.introspection import Introspector
from viatrajectoire_auth.jwks import JwksCache
from viatrajectoire_auth.logout import EndedSessions, LogoutEvent, LogoutTokenValidator
from viatrajectoire_auth.replay import MemoryStore
from viatrajectoire_auth.resource import ResourceServer
from viatrajectoire_auth.service import ServiceClient

__all__ = [
    "AccessTokenValidator",
    "AuthError",
    "EndedSessions",
    "Establishment",
    "Habilitation",
    "Identity",
    "InsufficientScopeError",
    "InsufficientUserAuthenticationError",
    "InvalidLogoutTokenError",
    "InvalidRequestError",
    "InvalidTokenError",
    "Introspector",
    "JwksCache",
    "LogoutEvent",
    "LogoutTokenValidator",
    "MemoryStore",
    "MissingTokenError",
    "ProviderUnavailableError",
    "ResourceServer",
    "ServiceClient",
    "acr",
    "bearer_token",
    "discover",
    "require_acr",
    "require_habilitation",
    "require_scope",
]
