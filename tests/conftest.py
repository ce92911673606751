"""Shared fixtures: settings, app, client, an ``rp`` helper and factories.

The schema is migrated once per worker (through Alembic, as in production) and every test
starts from empty tables and an empty ephemeral store.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import redis
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from idp import create_app
from idp.services import of as services_of
from idp.settings import Settings, load_settings
from idp.storage import db
from idp.storage.database import Base
from idp.storage.migrate import upgrade
from tests import backends
from tests.factories import Factories
from tests.mailbox import Outbox
from tests.psc import StandIn, running_stand_in
from tests.rp import RelyingParty

TEST_KEK = base64.urlsafe_b64encode(b"k" * 32).decode()
# Cheap argon2 for speed; tests/unit/authn/test_passwords.py checks the OWASP defaults.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost": 1024, "argon2_parallelism": 1}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default="embedded",
        choices=["embedded", "services"],
        help="embedded: SQLite + in-process store; services: PostgreSQL + Redis",
    )
    parser.addoption(
        "--long",
        action="store_true",
        help="fuzzing: many more examples (tests/fuzz), for a run outside CI",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--long`` lifts the per-test timeout. The tests that use PostgreSQL and Redis (and
    nginx) whatever the backend run once, in the ``--backend=services`` pass, and are
    deselected (not skipped) in the other."""
    if config.getoption("--long"):  # a long fuzzing run takes the time it needs
        for item in items:
            item.add_marker(pytest.mark.timeout(0))
    if config.getoption("--backend") == "services":
        return
    once = [item for item in items if _services_only(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not _services_only(item)]


def _services_only(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in ("cluster", "services_only"))


def _answered() -> dict[str, float]:
    """Requests the app answered in this process so far: all, and with a 5xx status."""
    from idp import metrics

    totals = {"requests": 0.0, "5xx": 0.0}
    for family in metrics.REQUESTS.collect():
        for sample in family.samples:
            if sample.name.endswith("_count"):
                totals["requests"] += sample.value
                totals["5xx"] += sample.value if sample.labels["status"].startswith("5") else 0
    return totals


@pytest.fixture(autouse=True)
def _count_fuzzed_requests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fuzzing tests report how many requests they sent (summed at the end of the run)."""
    if request.node.get_closest_marker("fuzz") is None:
        yield
        return
    before = _answered()
    yield
    after = _answered()
    for name in before:
        request.node.user_properties.append((f"fuzz_{name}", after[name] - before[name]))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    totals: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name.startswith("fuzz_"):
                    totals[name] = totals.get(name, 0) + value
    if totals:
        terminalreporter.write_line(
            f"fuzzing: {totals['fuzz_requests']:.0f} requests answered by the app, "
            f"{totals['fuzz_5xx']:.0f} with a 5xx status"
        )


@pytest.fixture(scope="session")
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> backends.Backend:
    if request.config.getoption("--backend") == "services":
        return backends.services(worker_id)
    return backends.embedded(str(tmp_path_factory.mktemp("db")))


@pytest.fixture(scope="session")
def base_settings(backend: backends.Backend, tmp_path_factory: pytest.TempPathFactory) -> dict:
    instance = tmp_path_factory.mktemp("instance")
    return {
        "environment": "testing",
        "issuer": "http://127.0.0.1:5000",
        "instance_dir": str(instance),
        "database_url": backend.database_url,
        "redis_url": backend.redis_url,
        "secret_key": "test-secret-key",
        "outbox_dir": str(instance / "outbox"),
        "key_encryption_key": TEST_KEK,
        **FAST_ARGON2,
    }


@pytest.fixture(scope="session")
def migrated(base_settings: dict) -> dict:
    """Migrate once per worker and make the signing key every test signs with."""
    engine = create_engine(base_settings["database_url"])
    upgrade(engine)
    engine.dispose()
    settings = load_settings(base_settings, environ={})
    app = create_app(settings)
    with app.app_context():
        for alg in settings.key_algorithms():
            services_of(app).keyring.ensure_key(alg)
        db.session.commit()
        db.engine.dispose()
    return base_settings


def make_settings(base: dict, **overrides: object) -> Settings:
    return load_settings({**base, **overrides}, environ={})


@pytest.fixture
def settings_overrides() -> dict:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def app(migrated: dict, settings_overrides: dict, backend: backends.Backend) -> Iterator[Flask]:
    application = create_app(make_settings(migrated, **settings_overrides))
    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)  # first of all
    if backend.redis_url:
        redis.Redis.from_url(backend.redis_url).flushdb()
    with application.app_context():
        yield application
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _fresh_g() -> None:
    """Each request gets an empty ``g``, as in production.

    The fixture keeps one app context open for the test's own database work, and Flask reuses
    it for every request, so without this ``g`` (the CSRF token Flask-WTF caches there, the
    page language) would leak from one request, or one browser, to the next.
    """
    for name in list(g):
        g.pop(name)


def _empty_tables() -> None:
    keep = {"signing_keys", "alembic_version"}
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in keep:
                connection.execute(table.delete())
        keys = Base.metadata.tables["signing_keys"]
        connection.execute(keys.delete().where(keys.c.state != "active"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Factories:
    return Factories(app)


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(services_of(app).settings.resolved_outbox())


@pytest.fixture
def rp(client: FlaskClient, make: Factories, outbox: Outbox) -> RelyingParty:
    """A confidential first-party relying party with a fresh registration."""
    return RelyingParty(client, make.client(), outbox)


@pytest.fixture
def public_rp(client: FlaskClient, make: Factories, outbox: Outbox) -> RelyingParty:
    return RelyingParty(client, make.client(client_id="public-app", public=True), outbox)


@pytest.fixture(scope="session")
def stand_in_server() -> Iterator[StandIn]:
    """The Pro Santé Connect stand-in on a free port, one per worker."""
    with running_stand_in() as stand_in:
        yield stand_in


@pytest.fixture
def stand_in(stand_in_server: StandIn) -> StandIn:
    """The stand-in with every failure switch off."""
    stand_in_server.reset()
    return stand_in_server
