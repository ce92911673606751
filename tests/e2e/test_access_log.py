"""L2 of the security review: the tokens of mailed links never reach the access log."""

from __future__ import annotations

import secrets
import time

import requests


def test_l2_reset_and_confirmation_tokens_are_redacted_in_the_access_log(live_server):
    tokens = [secrets.token_urlsafe(32) for _ in range(3)]
    requests.get(f"{live_server.url}/password/reset/{tokens[0]}", timeout=5)
    requests.post(f"{live_server.url}/password/reset/{tokens[1]}", data={}, timeout=5)
    requests.get(f"{live_server.url}/account/email/confirm/{tokens[2]}", timeout=5)
    deadline = time.monotonic() + 5
    log = ""
    while time.monotonic() < deadline:
        log = live_server.log_path.read_text()
        if log.count("[redacted]") >= 3:
            break
        time.sleep(0.1)
    assert log.count("/password/reset/[redacted]") >= 2, log[-2000:]
    assert "/account/email/confirm/[redacted]" in log
    assert not any(token in log for token in tokens)
