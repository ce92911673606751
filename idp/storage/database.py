"""The Flask-SQLAlchemy handle, with constraint names Alembic can rely on."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection, CursorResult, Engine, Executable, MetaData, Result, Row, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# expire_on_commit off: a request reads what it just wrote without reloading each object
# (it halved the SELECTs of a password login; measured in bench/RESULTS.md).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def keep_sqlite_file_private(url: str) -> None:
    """An SQLite database holds password hashes and refresh-token digests: its file is the
    owner's alone (0600, like the keys). SQLite creates it with the umask's mode (often 0644)
    and gives its journal files the database file's mode, so it is made here first, and an
    older file readable by others is narrowed."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(str(parsed.database))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def current_session() -> Session:
    """This request's (or command's) session, as services are given it: Flask-SQLAlchemy's
    scoped proxy, which forwards every ``Session`` method to the request's own and makes none
    until one is used (the provider's unit of work relies on that). Typed as the ``Session``
    it stands for, which type checkers cannot see through the proxy."""
    return cast(Session, db.session)


def changed_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a ``CursorResult``, which
    ``Session.execute`` is not typed to return)."""
    return cast(CursorResult[Any], result).rowcount


def runs_alone() -> bool:
    """Whether ``execute_alone`` is available: on PostgreSQL. SQLite's pool may hand back the
    connection the request's Session holds, so there every statement stays in the Session."""
    return db.engine.dialect.name == "postgresql"


def execute_alone(statement: Executable, params: dict[str, Any]) -> list[Row[Any]]:
    """Run one statement in a transaction of its own (autocommit), on a pooled connection
    the request's Session does not hold, and return its rows. For a statement that is atomic
    by itself in a request that writes nothing else: it needs no BEGIN and COMMIT round trips
    (two of a refresh's four, bench/RESULTS.md). Inside ``sharing_one_connection`` the
    statements share one checkout."""
    held = _held.get()
    if held is None:
        with _autocommit_connection() as connection:
            return _rows(connection.execute(statement, params))
    if held.connection is None:
        held.connection = _autocommit_connection()
    return _rows(held.connection.execute(statement, params))


def _rows(result: Result[Any]) -> list[Row[Any]]:
    return list(result.all()) if cast(CursorResult[Any], result).returns_rows else []


def execute_alone_or_in(
    session: Session, statement: Executable, params: dict[str, Any]
) -> list[Row[Any]]:
    """``execute_alone`` on PostgreSQL, or in ``session`` elsewhere (committed with it). For
    a read that needs nothing the request wrote, or a write that needs nothing else of the
    request to be kept with it."""
    if runs_alone():
        return execute_alone(statement, params)
    return _rows(session.execute(statement, params))


def _autocommit_connection() -> Connection:
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


@dataclass
class _Held:
    connection: Connection | None = None


_held: ContextVar[_Held | None] = ContextVar("idp_connection_alone", default=None)


@contextmanager
def sharing_one_connection() -> Iterator[None]:
    """Let the ``execute_alone`` statements of a block share one pooled connection, taken at
    the first of them (none if there is none) and returned at the end: a checkout and its
    return cost as much CPU as a third of a statement, and a refresh has two statements."""
    held = _Held()
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        if held.connection is not None:
            held.connection.close()


#: a pooled connection idle for longer than this is checked before it is used again
IDLE_PING_SECONDS = 5.0


def ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle: SQLAlchemy's
    ``pool_pre_ping`` checks at every checkout, one more round trip per request (a sixth of a
    refresh's wall time, bench/RESULTS.md). A connection found dead is replaced at once. One
    in use when the database restarts fails its request with a 503, and SQLAlchemy then
    drops the rest of the pool."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: the pool opens another connection
            raise DisconnectionError() from error
