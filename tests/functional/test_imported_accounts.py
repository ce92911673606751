"""Accounts moved from the legacy system: their bcrypt / PBKDF2 hashes sign in as they are and
become argon2id at that login; an account without a usable hash gets a welcome link at its
first login attempt, while the page answers as for any wrong password."""

from __future__ import annotations

import pytest

from bench.accounts_file import PASSWORD, legacy_hashes
from idp.accounts import account_import
from idp.accounts.directory import add_establishment, add_profile
from idp.authn import password_formats
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent, Habilitation, User
from tests.mailbox import text_of


@pytest.fixture
def imported(app):
    add_establishment(db.session, "070000011", "EHPAD Bastide", "EHPAD", "ARA")
    add_profile(db.session, "GA_DIRECTION", "Grand Age - Direction", "GRAND_AGE", ["x.lire"])
    db.session.commit()
    bcrypt_hash, pbkdf2_hash, unusable = legacy_hashes()
    lines = [
        {
            "username": name,
            "email": f"{name}@etab.example",
            "email_verified": "oui",
            "password_hash": stored,
            "habilitations": "GA_DIRECTION@070000011",
        }
        for name, stored in (
            ("bcrypt.user", bcrypt_hash),
            ("pbkdf2.user", pbkdf2_hash),
            ("md5.user", unusable),
        )
    ]
    importer = account_import.AccountImport(db.session, "operator", password_formats.kind)
    report = importer.run(iter(account_import.Line(n, v) for n, v in enumerate(lines, start=2)))
    assert report.counts() == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    accounts = {u.username: u for u in db.session.query(User).all()}
    for user in accounts.values():  # the charter page is not what these tests are about
        user.charter_version = services_of(app).settings.charter_version
    db.session.commit()
    return accounts


@pytest.mark.parametrize("username", ["bcrypt.user", "pbkdf2.user"])
def test_a_legacy_hash_signs_in_and_becomes_argon2id(rp, imported, username):
    before = imported[username].password_hash
    assert not before.startswith("$argon2")
    tokens = rp.sign_in(username, PASSWORD)
    assert tokens["access_token"]
    db.session.expire_all()
    after = db.session.get(User, imported[username].id).password_hash
    assert after.startswith("$argon2id$")
    assert rp.in_new_browser().sign_in(username, PASSWORD)["access_token"]  # the new hash works too


def test_a_legacy_hash_refuses_a_wrong_password(rp, imported):
    _, response = rp.password_step("bcrypt.user", "pas le bon mot de passe")
    assert response.status_code == 401
    db.session.expire_all()
    assert db.session.get(User, imported["bcrypt.user"].id).password_hash.startswith("$2b$")


def test_without_a_usable_hash_the_first_login_mails_a_welcome_link_once(rp, imported, outbox):
    unknown_page = rp.password_step("nobody.here", PASSWORD)[1]
    first = rp.password_step("md5.user", PASSWORD)[1]
    assert first.status_code == unknown_page.status_code == 401
    assert first.get_data(as_text=True).count("mot de passe incorrect") == 1
    mails = outbox.messages("md5.user@etab.example")
    assert len(mails) == 1 and "/password/reset/" in text_of(mails[0])
    rp.password_step("md5.user", PASSWORD)
    assert len(outbox.messages("md5.user@etab.example")) == 1  # once a day at most
    _, wrong = rp.password_step("bcrypt.user", "pas le bon mot de passe")
    assert wrong.status_code == 401  # an account with a password gets no link
    assert not any(
        "/password/reset/" in text_of(m) for m in outbox.messages("bcrypt.user@etab.example")
    )


def test_import_records_accounts_habilitations_and_audit_entries(imported):
    assert db.session.query(Habilitation).count() == 3
    events = db.session.query(AuditEvent).filter_by(action="user.created").all()
    assert {e.actor for e in events} == {"operator"} and len(events) == 3
    assert imported["md5.user"].password_hash is None
