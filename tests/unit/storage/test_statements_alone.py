"""Statements run alone (autocommit, outside the request's Session), and a block's sharing
of one pooled connection among them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from idp.storage import database, db


@contextmanager
def counted_checkouts() -> Iterator[list[int]]:
    taken: list[int] = []

    def count(*_: object) -> None:
        taken.append(1)

    event.listen(db.engine, "checkout", count)
    try:
        yield taken
    finally:
        event.remove(db.engine, "checkout", count)


def test_statements_of_a_block_share_one_checkout_returned_at_its_end(app):
    before = db.engine.pool.checkedout()
    with counted_checkouts() as taken, database.sharing_one_connection():
        first = database.execute_alone(text("SELECT 1"), {})
        second = database.execute_alone(text("SELECT 2"), {})
        assert db.engine.pool.checkedout() == before + 1
    assert (first[0][0], second[0][0]) == (1, 2)
    assert len(taken) == 1
    assert db.engine.pool.checkedout() == before


def test_a_block_without_statements_takes_no_connection(app):
    with counted_checkouts() as taken, database.sharing_one_connection():
        pass
    assert taken == []


def test_outside_a_block_each_statement_takes_its_own(app):
    with counted_checkouts() as taken:
        database.execute_alone(text("SELECT 1"), {})
        database.execute_alone(text("SELECT 1"), {})
    assert len(taken) == 2


def test_a_failed_statement_does_not_spoil_the_next_one_of_the_block(app):
    """In autocommit a failed statement leaves no transaction in error behind it: the
    block's next statement runs on the same connection."""
    with database.sharing_one_connection():
        with pytest.raises(SQLAlchemyError):
            database.execute_alone(text("SELECT * FROM no_such_table"), {})
        assert database.execute_alone(text("SELECT 3"), {})[0][0] == 3
