"""The authenticated person as the grants see it: the account plus how and when they signed in.

This is what comes out of the login seam (docs/design.md): subject, acr, amr, auth_time, and the
SSO session id. Authlib hands it to the token generators as ``user``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from idp.accounts.users import TokenHolder
from idp.storage.models import User


@dataclass
class Principal:
    #: the account; a refresh reads it as plain columns (TokenHolder), a login as the object
    user: User | TokenHolder
    auth_time: int
    acr: str
    amr: list[str]
    sid: str | None = None
    family_id: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def get_user_id(self) -> str:
        return self.user.subject
