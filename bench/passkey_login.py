"""A passwordless passkey sign-in beside a password login, in one process (issue 29).

Both run the whole journey a module's user goes through, through the provider's own WSGI
stack (Flask's test client, the embedded default: SQLite and the in-process store):
/authorize → the login page → the password (a remembered browser, so no mailed code) or the
passkey (its challenge, then the assertion, checked by py_webauthn) → the module's code → the
token exchange. The passkey's assertion is made by the tests' software authenticator, in the
same process, and its cost is measured apart and taken out. What the comparison shows: a
passkey sign-in hashes no password (argon2id, the OWASP parameters the settings give).

    .venv/bin/python -m bench.passkey_login [logins]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from typing import Any

ISSUER = "http://localhost:5000"


def main(count: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="idp-bench-passkey-")
    os.environ.update(
        IDP_ISSUER=ISSUER,
        IDP_INSTANCE_DIR=folder,
        IDP_KEY_ENCRYPTION_KEY_FILE=f"{folder}/kek",
        IDP_ENVIRONMENT="testing",
        # one address sends every login: the per-address limits would answer 429
        IDP_RATE_LIMIT_LOGIN="1000000/minute",
        IDP_RATE_LIMIT_PENDING="1000000/minute",
    )
    from pathlib import Path

    from idp import create_app
    from idp.keyring.kek import create_kek_file
    from idp.services import of as services_of
    from idp.storage import db
    from idp.storage.migrate import upgrade
    from tests.factories import Factories
    from tests.functional.test_passkeys import enrol, passwordless
    from tests.rp import RelyingParty
    from tests.webauthn_device import Authenticator

    create_kek_file(Path(folder) / "kek")
    app = create_app()
    # one app context is kept for the set-up's database work; each request still gets an
    # empty ``g``, as in a server (the tests do the same, tests/conftest.py)
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    with app.app_context():
        upgrade(db.engine)
        for alg in services_of(app).settings.key_algorithms():
            services_of(app).keyring.ensure_key(alg)
        db.session.commit()
        make = Factories(app)
        info = make.client(client_id="bench-module")
        make.user("bench-passkey")
        make.user("bench-password")
        client = app.test_client()
        rp = RelyingParty(client, info)
        device = Authenticator()
        rp.sign_in("bench-passkey")
        assert enrol(rp, device).status_code == 302
        password_rp = rp.in_new_browser()
        password_rp.sign_in("bench-password")  # this browser is remembered: no code later

        def password_login() -> None:
            password_rp.client.delete_cookie("idp_sso")  # signed out; the browser remembered
            auth = password_rp.request()
            password_rp.start(auth)
            response = password_rp.login(auth, "bench-password")
            assert response.status_code == 302, response.status_code
            assert password_rp.exchange(auth).status_code == 200

        def passkey_login() -> None:
            browser, auth, response = passwordless(rp, device)
            assert response.status_code == 302, response.status_code
            browser.follow(auth, response)
            assert browser.exchange(auth).status_code == 200

        def authenticator_only() -> None:
            device.get({"rpId": "localhost", "challenge": "AAAA"}, ISSUER)

        steps = (
            ("password_login", password_login),
            ("passkey_login", passkey_login),
            ("software_authenticator", authenticator_only),
        )
        results: dict[str, Any] = {name: _timed(step, count) for name, step in steps}
        db.session.remove()
    passkey_cpu = results["passkey_login"]["cpu_ms"] - results["software_authenticator"]["cpu_ms"]
    results["passkey_login_without_authenticator_cpu_ms"] = round(passkey_cpu, 2)
    results["ratio_password_to_passkey_cpu"] = round(
        results["password_login"]["cpu_ms"] / passkey_cpu, 2
    )
    return results


def _fresh_g() -> None:
    from flask import g

    for name in list(g):
        g.pop(name)


def _timed(step: Any, count: int) -> dict[str, float]:
    step()  # warm: imports, caches, the first key
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        step()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "logins": count,
        "cpu_ms": round(1000 * cpu / count, 2),
        "per_second_one_core": round(count / cpu, 1),
        "wall_ms": round(1000 * wall / count, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100), indent=2))
