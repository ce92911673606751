"""Review 3, N11: the embedded default's SQLite file is the owner's alone, like the keys."""

from __future__ import annotations

import os
import stat

from idp.storage.database import keep_sqlite_file_private


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_file_is_created_0600_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        path = tmp_path / "instance" / "idp.db"
        keep_sqlite_file_private(f"sqlite:///{path}")
    finally:
        os.umask(previous)
    assert mode(path) == 0o600


def test_an_older_file_readable_by_others_is_narrowed(tmp_path):
    path = tmp_path / "idp.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    keep_sqlite_file_private(f"sqlite:///{path}")
    assert mode(path) == 0o600


def test_other_databases_are_left_alone(tmp_path):
    keep_sqlite_file_private("sqlite:///:memory:")
    keep_sqlite_file_private("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert list(tmp_path.iterdir()) == []
