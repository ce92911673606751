"""Liveness and readiness for load balancers and the benchmark's framework floor."""

from __future__ import annotations

import socket

import pytest


def test_liveness_is_trivial(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readiness_checks_database_and_store(client):
    response = client.get("/health/ready")
    assert response.status_code == 200 and response.get_json()["problems"] == []


class TestRedisDown:
    """A real Redis client pointed at a port where nothing listens."""

    @pytest.fixture
    def settings_overrides(self) -> dict:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return {"redis_url": f"redis://127.0.0.1:{port}/0"}

    def test_readiness_reports_the_store_and_liveness_stays_up(self, client):
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "problems": ["ephemeral store"]}
        assert client.get("/health").status_code == 200
