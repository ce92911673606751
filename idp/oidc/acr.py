"""Authentication context values (OpenID Connect Core 2, RFC 8176), documented in discovery.

Only what the provider can actually deliver is listed; an RP asking for anything else gets
``unmet_authentication_requirements`` instead of a weaker login.
"""

ACR_PASSWORD = "urn:viatrajectoire:acr:password"

#: acr value -> strength; a login satisfies a request for any value of lower or equal strength.
ACR_LEVELS = {ACR_PASSWORD: 1}

AMR_PASSWORD = "pwd"


def satisfiable(requested: list[str]) -> list[str]:
    """The requested acr values this provider knows, in the RP's order of preference."""
    return [value for value in requested if value in ACR_LEVELS]


def meets(achieved: str, requested: list[str]) -> bool:
    if not requested:
        return True
    level = ACR_LEVELS.get(achieved, 0)
    return any(ACR_LEVELS.get(value, 99) <= level for value in requested)
