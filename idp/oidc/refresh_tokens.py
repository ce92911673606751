"""Refresh tokens: opaque, stored as digests, rotated at each use within a family that
ends ``family_max_age`` after the login. Rotation is one statement on PostgreSQL, so that of
two requests racing on one token only one wins.

On PostgreSQL a refresh's read and its rotation each run alone, in autocommit: the read needs
no transaction and the rotation is atomic by itself, so a refresh needs no BEGIN and COMMIT
(two of its four round trips). The token endpoint lets them share one pooled connection
(``database.sharing_one_connection``). Elsewhere both run in the request's unit of work."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, update

from idp import clock
from idp.accounts import users
from idp.accounts.users import TokenHolder
from idp.oidc.context import ProviderContext
from idp.oidc.principal import Principal
from idp.oidc.token_text import digest
from idp.storage import database
from idp.storage.database import changed_rows
from idp.storage.models import Habilitation, RefreshToken, User


def family_end(ctx: ProviderContext, auth_time: int) -> int:
    """When a refresh grant ends for good: rotation renews a token, never the grant."""
    return int(auth_time) + ctx.settings.family_max_age()


def refresh_token_row(
    ctx: ProviderContext, token: dict[str, Any], client_id: str, principal: Principal
) -> dict[str, Any]:
    """The stored form of a token response's refresh token (hashed, never the token); it
    expires after ``refresh_token_ttl`` unused, and never after its family's end."""
    now = clock.utcnow()
    expires = min(
        now + timedelta(seconds=ctx.settings.refresh_token_ttl),
        datetime.fromtimestamp(family_end(ctx, principal.auth_time), UTC),
    )
    return {
        "token_hash": digest(token["refresh_token"]),
        "family_id": principal.family_id,
        "client_id": client_id,
        "user_id": principal.user.id,
        "scope": token.get("scope", ""),
        "auth_time": principal.auth_time,
        "acr": principal.acr,
        "amr": principal.amr,
        "sid": principal.sid,
        "issued_at": now,
        "expires_at": expires,
    }


def save_refresh_token(
    ctx: ProviderContext, token: dict[str, Any], client_id: str, principal: Principal
) -> None:
    """Store the refresh token of a token response, alone on PostgreSQL (committed at once),
    elsewhere in the request's unit of work. One Core INSERT: an ORM object's flush cost a
    code exchange about a millisecond."""
    row = refresh_token_row(ctx, token, client_id, principal)
    database.execute_alone_or_in(ctx.db_session(), _insert_statement(), row)


def rotate_refresh_token(ctx: ProviderContext, old: StoredRefresh, new: dict[str, Any]) -> bool:
    """Mark ``old`` used and store ``new`` only if ``old`` was still unused: of two requests
    racing on one token only one wins. On PostgreSQL in one statement (a data-modifying CTE)
    committed at once; elsewhere in two, which the request's unit of work commits."""
    params = {"old_id": old.id, "used_at": new["issued_at"]}
    if not database.runs_alone():
        session = ctx.db_session()
        if changed_rows(session.execute(_claim_statement(), params)) != 1:
            return False
        session.execute(insert(RefreshToken).values(**new))
        return True
    params.update({f"new_{name}": value for name, value in new.items()})
    return bool(database.execute_alone(_rotation_statement(), params))


@dataclass(frozen=True, slots=True)
class StoredRefresh:
    """A refresh token's row as the refresh grant reads it (plain columns, no ORM object),
    and whether any token of its family was revoked: a grant ended while this token was being
    rotated leaves the new token unrevoked, and this is how the next refresh sees the end."""

    id: int
    token_hash: str
    family_id: str
    client_id: str
    user_id: int
    scope: str
    auth_time: int
    acr: str | None
    amr: list[str]
    sid: str | None
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    family_revoked: bool


def find_refresh_grant(
    ctx: ProviderContext, token: str
) -> tuple[StoredRefresh, TokenHolder] | None:
    """A refresh token, its family's state and its account (plain columns, habilitation
    state) in one query."""
    if not token or len(token) > 512:
        return None
    params = {"token_hash": digest(token)}
    rows = database.execute_alone_or_in(ctx.db_session(), _grant_query(), params)
    width = len(STORED_REFRESH_COLUMNS)
    holder = users.holder_from_rows(rows, offset=width)
    if holder is None:
        return None
    return StoredRefresh(*rows[0][:width]), holder


# The refresh path's statements are built once, with bound parameters: building them per
# request (and SQLAlchemy computing their cache keys) cost a tenth of a refresh.
STORED_COLUMNS = (
    "token_hash",
    "family_id",
    "client_id",
    "user_id",
    "scope",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "issued_at",
    "expires_at",
)


# Core statements on the table (with the ORM entity, a parameter dictionary is taken for a
# bulk insert)
@functools.cache
def _insert_statement() -> Any:
    return insert(RefreshToken.__table__)


@functools.cache
def _claim_statement() -> Any:
    table = RefreshToken.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("old_id"), table.c.used_at.is_(None))
        .where(table.c.revoked_at.is_(None))
        .values(used_at=bindparam("used_at", type_=table.c.used_at.type))
    )


@functools.cache
def _rotation_statement() -> Any:
    table = RefreshToken.__table__
    claimed = _claim_statement().returning(table.c.id).cte("claimed")
    values = [bindparam(f"new_{name}", type_=table.c[name].type) for name in STORED_COLUMNS]
    return (
        insert(table)
        .from_select(list(STORED_COLUMNS), select(*values).select_from(claimed))
        .returning(table.c.id)
    )


STORED_REFRESH_COLUMNS = tuple(f.name for f in fields(StoredRefresh))


@functools.cache
def _grant_query() -> Any:
    token = RefreshToken.__table__
    family = token.alias("family")
    revoked = (
        exists()
        .where(family.c.family_id == token.c.family_id, family.c.revoked_at.is_not(None))
        .label("family_revoked")
    )
    account, habilitation = User.__table__, Habilitation.__table__
    columns = [token.c[name] for name in STORED_REFRESH_COLUMNS[:-1]]
    return (
        select(*columns, revoked, *users.holder_columns())
        .select_from(token)
        .join(account, account.c.id == token.c.user_id)
        .outerjoin(habilitation, habilitation.c.user_id == account.c.id)
        .where(token.c.token_hash == bindparam("token_hash"))
    )


def find_refresh_token(ctx: ProviderContext, token: str) -> RefreshToken | None:
    if not token or len(token) > 512:
        return None
    return ctx.db_session().query(RefreshToken).filter_by(token_hash=digest(token)).one_or_none()


def is_grant_usable(ctx: ProviderContext, record: StoredRefresh, holder: TokenHolder) -> bool:
    """The one answer about a refresh token, at the refresh and at introspection: unused,
    unrevoked, unexpired, its family neither revoked (in SQL: a grant ended while this token
    was being rotated shows in its family) nor over, its account still eligible, and its
    login after the account's cut-off."""
    return (
        is_refresh_token_usable(record, family_end(ctx, record.auth_time))
        and not record.family_revoked
        and holder.may_hold_tokens
        and not holder.signed_out_since(record.auth_time)
    )


def is_refresh_token_usable(
    record: RefreshToken | StoredRefresh, family_ends_at: int | None = None
) -> bool:
    now = clock.utcnow()
    return (
        record.used_at is None
        and record.revoked_at is None
        and record.expires_at > now
        and (family_ends_at is None or family_ends_at > now.timestamp())
    )
