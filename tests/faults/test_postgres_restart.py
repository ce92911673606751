"""PostgreSQL stopped (immediate shutdown, as a crash) and started again under the provider:
requests meanwhile get a clear 503, nothing half-written, and once it is back the grants,
audit entries and back-channel deliveries are all there and refreshes work within 5 s."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from idp import create_app
from idp.services import of as services_of
from idp.storage import database, db
from idp.storage.migrate import upgrade
from idp.storage.models import AuditEvent, LogoutDelivery, RefreshToken
from tests.conftest import make_settings
from tests.e2e.conftest import free_port
from tests.faults.servers import PostgresCluster, refresh_once_back
from tests.functional.test_lockout import attempt


@pytest.fixture(scope="module")
def own_postgres():
    cluster = PostgresCluster(free_port())
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture
def settings_overrides(own_postgres, migrated) -> dict:
    engine = create_engine(own_postgres.url)
    upgrade(engine)
    engine.dispose()
    settings = make_settings(migrated, database_url=own_postgres.url)
    app = create_app(settings)
    with app.app_context():
        for alg in settings.key_algorithms():
            services_of(app).keyring.ensure_key(alg)
        db.session.commit()
        db.engine.dispose()
    return {"database_url": own_postgres.url}


def counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (RefreshToken, AuditEvent, LogoutDelivery)
    }


def test_a_restart_answers_503_meanwhile_and_loses_nothing(rp, make, client, own_postgres):
    user = make.user("restart.user")
    tokens = rp.sign_in("restart.user")
    db.session.add(LogoutDelivery(client_id="m", uri="https://m.example/bc", subject=user.subject))
    db.session.commit()
    before = counts()

    own_postgres.stop()
    refresh = rp.refresh(tokens["refresh_token"])
    assert refresh.status_code == 503
    assert refresh.get_json()["error"] == "temporarily_unavailable"
    login = attempt(client, "restart.user", "correct horse battery staple")
    assert login.status_code == 503
    assert "idp_sso" not in (login.headers.get("Set-Cookie") or "")

    own_postgres.start()
    answer = refresh_once_back(rp, tokens["refresh_token"])
    assert answer.status_code == 200, answer.get_json()
    after = counts()
    assert after["logout_deliveries"] == before["logout_deliveries"]
    assert after["audit_events"] >= before["audit_events"]
    assert after["refresh_tokens"] == before["refresh_tokens"] + 1  # the rotation after


def test_an_idle_connection_found_dead_is_replaced_before_use(rp, make, own_postgres, monkeypatch):
    """Pooled connections are checked only after sitting idle (not at every checkout, which
    cost a round trip per request): one that died with the restart is replaced, and the
    request it was taken for succeeds."""
    make.user("idle.user")
    tokens = rp.sign_in("idle.user")
    db.session.remove()  # every connection back in the pool, idle
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    own_postgres.stop()
    own_postgres.start()
    answer = rp.refresh(tokens["refresh_token"])
    assert answer.status_code == 200, answer.get_json()
    db.engine.dispose()  # the pool's other connections died too: none for the teardown
