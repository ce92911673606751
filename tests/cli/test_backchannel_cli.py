"""``idp backchannel deliver`` as cron runs it."""

from __future__ import annotations

import json

from tests.cli.runner import idp


def test_deliver_with_nothing_due_reports_zero(env):
    idp(env, "init")
    result = idp(env, "backchannel", "deliver", "--json")
    assert json.loads(result.stdout) == {"attempted": 0, "delivered": 0, "given_up": 0}


def test_waiting_with_nothing_failed(env):
    idp(env, "init")
    assert idp(env, "backchannel", "waiting").stdout.strip() == "nothing waiting"
    assert json.loads(idp(env, "backchannel", "waiting", "--json").stdout) == []


def test_clients_create_records_the_back_channel_uri(env):
    idp(env, "init")
    created = idp(
        env,
        "clients",
        "create",
        "--client-id",
        "module-ga",
        "--redirect-uri",
        "https://ga.example.org/cb",
        "--backchannel-logout-uri",
        "https://ga.example.org/backchannel-logout",
        "--json",
    )
    assert json.loads(created.stdout)["backchannel_logout_uri"].endswith("/backchannel-logout")
    refused = idp(
        env,
        "clients",
        "create",
        "--client-id",
        "module-x",
        "--redirect-uri",
        "https://x.example.org/cb",
        "--backchannel-logout-uri",
        "http://x.example.org/logout",
        check=False,
    )
    assert refused.returncode == 1 and "https" in refused.stderr
