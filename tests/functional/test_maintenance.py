"""``idp maintenance``: deactivations by ``system``, purges, idempotence, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from idp import create_app
from idp.accounts import maintenance
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import AuditEvent, User
from tests.conftest import make_settings


def run(app):
    return maintenance.run(db.session, services_of(app).security.end_access, 365)


def test_account_whose_habilitations_ended_is_deactivated_by_system_once(app, make, rp):
    user = make.user("ended")
    place, profile = make.establishment(), make.profile()
    make.habilitation(user, profile, place, days_left=-1, started_days_ago=30)
    make.user("never-had-any")  # operators' accounts without habilitations are left alone
    first, second = run(app), run(app)
    assert first["deactivated_no_habilitation"] == 1
    assert second["deactivated_no_habilitation"] == 0
    db.session.refresh(user)
    assert user.is_active is False
    event = db.session.query(AuditEvent).filter_by(action="user.deactivated").one()
    assert event.actor == "system"
    assert "Désactivation du compte (modification forcée)" in event.details["description"]


def test_inactive_accounts_are_deactivated(app, make):
    sleeper = make.user("sleeper")
    sleeper.last_login_at = datetime.now(UTC) - timedelta(days=400)
    recent = make.user("recent")
    recent.last_login_at = datetime.now(UTC) - timedelta(days=3)
    db.session.commit()
    assert run(app)["deactivated_inactive"] == 1
    assert db.session.get(User, recent.id).is_active


def test_expired_refresh_tokens_are_purged(app, make, rp):
    from idp.storage.models import RefreshToken

    make.user("purge")
    rp.sign_in("purge")
    for token in db.session.query(RefreshToken):
        token.expires_at = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    assert run(app)["purged_refresh_tokens"] == 1


def test_two_runs_at_once_deactivate_and_record_once(app, make, migrated):
    for n in range(5):
        user = make.user(f"gone{n}")
        make.habilitation(
            user, make.profile(), make.establishment(), days_left=-1, started_days_ago=10
        )
    results = []
    # two instances, built before the race: building Flask apps in parallel threads trips
    # CPython gh-106905 in ast.parse (werkzeug compiles routes with it), not our code
    instances = [create_app(make_settings(migrated)) for _ in range(2)]

    def another_instance(other):
        with other.app_context():
            results.append(maintenance.run(db.session, services_of(other).security.end_access, 365))
            db.session.remove()
            db.engine.dispose()

    threads = [threading.Thread(target=another_instance, args=(other,)) for other in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["deactivated_no_habilitation"] for r in results) == 5
    db.session.expire_all()
    assert db.session.query(AuditEvent).filter_by(action="user.deactivated").count() == 5
