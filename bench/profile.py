"""Profile one scenario in process with pyinstrument, against the database ``make bench`` left
(PostgreSQL ``idp_bench`` + Redis db 13): ``python -m bench.profile introspection [n]``.

Scenarios: health, discovery, jwks, cc, introspection, userinfo, refresh. The test client adds
its own cost; compare the provider's frames, not the total.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.seed import CLIENT_ID, CLIENT_SECRET, REDIRECT

os.environ.update(
    {
        "IDP_ENVIRONMENT": "development",
        "IDP_ISSUER": "http://127.0.0.1:5000",
        "IDP_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/idp_bench",
        "IDP_REDIS_URL": "redis://127.0.0.1:6379/13",
        "IDP_SECRET_KEY": "bench-secret-key",
        "IDP_KEY_ENCRYPTION_KEY": base64.b64encode(b"b" * 32).decode(),
        "IDP_INSTANCE_DIR": tempfile.mkdtemp(prefix="idp-bench-profile-"),
        "IDP_RATE_LIMIT_LOGIN": "1000000/minute",
    }
)
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def user_tokens(client, seed_file: Path) -> dict:
    user = json.loads(seed_file.read_text())["users"][0]
    client.set_cookie(user["device_cookie_name"], user["device_cookie"])
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    login = client.get("/authorize", query_string=query).location
    page = client.get(login).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    callback = client.post(
        login, data={"csrf_token": csrf, "username": user["username"], "password": user["password"]}
    ).location
    code = parse_qs(urlsplit(callback).query)["code"][0]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    data["code_verifier"] = verifier
    return client.post("/token", data=data, headers={"Authorization": BASIC}).get_json()


class _Ok:
    status_code = 200


def _fresh_login(app, seed_file: Path) -> _Ok:
    """One whole flow in a new browser (the remembered-device cookie only)."""
    client = app.test_client()
    tokens = user_tokens(client, seed_file)
    client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    return _Ok()


def flow(scenario: str, app, seed_file: Path):  # noqa: ANN001, ANN201
    """The repeated action of the ``refresh`` or ``login`` scenario: a module refreshing (no
    browser cookie), or a whole login in a new browser."""
    if scenario == "login":
        return lambda: _fresh_login(app, seed_file)
    module = app.test_client()
    current = [user_tokens(app.test_client(), seed_file)["refresh_token"]]

    def refresh():  # noqa: ANN202
        response = module.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": current[0]},
            headers={"Authorization": BASIC},
        )
        current[0] = response.get_json()["refresh_token"]
        return response

    return refresh


def main(scenario: str, count: int) -> None:
    from idp import create_app

    app = create_app()
    client = app.test_client()
    seed_file = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    tokens = user_tokens(client, seed_file) if seed_file else {}
    if scenario in ("refresh", "login"):
        action = flow(scenario, app, seed_file)
    actions = {
        "health": lambda: client.get("/health"),
        "discovery": lambda: client.get("/.well-known/openid-configuration"),
        "jwks": lambda: client.get("/jwks.json"),
        "cc": lambda: client.post(
            "/token", data={"grant_type": "client_credentials"}, headers={"Authorization": BASIC}
        ),
        "introspection": lambda: client.post(
            "/introspect", data={"token": tokens["access_token"]}, headers={"Authorization": BASIC}
        ),
        "userinfo": lambda: client.get(
            "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ),
    }
    if scenario not in ("refresh", "login"):
        action = actions[scenario]
    for _ in range(50):
        assert action().status_code == 200
    began = time.process_time()
    for _ in range(count):
        action()
    print(f"{scenario}: {(time.process_time() - began) * 1000 / count:.3f} ms CPU per request")
    from pyinstrument import Profiler  # pip install pyinstrument (not a dependency)

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(count):
        action()
    profiler.stop()
    print(profiler.output_text(color=False, unicode=False))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500)
