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

EXAMPLES = 25


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
    token = rp.sign_in("ref-here", scope="openid admin")["access_token"]
    schema = schemathesis.openapi.from_wsgi("/api/admin/v1/openapi.json", app)
    return schema, token, foreign.id


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


def test_generated_requests_never_fail_or_bypass_rules(setup):
    schema, token, foreign_id = setup
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    statuses: list[int] = []
    for operation in operations:
        check(operation, headers, foreign_id, statuses)
    assert len(statuses) >= 5 * len(operations)  # hypothesis really sent requests
    assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)


def check(
    operation,
    headers: dict[str, str],
    foreign_id: int,  # noqa: ANN001
    statuses: list[int],
) -> None:
    """Run one operation's generated cases (its own function, so ``operation`` is bound)."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case):  # noqa: ANN001
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        assert response.status_code < 500, (operation.label, response.text[:300])
        lowered = {k.lower(): v for k, v in response.headers.items()}
        content_type = lowered.get("content-type", "")
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert response.status_code == 204 or content_type.startswith("application/json")
        nothing_changed_elsewhere(foreign_id)

    run()
