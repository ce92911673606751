"""Rotation nobody notices: tokens issued in a loop, verified by an RP that caches the JWKS,
while the keys rotate twice and a retired key expires (issue 4's live test).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import requests
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

pytestmark = pytest.mark.e2e
IDP = [sys.executable, "-c", "from idp.cli import run; run()"]


@pytest.fixture(scope="module")
def live_env():
    # Short lifetimes so that the whole story fits in a few seconds.
    return {
        "IDP_JWKS_MAX_AGE": "2",
        "IDP_KEY_CACHE_SECONDS": "1",
        "IDP_ACCESS_TOKEN_TTL": "3",
        "IDP_ID_TOKEN_TTL": "3",
        "IDP_CLOCK_SKEW": "1",
    }


class CachingVerifier:
    """What a careful RP does: cache the JWKS for its max-age, refetch once on an unknown kid."""

    def __init__(self, jwks_uri: str) -> None:
        self.jwks_uri = jwks_uri
        self.keys: KeySet | None = None
        self.expires = 0.0
        self.fetches = 0

    def _fetch(self) -> None:
        response = requests.get(self.jwks_uri, timeout=5)
        max_age = int(response.headers["Cache-Control"].split("max-age=")[1].split(",")[0])
        self.keys = KeySet.import_key_set(response.json())
        self.expires = time.monotonic() + max_age
        self.fetches += 1

    def verify(self, token: str) -> dict:
        kid = jws.extract_compact(token.encode()).headers().get("kid")
        stale = self.keys is None or time.monotonic() >= self.expires
        if stale or not any(key.kid == kid for key in self.keys.keys):
            self._fetch()  # expired cache, or an unknown kid: the JWKS may have changed
        decoded = jwt.decode(token, self.keys, algorithms=["ES256", "RS256"])
        jwt.JWTClaimsRegistry(exp={"essential": True}).validate(decoded.claims)
        return decoded.header


def test_tokens_keep_verifying_through_two_rotations_and_an_expiry(live_server):
    client = live_server.create_client(
        "rotation-rp", "https://rp.example.org/cb", "--grant-type", "client_credentials"
    )
    verifier = CachingVerifier(f"{live_server.url}/jwks.json")
    sightings: list[tuple[float, str]] = []
    failures: list[str] = []
    stop = time.monotonic() + 16

    def rotate_twice():
        time.sleep(3)
        subprocess.run(
            [*IDP, "keys", "rotate"],
            env=live_server.env,
            check=True,
            timeout=60,
            capture_output=True,
        )
        time.sleep(4)
        subprocess.run(
            [*IDP, "keys", "rotate"],
            env=live_server.env,
            check=True,
            timeout=60,
            capture_output=True,
        )

    rotator = threading.Thread(target=rotate_twice)
    first_kids = {
        k["kid"] for k in requests.get(f"{live_server.url}/jwks.json", timeout=5).json()["keys"]
    }
    rotator.start()
    issued = 0
    while time.monotonic() < stop:
        response = requests.post(
            f"{live_server.url}/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
            timeout=5,
        )
        assert response.status_code == 200, response.text
        issued += 1
        try:
            kid = verifier.verify(response.json()["access_token"])["kid"]
        except (JoseError, ValueError) as exc:
            failures.append(repr(exc))
            continue
        sightings.append((time.monotonic(), kid))
        time.sleep(0.02)
    rotator.join()
    assert failures == [], failures[:3]
    assert issued > 100
    seen = list(dict.fromkeys(kid for _, kid in sightings))  # in order of first sighting
    assert len(seen) == 3  # the kid moved twice
    for older, newer in zip(seen, seen[1:], strict=False):
        first_newer = min(t for t, kid in sightings if kid == newer)
        last_older = max(t for t, kid in sightings if kid == older)
        # every worker of every instance follows within key_cache_seconds (1 s here)
        assert last_older - first_newer < 2.5
    assert seen[0] in first_kids
    final = {
        k["kid"] for k in requests.get(f"{live_server.url}/jwks.json", timeout=5).json()["keys"]
    }
    assert seen[0] not in final  # the first retired key expired during the loop
    assert seen[2] in final
