"""User accounts: creation, lookup, state (blocked, locked out, deactivated, cut-off, charter)."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Date, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from idp import clock
from idp.accounts import audit, eligibility, habilitations
from idp.accounts.usernames import username_key
from idp.errors import ConflictError, IdpError
from idp.storage import database
from idp.storage.models import User

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{2,150}$")
# What mail servers deliver without SMTPUTF8: printable ASCII (an international domain in its
# xn-- form). A non-ASCII address was accepted, and its mail written with a broken To header.
EMAIL_PATTERN = re.compile(r"^[\x21-\x3f\x41-\x7e]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z0-9-]{2,}$")


class PasswordHasher(Protocol):
    """What accounts need of password hashing (``authn.passwords.Passwords``), given to them
    so that accounts depend on nothing above them."""

    def hash(self, password: str) -> str: ...


class InvalidUserError(IdpError):
    """A field of a new account is invalid; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def create_user(
    session: Session,
    passwords: PasswordHasher,
    *,
    username: str,
    email: str,
    password: str | None,
    given_name: str = "",
    family_name: str = "",
    actor: str = audit.SYSTEM,
    email_verified: bool = False,
    otp_required: bool = False,
) -> User:
    """Create an account with a fresh random ``sub``; the caller commits."""
    if not USERNAME_PATTERN.match(username or ""):
        raise InvalidUserError("username", "2-150 letters, digits or . _ @ -")
    if not EMAIL_PATTERN.match(email or ""):
        raise InvalidUserError("email", "not an email address")
    if password is not None and not 12 <= len(password) <= 1024:
        raise InvalidUserError("password", "12 to 1024 characters")
    if get_by_username(session, username) is not None:
        raise ConflictError(f"username {username!r} is taken")  # in any case (L5)
    user = User(
        subject=str(uuid.uuid4()),
        username=username,
        username_key=username_key(username),
        email=email,
        email_verified=email_verified,
        otp_required=otp_required,
        given_name=given_name,
        family_name=family_name,
        password_hash=passwords.hash(password) if password else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", f"user:{user.subject}", username=username)
    return user


def get_by_username(session: Session, username: str) -> User | None:
    """The account of ``username`` in any case or compatibility form."""
    return session.query(User).filter_by(username_key=username_key(username)).one_or_none()


def get_by_subject(session: Session, subject: str) -> User | None:
    return session.query(User).filter_by(subject=subject).one_or_none()


def get_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_with_state(session: Session, user_id: int) -> tuple[User, bool] | None:
    """The account and whether all its habilitations ended, in one query (a session
    becoming a principal needs both: two round trips before)."""
    row = session.execute(_with_state(), {"user_id": user_id, "today": clock.today()}).first()
    return (row[0], bool(row[1])) if row is not None else None


@functools.cache
def _with_state() -> Any:
    """Built once, with bound parameters (see ``get_with_state``)."""
    today = bindparam("today", type_=Date)
    return select(User, habilitations.ended_all_clause(User.id, today)).where(
        User.id == bindparam("user_id")
    )


def list_users(session: Session, limit: int = 1000) -> list[User]:
    return session.query(User).order_by(User.username).limit(limit).all()


def is_blocked(user: User) -> bool:
    return eligibility.is_blocked(user)


def lock_out(session: Session, user: User, seconds: int, actor: str = audit.SYSTEM) -> bool:
    """Refuse password attempts from browsers the account has not used, for ``seconds``
    (too many wrong passwords or codes); False if it was locked out already. Nothing the
    account holds ends: a stranger who guesses must not sign its owner out."""
    if eligibility.is_locked_out(user):
        return False
    until = clock.utcnow() + timedelta(seconds=seconds)
    _set_quietly(session, user, locked_out_until=until)
    audit.record(
        session,
        actor,
        "user.locked_out",
        f"user:{user.subject}",
        description="Compte bloqué pour les connexions par mot de passe depuis un navigateur "
        "inconnu (trop de mots de passe ou de codes erronés)",
        until=until.isoformat(),
    )
    return True


def unblock(session: Session, user: User, actor: str) -> None:
    """Lift a référent's block and a lockout after wrong passwords alike."""
    user.blocked_until = None
    user.locked_out_until = None
    audit.record(
        session, actor, "user.unblocked", f"user:{user.subject}", description="Déblocage du compte"
    )


def lift_lockout(session: Session, user: User) -> None:
    """A new password makes the guesses on the old one moot (the caller audits the change)."""
    if user.locked_out_until is not None:
        _set_quietly(session, user, locked_out_until=None)


def set_passkey_handle(session: Session, user: User, handle: str) -> None:
    """The account's WebAuthn user handle, made once (the caller commits)."""
    _set_quietly(session, user, passkey_handle=handle)


def end_sign_ins(session: Session, user: User) -> None:
    """Record the account's cut-off: every sign-in before now has ended (its sessions, codes,
    grants and tokens, however long the store's markers live). The caller commits."""
    _set_quietly(session, user, signed_out_at=clock.utcnow())


def _set_quietly(session: Session, user: User, **values: Any) -> None:
    """Change the account's security columns without bumping ``updated_at`` (the OIDC claim
    says when the person's information changed, not their sign-in state)."""
    table = User.__table__
    session.execute(
        update(table)
        .where(table.c.id == user.id)
        .values(**values)
        .values(updated_at=table.c.updated_at)
    )
    for name, value in values.items():
        set_committed_value(user, name, value)


def has_accepted_charter(user: User, version: str) -> bool:
    return user.charter_version == version


def accept_charter(session: Session, user: User, version: str) -> None:
    """Record the acceptance of the conditions of use ("Charte validée"); the caller commits."""
    user.charter_version = version
    user.charter_accepted_at = clock.utcnow()
    audit.record(
        session,
        user.username,
        "user.charter_accepted",
        f"user:{user.subject}",
        description="Charte validée",
        version=version,
    )


@dataclass(frozen=True)
class TokenHolder:
    """An account as the token-checking endpoints see it: the claim columns and its
    ``AccountState``, read in one query of plain columns (introspection and userinfo run on
    every module call; loading ORM objects and habilitations was most of their cost)."""

    id: int
    subject: str
    username: str
    email: str
    email_verified: bool
    given_name: str
    family_name: str
    profession: str
    national_id: str | None
    updated_at: datetime
    psc_profile: dict[str, Any] | None
    state: eligibility.AccountState

    @property
    def may_hold_tokens(self) -> bool:
        """Whether the account may still sign in and hold tokens (``eligibility.eligible``)."""
        return eligibility.eligible(self.state)

    def signed_out_since(self, instant: float) -> bool:
        """Whether what began at ``instant`` was ended by the account's cut-off."""
        return eligibility.ended_by_cut_off(self.state, instant)


#: the TokenHolder fields read from the account's row (``state`` is derived)
HOLDER_COLUMNS = tuple(f.name for f in fields(TokenHolder)[:-1])
#: the account's columns the state is made of, read after HOLDER_COLUMNS
STATE_COLUMNS = ("is_active", "blocked_until", "signed_out_at")


def holder_columns() -> list[Any]:
    """The columns a TokenHolder is read from, one row per habilitation (outer-join
    ``Habilitation`` on ``User.id``); ``holder_from_rows`` turns the rows back into one.
    Table columns, not ORM attributes: a statement of plain columns skips the ORM's
    compilation and loading (a tenth of a refresh's CPU, bench/RESULTS.md)."""
    from idp.storage.models import Habilitation

    account, habilitation = User.__table__.c, Habilitation.__table__.c
    return [
        *(account[name] for name in HOLDER_COLUMNS + STATE_COLUMNS),
        habilitation.valid_from,
        habilitation.valid_to,
        habilitation.ended_at,
    ]


def holder_from_rows(rows: Sequence[Any], offset: int = 0) -> TokenHolder | None:
    """The holder of rows selected with ``holder_columns`` starting at column ``offset``."""
    if not rows:
        return None
    state_at = offset + len(HOLDER_COLUMNS)
    first_period = state_at + len(STATE_COLUMNS)
    periods = [row[first_period:] for row in rows if row[first_period] is not None]
    is_active, blocked_until, signed_out_at = rows[0][state_at:first_period]
    state = eligibility.AccountState.from_rows(
        bool(is_active), blocked_until, signed_out_at, periods, clock.today()
    )
    columns: dict[str, Any] = dict(zip(HOLDER_COLUMNS, rows[0][offset:state_at], strict=True))
    return TokenHolder(**columns, state=state)


def token_holder(session: Session, subject: str) -> TokenHolder | None:
    """The holder of a token's ``sub``, read alone (``database.execute_alone_or_in``)."""
    rows = database.execute_alone_or_in(session, _holder_by_subject(), {"subject": subject[:64]})
    return holder_from_rows(rows)


def holder_by_id(session: Session, user_id: int) -> TokenHolder | None:
    """The holder of a code being exchanged, read alone (``database.execute_alone_or_in``)."""
    return holder_from_rows(database.execute_alone_or_in(session, _holder_by_id(), {"id": user_id}))


@functools.cache
def _holder_by_subject() -> Any:
    return _holders().where(User.__table__.c.subject == bindparam("subject"))


@functools.cache
def _holder_by_id() -> Any:
    return _holders().where(User.__table__.c.id == bindparam("id"))


def _holders() -> Any:
    from idp.storage.models import Habilitation

    account, habilitation = User.__table__, Habilitation.__table__
    return (
        select(*holder_columns())
        .select_from(account)
        .outerjoin(habilitation, habilitation.c.user_id == account.c.id)
    )
