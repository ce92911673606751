"""``/metrics``: guarded by the scraper's bearer token, and counting what an operator watches
(logins, second factors, tokens by grant, refresh reuse, lockouts, latency per endpoint,
back-channel deliveries waiting, key ages)."""

from __future__ import annotations

import re

import pytest

from idp.storage import db
from idp.storage.models import LogoutDelivery
from tests.functional.test_lockout import attempt

TOKEN = "scraper-token-0123456789"


@pytest.fixture
def settings_overrides() -> dict:
    return {"metrics_token": TOKEN}


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for line in response.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def grew(before: dict, after: dict, name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


def test_metrics_need_the_scraper_token(client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert scrape(client)


@pytest.mark.parametrize("settings_overrides", [{}])
def test_without_a_token_configured_there_is_no_metrics_page(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_logins_tokens_reuse_and_latency_are_counted(client, rp, make):
    make.user("metrics.user")
    before = scrape(client)
    rp.password_step("metrics.user", "pas le bon mot de passe")
    tokens = rp.sign_in("metrics.user")
    rotated = rp.refresh(tokens["refresh_token"])
    assert rotated.status_code == 200
    assert rp.refresh(tokens["refresh_token"]).status_code == 400  # reused: family revoked
    after = scrape(client)

    password = 'idp_logins_total{method="password",outcome="%s"}'
    assert grew(before, after, password % "success") == 1
    assert grew(before, after, password % "wrong_password") == 1
    assert grew(before, after, 'idp_second_factor_total{method="email",outcome="success"}') == 1
    assert grew(before, after, 'idp_tokens_issued_total{grant="authorization_code"}') == 1
    assert grew(before, after, 'idp_tokens_issued_total{grant="refresh_token"}') == 1
    assert grew(before, after, "idp_refresh_reuse_detected_total") == 1
    token_requests = (
        'idp_request_duration_seconds_count{endpoint="/token",method="POST",status="%s"}'
    )
    assert grew(before, after, token_requests % "200") == 2
    assert grew(before, after, token_requests % "400") == 1


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "metrics_token": TOKEN,
            "throttle_after": 100,
            "lockout_threshold": 2,
            "lockout_per_source": 2,
        }
    ],
)
def test_lockouts_are_counted(client, make):
    make.user("locked.user")
    before = scrape(client)
    for address in ("10.0.0.1", "10.0.0.2"):
        attempt(client, "locked.user", "pas le bon mot de passe", address)
    after = scrape(client)
    assert grew(before, after, 'idp_lockouts_total{cause="password"}') == 1


def test_database_gauges(client):
    db.session.add(LogoutDelivery(client_id="m", uri="https://m.example/bc", sid="s1"))
    db.session.add(LogoutDelivery(client_id="m", uri="https://m.example/bc", sid="s2", attempts=2))
    db.session.commit()
    samples = scrape(client)
    assert samples['idp_backchannel_deliveries{state="pending"}'] == 1
    assert samples['idp_backchannel_deliveries{state="failing"}'] == 1
    ages = [
        v
        for k, v in samples.items()
        if re.match(r'idp_signing_key_age_seconds\{.*state="active"', k)
    ]
    assert ages and all(age >= 0 for age in ages)


@pytest.mark.parametrize("settings_overrides", [{"log_format": "json"}])
def test_json_request_events_survive_oversized_and_malformed_bodies(client, caplog):
    oversized = client.post(
        "/token", data="a=" + "x" * 70_000, content_type="application/x-www-form-urlencoded"
    )
    malformed = client.post(
        "/token", data=b"\xff\xfe=%zz", content_type="application/x-www-form-urlencoded"
    )
    assert oversized.status_code == 413 and malformed.status_code == 400
    events = [r for r in caplog.records if r.name == "idp.request"]
    assert [e.status for e in events][-2:] == [413, 400]
    assert all(len(e.request_id) == 32 for e in events)
