"""What the protocol modules need from the rest of the provider, handed over in one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from idp.accounts.holder_cache import HolderCache
from idp.authn.passwords import Passwords
from idp.authn.sessions import SessionService
from idp.keyring import Keyring
from idp.oidc.client_cache import ClientCache
from idp.oidc.verified_tokens import VerifiedTokens
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
    clients: ClientCache = field(init=False)
    holders: HolderCache = field(init=False)
    verified_tokens: VerifiedTokens = field(init=False, default_factory=VerifiedTokens)

    def __post_init__(self) -> None:
        from idp.accounts.users import token_holder
        from idp.oidc.clients import load_snapshot

        self.clients = ClientCache(self.store, lambda cid: load_snapshot(self.db_session(), cid))
        self.holders = HolderCache(
            lambda subject: token_holder(self.db_session(), subject),
            self.settings.holder_cache_seconds,
        )

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    def url(self, path: str) -> str:
        return f"{self.settings.issuer}{path}"
