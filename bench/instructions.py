"""Instructions per request, counted by callgrind: a change's cost without this machine's noise.

``python -m bench.instructions SCENARIO SEED_FILE [N]`` runs the app in process (against the
database ``make bench`` left, as ``bench.profile``) twice under ``valgrind --tool=callgrind``,
with 0 and N requests after the same warm-up, and prints the difference divided by N. Wall-clock
timings here drift by tens of percent within minutes; instruction counts repeat to within a
fraction of a percent. Each run takes about a minute (the import under valgrind dominates).

Scenarios: health, cc, introspection, userinfo, refresh, login (the five requests of a login
in a new browser, through the test client: compare two versions, not with the others).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

REQUESTS = 300
WARM_UP = 30


def serve(scenario: str, count: int, seed_file: Path) -> None:
    """The measured process: build the app, sign a user in, warm up, then ``count`` requests
    with a prebuilt WSGI environ (no test client in the loop)."""
    from werkzeug.test import EnvironBuilder

    from bench import profile
    from idp import create_app

    app = create_app()
    tokens = profile.user_tokens(app.test_client(), seed_file)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    basic = {"Authorization": profile.BASIC}
    requests = {
        "health": ("GET", "/health", None, {}),
        "cc": ("POST", "/token", {"grant_type": "client_credentials"}, basic),
        "introspection": ("POST", "/introspect", {"token": tokens["access_token"]}, basic),
        "userinfo": ("GET", "/userinfo", None, bearer),
    }
    if scenario in ("refresh", "login"):
        action = profile.flow(scenario, app, seed_file)
        for _ in range(WARM_UP + count):
            action()
        return
    method, path, data, headers = requests[scenario]
    builder = EnvironBuilder(path=path, method=method, data=data, headers=headers)
    environ = builder.get_environ()
    body = environ["wsgi.input"].read()

    def call() -> None:
        answer = app({**environ, "wsgi.input": io.BytesIO(body)}, lambda *args: None)
        b"".join(answer)
        getattr(answer, "close", lambda: None)()

    for _ in range(WARM_UP + count):
        call()


def instructions(scenario: str, count: int, seed_file: Path) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.instructions",
        "--serve",
        scenario,
        str(count),
        str(seed_file),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main(argv: list[str]) -> None:
    if argv[0] == "--serve":
        serve(argv[1], int(argv[2]), Path(argv[3]))
        return
    scenario, seed_file = argv[0], Path(argv[1])
    count = int(argv[2]) if len(argv) > 2 else REQUESTS
    per_request = instructions(scenario, count, seed_file) - instructions(scenario, 0, seed_file)
    print(f"{scenario}: {per_request / count / 1e6:.3f} M instructions per request")


if __name__ == "__main__":
    main(sys.argv[1:])
