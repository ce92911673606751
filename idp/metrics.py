"""What the provider counts for Prometheus (prometheus-client), and the ``/metrics`` text.

Under several server processes (granian or gunicorn workers), ``idp serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at an emptied folder before the workers start: each process
writes its counters there and a scrape adds them up (prometheus-client's multiprocess mode).
Gauges that describe the database (deliveries waiting, key ages) are read at scrape time.

This module imports nothing of idp's, so every layer may count.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

LOGINS = Counter(
    "idp_logins_total",
    "First login steps (password or Pro Santé Connect) by method and outcome",
    ["method", "outcome"],
)
SECOND_FACTOR = Counter(
    "idp_second_factor_total",
    "Second-factor checks by method (email, app) and outcome",
    ["method", "outcome"],
)
SESSIONS = Counter(
    "idp_sessions_started_total", "Single sign-on sessions opened, by level (acr)", ["acr"]
)
TOKENS = Counter("idp_tokens_issued_total", "Token responses by grant type", ["grant"])
REFRESH_REUSE = Counter(
    "idp_refresh_reuse_detected_total", "Refresh tokens presented again (family revoked)"
)
LOCKOUTS = Counter("idp_lockouts_total", "Accounts blocked after failures", ["cause"])
REQUESTS = Histogram(
    "idp_request_duration_seconds",
    "Request latency by endpoint",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

P = ParamSpec("P")
R = TypeVar("R")


def outcomes(
    counter: Counter, method: str, errors: dict[type[BaseException], str]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Count each call of the decorated function: "success" when it returns, the outcome
    its exception maps to (first match) when it raises, "error" otherwise."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @wraps(function)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = function(*args, **kwargs)
            except BaseException as error:
                outcome = next(
                    (o for kind, o in errors.items() if isinstance(error, kind)), "error"
                )
                counter.labels(method, outcome).inc()
                raise
            counter.labels(method, "success").inc()
            return result

        return counted

    return decorate


class DatabaseGauges:
    """Gauges read at each scrape (they are state, not events): the database's, and how far
    the answering process's machine clock is from the shared clock."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def collect(self) -> Any:
        state = self._read()
        deliveries = GaugeMetricFamily(
            "idp_backchannel_deliveries", "Back-channel logouts not delivered", labels=["state"]
        )
        for name, value in state["deliveries"].items():
            deliveries.add_metric([name], value)
        yield deliveries
        ages = GaugeMetricFamily(
            "idp_signing_key_age_seconds",
            "Age of each published signing key",
            labels=["kid", "alg", "state"],
        )
        for kid, alg, key_state, age in state["keys"]:
            ages.add_metric([kid, alg, key_state], age)
        yield ages
        yield GaugeMetricFamily(
            "idp_clock_offset_seconds",
            "Shared clock minus this machine's clock (keep it near 0 with NTP)",
            value=state["clock_offset"],
        )


def exposition(database: DatabaseGauges) -> tuple[bytes, str]:
    """The text a scrape returns: every process's counters, and the database gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus-client leaves this constructor unannotated
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY  # one process: its own counters
    text = generate_latest(registry)
    own = CollectorRegistry(auto_describe=True)
    own.register(database)
    return text + generate_latest(own), CONTENT_TYPE_LATEST
