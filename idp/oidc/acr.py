"""Checking requested ``acr_values`` against what a login achieved (values in authn.context).

Only what the provider can actually deliver is listed; an RP asking for anything else gets
``unmet_authentication_requirements`` instead of a weaker login.
"""

from typing import Any

from idp.authn.context import (
    ACR_EMAIL_OTP,
    ACR_LEVELS,
    ACR_PASSKEY,
    ACR_PASSKEY_PSC,
    ACR_PASSWORD,
    ACR_PSC,
    AMR_PASSWORD,
)

__all__ = [
    "ACR_EMAIL_OTP",
    "ACR_LEVELS",
    "ACR_PASSWORD",
    "ACR_PSC",
    "AMR_PASSWORD",
    "deliverable",
    "meets",
    "satisfiable",
    "strongest_level",
]


def deliverable(settings: Any, acr: str) -> bool:
    """Whether this provider, as configured, can sign anyone in at ``acr``: PSC's level needs
    PSC; the passkeys' levels need the issuer on a domain name (the WebAuthn RP ID)."""
    if acr == ACR_PSC:
        return bool(settings.psc_enabled)
    if acr == ACR_PASSKEY_PSC:
        return bool(settings.psc_enabled and settings.passkey_rp_id)
    if acr == ACR_PASSKEY:
        return bool(settings.passkey_rp_id)
    return acr in ACR_LEVELS


def satisfiable(requested: list[str]) -> list[str]:
    """The requested acr values this provider knows, in the RP's order of preference."""
    return [value for value in requested if value in ACR_LEVELS]


def meets(achieved: str, requested: list[str]) -> bool:
    if not requested:
        return True
    level = ACR_LEVELS.get(achieved, 0)
    return any(ACR_LEVELS.get(value, 99) <= level for value in requested)


def strongest_level(requested: list[str]) -> int:
    """The weakest level that satisfies the request (any listed value will do)."""
    levels = [ACR_LEVELS[value] for value in satisfiable(requested)]
    return min(levels) if levels else 0
