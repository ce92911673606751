"""What the protocol modules need from the rest of the provider, handed over in one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.authn.passwords import Passwords
from idp.authn.sessions import SessionService
from idp.keyring import Keyring
from idp.settings import Settings
from idp.storage.ephemeral import EphemeralStore


@dataclass
class ProviderContext:
    settings: Settings
    store: EphemeralStore
    keyring: Keyring
    passwords: Passwords
    sessions: SessionService
    db_session: Callable[[], Session]

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    def url(self, path: str) -> str:
        return f"{self.settings.issuer}{path}"
