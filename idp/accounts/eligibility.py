"""Whether an account may sign in, whether it may keep holding tokens, and whether something
it was given was ended by its cut-off: decided here only, from one ``AccountState`` however
the account was read (an object at a login, plain columns at a token check).

An account may sign in, and keep what it holds (sessions, codes, grants, tokens), while it is
active, not blocked by a référent or support, and not left without any valid habilitation (an
account that never had one, such as support or a new account, may): one rule, ``eligible``.

Wrong passwords or codes do not block an account here: they lock password attempts from
browsers the account has not used (``authn.lockout``), and what an earlier login proved goes
on. Every refusal is a ``NotEligibleError`` whose ``code`` the pages and the logs use.

The cut-off (``signed_out_at``): every sign-in before it has ended. A session, a code, a
refresh family or an access token that began at or before it is refused, wherever it is
presented; instants in whole seconds (``auth_time``, ``iat``) count as before when the cut-off
falls within their second, as the store's revocation markers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from idp import clock
from idp.accounts.habilitations import has_ended_all
from idp.errors import IdpError
from idp.storage.models import User, valid_period


class NotEligibleError(IdpError):
    """The account may not sign in now; ``code`` says why."""

    code = "not_eligible"

    def __init__(self, username: str) -> None:
        super().__init__(username)
        self.username = username


class AccountDeactivatedError(NotEligibleError):
    """Deactivated (by a referent, or after a long inactivity): a referent may reactivate it."""

    code = "account_deactivated"


class AccountBlockedError(NotEligibleError):
    """Blocked by a référent or support ("Bloquer le compte")."""

    code = "account_blocked"


class NoValidHabilitationError(NotEligibleError):
    """Every habilitation of the account has ended."""

    code = "no_habilitation"


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the rules read of an account: its columns, and whether every habilitation ended
    (read with the account by the caller's query, so that no rule costs a round trip)."""

    is_active: bool
    blocked_until: datetime | None
    ended_all: bool
    signed_out_at: datetime | None = None

    @classmethod
    def of(cls, user: User, ended_all: bool) -> AccountState:
        return cls(user.is_active, user.blocked_until, ended_all, user.signed_out_at)

    @classmethod
    def from_rows(
        cls,
        is_active: bool,
        blocked_until: datetime | None,
        signed_out_at: datetime | None,
        periods: list[Any],
        today: date,
    ) -> AccountState:
        """From columns already read; ``periods``: the habilitations' (valid_from, valid_to,
        ended_at), none for an account that never had one."""
        ended_all = bool(periods) and not any(
            valid_period(start, end, ended, today) for start, end, ended in periods
        )
        return cls(is_active, blocked_until, ended_all, signed_out_at)


def refusal(state: AccountState) -> type[NotEligibleError] | None:
    """Why this account may not sign in now, or None."""
    if not state.is_active:
        return AccountDeactivatedError
    if blocked_until_later(state.blocked_until):
        return AccountBlockedError
    if state.ended_all:
        return NoValidHabilitationError
    return None


def eligible(state: AccountState) -> bool:
    """Whether the account may sign in now and keep what it holds."""
    return refusal(state) is None


def ended_by_cut_off(state: AccountState, instant: float) -> bool:
    """Whether what began at ``instant`` (epoch seconds) was ended by the account's cut-off."""
    return state.signed_out_at is not None and instant <= state.signed_out_at.timestamp()


def is_blocked(user: User) -> bool:
    return blocked_until_later(user.blocked_until)


def is_locked_out(user: User) -> bool:
    """Password attempts from browsers this account has not used are refused for now."""
    return blocked_until_later(user.locked_out_until)


def blocked_until_later(blocked_until: datetime | None) -> bool:
    """Whether a block that lasts until ``blocked_until`` still holds."""
    return blocked_until is not None and blocked_until > clock.utcnow()


def state_of(session: Session, user: User, ended_all: bool | None = None) -> AccountState:
    """``ended_all``: whether every habilitation ended, when the caller read it with the
    account (``ended_all_clause``); else it is read here."""
    ended = ended_all if ended_all is not None else has_ended_all(session, user)
    return AccountState.of(user, ended)


def check_sign_in(session: Session, user: User, ended_all: bool | None = None) -> None:
    """Raise the ``NotEligibleError`` that refuses this account a login, if any: at every
    step that ends in a session or changes its secrets (password, codes, PSC, password change
    and reset)."""
    refused = refusal(state_of(session, user, ended_all))
    if refused is not None:
        raise refused(user.username)


def may_sign_in(session: Session, user: User | None, ended_all: bool | None = None) -> bool:
    """Whether a session may stand for this account now (checked wherever a session becomes
    a principal)."""
    return user is not None and eligible(state_of(session, user, ended_all))
