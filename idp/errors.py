"""The root of idp's own errors.

Domain packages raise subclasses carrying data, not prose; the web layer turns them into the
French message shown to a person. Protocol failures use Authlib's ``OAuth2Error`` instead.
"""


class IdpError(Exception):
    """Base class of every error raised on purpose by idp."""


class ConfigurationError(IdpError):
    """The settings are invalid or incomplete; the provider must not start."""


class NotFoundError(IdpError):
    """A named record does not exist."""


class ConflictError(IdpError):
    """A record with the same unique name already exists."""
