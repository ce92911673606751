"""Security review, L5: usernames are one account whatever their case or compatibility form,
and the migration that makes it so names the accounts that clash."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from idp.accounts import users
from idp.errors import ConflictError
from idp.storage import db
from idp.storage.migrate import upgrade


def test_l5_a_name_differing_only_in_case_is_taken(app, make):
    make.user("Camille.Martin")
    with pytest.raises(ConflictError):
        make.user("camille.martin")


def test_l5_sign_in_in_any_case_or_width(app, make, rp):
    user = make.user("Nina")
    for spelling in ("nina", "NINA", "ＮＩＮＡ"):
        assert users.get_by_username(db.session, spelling) == user
    assert rp.sign_in("nINa")["access_token"]


def test_l5_the_migration_names_existing_clashes(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}/clash.db")
    upgrade(engine, "0011")
    with engine.begin() as connection:
        for n, name in enumerate(("bob", "Bob", "alice")):
            connection.execute(
                sa.text(
                    "INSERT INTO users (subject, username, email, email_verified, given_name, "
                    "family_name, is_active, created_at, updated_at) VALUES "
                    "(:s, :u, 'x@example.org', 1, '', '', 1, '2026-01-01', '2026-01-01')"
                ),
                {"s": f"sub-{n}", "u": name},
            )
    with pytest.raises(Exception, match="Bob, bob"):
        upgrade(engine)
