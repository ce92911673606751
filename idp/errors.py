"""The root of idp's own errors.

Domain packages raise subclasses carrying data, not prose: a ``code`` (one per kind of
refusal, stable: pages show it, the JSON APIs answer it) and, where useful, details such as a
``reason``. The web layer turns the code into a status and the French text a person reads
(``idp.web.errors``), once per blueprint. Protocol failures use Authlib's ``OAuth2Error``.
"""

from typing import ClassVar


class IdpError(Exception):
    """Base class of every error raised on purpose by idp."""

    code: ClassVar[str] = "invalid_request"


class ConfigurationError(IdpError):
    """The settings are invalid or incomplete; the provider must not start."""

    code = "configuration"


class NotFoundError(IdpError):
    """A named record does not exist."""

    code = "not_found"


class ConflictError(IdpError):
    """A record with the same unique name already exists."""

    code = "conflict"
