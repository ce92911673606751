"""Whether an account may sign in, and whether it may keep holding tokens: decided here only.

An account may sign in while it is active, not blocked after wrong passwords, and not left
without any valid habilitation (an account that never had one, such as support or a new
account, may). It keeps its tokens while active and not left without a valid habilitation: a
blocked account keeps them (someone is guessing its password; its owner is not removed).
Every refusal is a ``NotEligibleError`` whose ``code`` the pages and the logs use.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """Blocked for a while after too many wrong passwords or codes."""

    code = "account_blocked"


class NoValidHabilitationError(NotEligibleError):
    """Every habilitation of the account has ended."""

    code = "no_habilitation"


def is_blocked(user: User) -> bool:
    return blocked_until_later(user.blocked_until)


def blocked_until_later(blocked_until: datetime | None) -> bool:
    """Whether a block that lasts until ``blocked_until`` still holds."""
    return blocked_until is not None and blocked_until > clock.utcnow()


def check_sign_in(session: Session, user: User, ended_all: bool | None = None) -> None:
    """Raise the ``NotEligibleError`` that refuses this account a login, if any.
    ``ended_all``: whether every habilitation ended, when the caller read it with the
    account (``ended_all_clause``); else it is read here."""
    if not user.is_active:
        raise AccountDeactivatedError(user.username)
    if is_blocked(user):
        raise AccountBlockedError(user.username)
    if ended_all if ended_all is not None else has_ended_all(session, user):
        raise NoValidHabilitationError(user.username)


def may_sign_in(session: Session, user: User | None, ended_all: bool | None = None) -> bool:
    """Whether a session may stand for this account now (checked wherever a session becomes
    a principal)."""
    if user is None:
        return False
    try:
        check_sign_in(session, user, ended_all)
    except NotEligibleError:
        return False
    return True


def may_hold_tokens(session: Session, user: User | None) -> bool:
    return user is not None and user.is_active and not has_ended_all(session, user)


def may_hold_tokens_by_rows(is_active: bool, periods: Sequence[Any], today: date) -> bool:
    """The same rule on columns already read (the token-holder query reads them with the
    refresh token, in one round trip): ``periods`` are the habilitations' (valid_from,
    valid_to, ended_at)."""
    return is_active and (
        not periods or any(valid_period(start, end, ended, today) for start, end, ended in periods)
    )
