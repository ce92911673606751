"""Requests generated from the admin API's own OpenAPI document (schemathesis + hypothesis):
never a 500, and a referent never changes anything outside their establishment.

Schemathesis's pytest plugin does not run on pytest 9 yet, so the strategies are drawn here.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from idp.accounts import habilitations, users
from idp.storage import db
from idp.storage.models import User
from tests.rp import RelyingParty

pytestmark = pytest.mark.fuzz

EXAMPLES = 25
LONG_EXAMPLES = 1000


@pytest.fixture
def setup(app, make, client):
    here, there = make.establishment("EHPAD Ici"), make.establishment("CH Là-bas", "CH")
    profile = make.profile("GA_DIR")
    foreign = make.user("foreign")
    make.habilitation(foreign, profile, there)
    make.referent(here, "ref-here")
    rp = RelyingParty(
        client, make.client(client_id="fuzz", scope="openid profile email habilitations admin")
    )
    support = make.user("support-fuzz", is_support=True)
    token = rp.sign_in("ref-here", scope="openid admin")["access_token"]
    support_token = rp.in_new_browser().sign_in(support.username, scope="openid admin")
    schema = schemathesis.openapi.from_wsgi("/api/admin/v1/openapi.json", app)
    return schema, token, foreign.id, support_token["access_token"]


def nothing_changed_elsewhere(foreign_id: int) -> None:
    db.session.expire_all()
    foreign = db.session.get(User, foreign_id)
    assert foreign.is_active and foreign.blocked_until is None
    assert all(h.ended_at is None for h in habilitations.of_user(db.session, foreign))
    elsewhere = [
        u.username
        for u in users.list_users(db.session)
        if u.id != foreign_id
        and any(h.establishment.name == "CH Là-bas" for h in habilitations.of_user(db.session, u))
    ]
    assert elsewhere == []


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_generated_requests_never_fail_or_bypass_rules(setup, mode, request):
    """As a referent, with valid (positive) and invalid (negative) data."""
    schema, token, foreign_id, _ = setup
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9  # the accounts, the habilitations, the modules' levels
    statuses: list[int] = []
    examples = LONG_EXAMPLES if request.config.getoption("--long") else EXAMPLES
    for operation in operations:
        check(operation, headers, foreign_id, statuses, mode, examples)
    assert len(statuses) >= 5 * len(operations)  # hypothesis really sent requests
    assert any(400 <= s < 500 for s in statuses)
    if mode is schemathesis.GenerationMode.POSITIVE:
        assert any(200 <= s < 300 for s in statuses)


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_generated_requests_as_support_never_fail(setup, mode, request):
    """As support, who may change everything: only "never a 5xx" and the content type hold."""
    schema, _, _, support_token = setup
    headers = {"Authorization": f"Bearer {support_token}"}
    statuses: list[int] = []
    examples = LONG_EXAMPLES if request.config.getoption("--long") else EXAMPLES
    for result in schema.get_all_operations():
        check(result.ok(), headers, None, statuses, mode, examples)
    assert len(statuses) >= 35 and any(s < 400 for s in statuses)


def check(
    operation,
    headers: dict[str, str],
    foreign_id: int | None,  # noqa: ANN001
    statuses: list[int],
    mode: schemathesis.GenerationMode,
    examples: int,
) -> None:
    """Run one operation's generated cases (its own function, so ``operation`` is bound)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=examples == EXAMPLES,  # CI repeats the same examples; --long explores
    )
    def run(case):  # noqa: ANN001
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        assert response.status_code < 500, (operation.label, response.text[:300])
        lowered = {k.lower(): v for k, v in response.headers.items()}
        content_type = lowered.get("content-type", "")
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert response.status_code == 204 or content_type.startswith("application/json")
        if foreign_id is not None:
            nothing_changed_elsewhere(foreign_id)

    run()


@pytest.mark.parametrize("who", ["referent", "support"])
def test_call_sequences_never_fail(setup, who, request):
    """Stateful: schemathesis chains the operations through the links it infers from the
    document (an account created, then read, changed, blocked, given and relieved of
    habilitations), as a referent and as support."""
    schema, token, foreign_id, support_token = setup
    headers = {"Authorization": f"Bearer {token if who == 'referent' else support_token}"}
    steps: list[tuple[str, int]] = []

    class Sequences(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case):  # noqa: ANN001, ANN202
            case.headers = {**(case.headers or {}), **headers}  # over generated credentials

        def validate_response(self, response, case, **kwargs):  # noqa: ANN001, ANN003, ANN202
            steps.append((case.operation.label, response.status_code))
            assert response.status_code < 500, (case.operation.label, response.text[:300])
            if who == "referent":
                nothing_changed_elsewhere(foreign_id)

    examples = 200 if request.config.getoption("--long") else 15
    Sequences.run(
        settings=settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=not request.config.getoption("--long"),
            stateful_step_count=6,
        )
    )
    labels = {label for label, _ in steps}
    assert len(steps) >= examples and len(labels) >= 3, sorted(labels)
    assert any(status < 400 for _, status in steps)
