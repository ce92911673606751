"""``idp clients sync``: registrations from a file, idempotent, secrets from the environment."""

from __future__ import annotations

import json

import pytest

from tests.cli.runner import idp

SECRET_A = "a" * 40
SECRET_B = "b" * 40

MODULES = """
[[client]]
client_id = "grand-age"
client_name = "Grand Âge"
redirect_uris = ["https://ga.example.org/cb"]
grant_types = ["authorization_code", "refresh_token"]
secret_env = "GA_SECRET"

[[client]]
client_id = "spa"
redirect_uris = ["https://spa.example.org/cb"]
token_endpoint_auth_method = "none"
"""


@pytest.fixture
def clients_file(tmp_path):
    path = tmp_path / "clients.toml"
    path.write_text(MODULES, encoding="utf-8")
    return path


def sync(env, path, *extra, check=True):
    result = idp(env, "clients", "sync", "--file", str(path), "--json", *extra, check=check)
    return json.loads(result.stdout) if check else result


def test_creates_then_leaves_alone_then_reports_each_change(env, clients_file):
    idp(env, "init")
    env = {**env, "GA_SECRET": SECRET_A}
    first = sync(env, clients_file)
    assert first["created"] == ["grand-age", "spa"] and first["changed"] == {}
    assert sync(env, clients_file)["unchanged"] == ["grand-age", "spa"]
    clients_file.write_text(MODULES.replace("ga.example.org/cb", "ga.example.org/auth"))
    rotated = sync({**env, "GA_SECRET": SECRET_B}, clients_file)
    assert rotated["changed"] == {"grand-age": ["client_secret", "redirect_uris"]}
    shown = json.loads(idp(env, "clients", "show", "grand-age", "--json").stdout)
    assert shown["redirect_uris"] == ["https://ga.example.org/auth"]
    assert SECRET_B not in json.dumps(shown)


def test_dry_run_changes_nothing(env, clients_file):
    idp(env, "init")
    report = sync({**env, "GA_SECRET": SECRET_A}, clients_file, "--dry-run")
    assert report["created"] == ["grand-age", "spa"] and report["dry_run"] is True
    assert json.loads(idp(env, "clients", "list", "--json").stdout) == []


def test_registrations_outside_the_file_are_left_alone(env, clients_file):
    idp(env, "init")
    idp(env, "clients", "create", "--client-id", "by-hand", "--redirect-uri", "https://h/cb")
    report = sync({**env, "GA_SECRET": SECRET_A}, clients_file)
    assert report["not_in_file"] == ["by-hand"]
    listed = json.loads(idp(env, "clients", "list", "--json").stdout)
    assert "by-hand" in [c["client_id"] for c in listed]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MODULES + '\n[[client]]\nclient_id = "x1"\nclient_secret = "s"\n', "secrets never"),
        (MODULES.replace('secret_env = "GA_SECRET"', 'secret_env = "MISSING"'), "secret_env"),
        (MODULES.replace("client_name", "colour"), "unknown key(s) colour"),
        (
            MODULES + MODULES[MODULES.index('[[client]]\nclient_id = "spa"') :],
            "twice",
        ),
        ("[[client]\n", "clients.toml"),
        (MODULES.replace('"https://spa.example.org/cb"', '"http://spa.example.org/cb"'), "spa"),
    ],
)
def test_a_bad_file_is_refused_whole(env, clients_file, text, message):
    idp(env, "init")
    clients_file.write_text(text)
    result = sync({**env, "GA_SECRET": SECRET_A}, clients_file, check=False)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert json.loads(idp(env, "clients", "list", "--json").stdout) == []


def test_the_example_file_applies_as_documented(env):
    """config/clients.example.toml is what operators copy: it must stay valid."""
    from pathlib import Path

    example = Path(__file__).parents[2] / "config" / "clients.example.toml"
    idp(env, "init")
    secrets = {"IDP_CLIENT_SECRET_GRAND_AGE": SECRET_A, "IDP_CLIENT_SECRET_ANNUAIRES": SECRET_B}
    report = sync({**env, **secrets}, example)
    assert sorted(report["created"]) == ["annuaires", "grand-age"]
    shown = json.loads(idp(env, "clients", "show", "annuaires", "--json").stdout)
    assert shown["backchannel_logout_uri"].endswith("/auth/backchannel-logout")
