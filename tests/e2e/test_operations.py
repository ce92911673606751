"""A live server as production runs it for operations: JSON logs (one event per line, with
request and client ids, and none of the secrets the run used) and ``/metrics`` summed over
the workers (two on PostgreSQL + Redis)."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from tests.e2e.test_relying_party import PASSWORD, sign_in

pytestmark = pytest.mark.e2e
METRICS_TOKEN = "scraper-0123456789abcdef"


@pytest.fixture(scope="module")
def live_env():
    return {"IDP_LOG_FORMAT": "json", "IDP_METRICS_TOKEN": METRICS_TOKEN}


@pytest.fixture(scope="module")
def registered(live_server):
    live_server.create_user("jdupont", PASSWORD)
    return live_server.create_client("module-ops", "https://module.example.org/callback")


@pytest.fixture(scope="module")
def metadata(live_server):
    return requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()


def scrape(live_server) -> str:
    response = requests.get(
        f"{live_server.url}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 200
    return response.text


def sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_whole_run_logs_json_events_without_any_secret(live_server, registered, metadata):
    rp, token, _, browser = sign_in(live_server, registered, metadata)
    refreshed = rp.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    rp.get(metadata["userinfo_endpoint"], timeout=5)
    requests.post(
        metadata["introspection_endpoint"],
        data={"token": refreshed["access_token"]},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=5,
    )
    codes = [m for m in re.findall(r"\b\d{6}\b", live_server.outbox.latest().as_string())]
    secrets_used = [
        PASSWORD,
        registered["client_secret"],
        token["access_token"],
        token["refresh_token"],
        token["id_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
        *codes,
        *[c.value for c in browser.cookies],
    ]
    time.sleep(0.5)  # the workers flush their log lines
    lines = live_server.log_path.read_text().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(events) == len([line for line in lines if line.strip()]) - 1  # and "listening"
    log = "\n".join(lines)
    leaked = [s[:12] for s in secrets_used if s and len(s) >= 6 and s in log]
    assert leaked == []

    requests_ = [e for e in events if e["logger"] == "idp.request"]
    token_events = [e for e in requests_ if e["path"] == "/token"]
    assert token_events and {e["client_id"] for e in token_events} == {"module-ops"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", e["request_id"]) for e in requests_)
    assert {e["outcome"] for e in token_events} == {"ok"}
    traced = requests.get(
        f"{live_server.url}/.well-known/openid-configuration",
        headers={"X-Request-Id": "support-call-0802"},
        timeout=5,
    )
    assert traced.headers["X-Request-Id"] == "support-call-0802"


def test_metrics_add_up_over_the_workers(live_server, registered, metadata):
    before = scrape(live_server)
    for _ in range(8):
        requests.get(f"{live_server.url}/jwks.json", timeout=5)
    name = 'idp_request_duration_seconds_count{endpoint="/jwks.json",method="GET",status="200"}'
    scrapes = [scrape(live_server) for _ in range(4)]  # several workers answer these
    assert {sample(text, name) - sample(before, name) for text in scrapes} == {8}
    assert sample(scrapes[-1], 'idp_tokens_issued_total{grant="authorization_code"}') >= 1
    assert requests.get(f"{live_server.url}/metrics", timeout=5).status_code == 401
