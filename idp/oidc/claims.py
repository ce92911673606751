"""The claims of an account per scope (OpenID Connect Core 5.4): all of them for ID tokens and
UserInfo, the few modules decide on for access tokens. Adding a claim is done here."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy.orm import Session, object_session

from idp.accounts import habilitations
from idp.accounts.users import TokenHolder
from idp.storage.models import User

SCOPE_CLAIMS = {
    "openid": ["sub"],
    "profile": [
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "updated_at",
        "profession",
        "national_id",
    ],
    "email": ["email", "email_verified"],
    "habilitations": ["habilitations"],
    "psc": ["psc"],
}


#: what an access token carries of each scope: what modules decide on (names and email stay
#: in userinfo, so that a token copied into a log says little about its person)
ACCESS_TOKEN_CLAIMS = {
    "profile": ("profession", "national_id"),
    "habilitations": ("habilitations",),
}


def claims_supported() -> list[str]:
    return sorted({claim for claims in SCOPE_CLAIMS.values() for claim in claims})


def user_claims(
    user: User | TokenHolder, scope: str | None, session: Session | None = None
) -> dict[str, Any]:
    """The claims of ``user`` that ``scope`` grants; ``sub`` always. A TokenHolder (plain
    columns) needs ``session`` for ``habilitations``."""
    scopes = set(scope_to_list(scope) or [])
    claims: dict[str, Any] = {"sub": user.subject}
    if "profile" in scopes:
        claims.update(
            name=f"{user.given_name} {user.family_name}".strip(),
            given_name=user.given_name,
            family_name=user.family_name,
            preferred_username=user.username,
            updated_at=int(user.updated_at.timestamp()),
            profession=user.profession,
        )
        if user.national_id:  # RPPS (or ADELI) number, from the directory or PSC
            claims["national_id"] = user.national_id
    if "email" in scopes:
        claims.update(email=user.email, email_verified=bool(user.email_verified))
    if "habilitations" in scopes:
        claims["habilitations"] = habilitation_claims(user, session)
    if "psc" in scopes and user.psc_profile:
        # what PSC signed at the account's last PSC login; absent until there is one
        claims["psc"] = user.psc_profile
    return claims


def access_token_claims(
    user: User | TokenHolder, scope: str | None, session: Session | None = None
) -> dict[str, Any]:
    """The part of ``user_claims`` an access token carries (``ACCESS_TOKEN_CLAIMS``)."""
    scopes = [name for name in scope_to_list(scope) or [] if name in ACCESS_TOKEN_CLAIMS]
    wanted = {claim for name in scopes for claim in ACCESS_TOKEN_CLAIMS[name]}
    claims = user_claims(user, " ".join(scopes), session)
    return {name: value for name, value in claims.items() if name in wanted}


def habilitation_claims(
    user: User | TokenHolder, session: Session | None = None
) -> list[dict[str, Any]]:
    """The account's valid habilitations, as documented in README (for modules to copy)."""
    session = session or object_session(user)
    if session is None:
        raise ValueError("the habilitations of a token holder are read with a session")
    return [habilitations.claim(h) for h in habilitations.valid_of_account(session, user.id)]
