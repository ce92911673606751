"""Load generator for the full password login, as a relying party and a browser perform it.

Each flow: /authorize → login page → password (the browser is remembered: no mail), answered
with the module's redirect and its code → token exchange with PKCE → userinfo. Threads each
run flows back to back for a given time; the result (flows, errors, latency percentiles, this
process's CPU) is printed as JSON. Run pinned to the load generator's core; wrk cannot carry
cookies and CSRF across five requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import sys
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def one_flow(base: str, seed: dict[str, Any], user: dict[str, str]) -> None:
    browser = requests.Session()
    browser.cookies.set(user["device_cookie_name"], user["device_cookie"], path="/")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": seed["client_id"],
        "redirect_uri": seed["redirect_uri"],
        "scope": "openid profile",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    start = browser.get(f"{base}/authorize", params=params, allow_redirects=False)
    login_url = base + _location(start, "/login")
    page = browser.get(login_url)
    posted = browser.post(
        login_url,
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "username": user["username"],
            "password": user["password"],
        },
        allow_redirects=False,
    )
    callback = _location(posted, seed["redirect_uri"])
    code = parse_qs(urlsplit(callback).query)["code"][0]
    token = requests.post(
        f"{base}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": seed["redirect_uri"],
            "code_verifier": verifier,
        },
        auth=(seed["client_id"], seed["client_secret"]),
    )
    token.raise_for_status()
    info = requests.get(
        f"{base}/userinfo", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    info.raise_for_status()


def _location(response: requests.Response, expected: str) -> str:
    location = response.headers.get("Location", "")
    if response.status_code != 302 or not location.startswith(expected):
        raise RuntimeError(f"expected a redirect to {expected}, got {response.status_code}")
    return location


def run(base: str, seed: dict[str, Any], seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        users = seed["users"][index::concurrency]
        n = 0
        while time.monotonic() < deadline:
            user = users[n % len(users)]
            n += 1
            began = time.perf_counter()
            try:
                one_flow(base, seed, user)
            except Exception as error:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(type(error).__name__ + ": " + str(error)[:100])
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    cpu_before = time.process_time()
    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0.0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
        "errors": len(errors),
        "error_sample": errors[:3],
        "client_cpu": (time.process_time() - cpu_before) / elapsed,
        "seconds": elapsed,
    }


if __name__ == "__main__":
    base_url, seed_file, duration, workers = sys.argv[1:5]
    with open(seed_file) as handle:
        seed_data = json.load(handle)
    print(json.dumps(run(base_url, seed_data, float(duration), int(workers))))
