"""The ``idp`` operator command, run as an operator would (a real process, real files)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from tests.cli.runner import idp


def test_init_creates_kek_schema_and_key_then_is_idempotent(env, tmp_path):
    first = idp(env, "init")
    assert "created RS256 signing key" in first.stdout
    assert stat.S_IMODE((tmp_path / "keys" / "kek").stat().st_mode) == 0o600
    database = tmp_path / "instance" / "idp.db"
    if "IDP_DATABASE_URL" not in env:  # the embedded default's file is as private (N11)
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
    second = idp(env, "init")
    assert "created" not in second.stdout and "ready" in second.stdout


def test_clients_create_prints_secret_once_as_json(env):
    idp(env, "init")
    created = idp(
        env,
        "clients",
        "create",
        "--client-id",
        "module-ga",
        "--redirect-uri",
        "https://ga.example.org/cb",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
        "--json",
    )
    data = json.loads(created.stdout)
    assert data["client_id"] == "module-ga" and len(data["client_secret"]) >= 40
    shown = json.loads(idp(env, "clients", "show", "module-ga", "--json").stdout)
    assert "client_secret" not in shown and data["client_secret"] not in json.dumps(shown)
    listed = json.loads(idp(env, "clients", "list", "--json").stdout)
    assert [c["client_id"] for c in listed] == ["module-ga"]
    idp(env, "clients", "delete", "module-ga")
    assert json.loads(idp(env, "clients", "list", "--json").stdout) == []


def test_public_client_has_no_secret(env):
    idp(env, "init")
    data = json.loads(
        idp(
            env,
            "clients",
            "create",
            "--client-id",
            "spa",
            "--public",
            "--redirect-uri",
            "https://spa.example.org/cb",
            "--json",
        ).stdout
    )
    assert data["client_secret"] is None and data["token_endpoint_auth_method"] == "none"


def test_users_create_list_show(env):
    idp(env, "init")
    created = json.loads(
        idp(
            env,
            "users",
            "create",
            "--username",
            "jdupont",
            "--email",
            "j.dupont@ch-exemple.fr",
            "--password",
            "un mot de passe long",
            "--given-name",
            "Jeanne",
            "--family-name",
            "Dupont",
            "--json",
        ).stdout
    )
    assert created["username"] == "jdupont" and "password" not in json.dumps(created)
    shown = json.loads(idp(env, "users", "show", "jdupont", "--json").stdout)
    assert shown["subject"] == created["subject"]
    assert len(json.loads(idp(env, "users", "list", "--json").stdout)) == 1


@pytest.mark.parametrize(
    "args,message",
    [
        (
            [
                "clients",
                "create",
                "--client-id",
                "bad-1",
                "--redirect-uri",
                "http://evil.example.org/cb",
            ],
            "https",
        ),
        (["clients", "create", "--client-id", "bad-2", "--grant-type", "implicit"], "implicit"),
        (["clients", "show", "nobody"], "no client"),
        (["clients", "delete", "nobody"], "no client"),
        (["users", "show", "nobody"], "no user"),
        (
            ["users", "create", "--username", "a b", "--email", "x@y.fr", "--password", "p" * 12],
            "username",
        ),
        (
            ["users", "create", "--username", "ab", "--email", "x@y.fr", "--password", "short"],
            "password",
        ),
        (["nonsense"], "No such command"),
    ],
)
def test_wrong_arguments_give_clear_message_and_non_zero_exit(env, args, message):
    idp(env, "init")
    result = idp(env, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_username_is_refused(env):
    idp(env, "init")
    args = ["users", "create", "--username", "dup", "--email", "d@x.fr", "--password", "p" * 12]
    idp(env, *args)
    result = idp(env, *args, check=False)
    assert result.returncode == 1 and "taken" in result.stderr


def test_serve_refuses_several_workers_without_redis(env):
    idp(env, "init")
    without_redis = {**env, "IDP_REDIS_URL": None}  # None: unset for the command
    result = idp(without_redis, "serve", "--workers", "2", check=False)
    assert result.returncode == 1 and "IDP_REDIS_URL" in result.stderr


def test_serve_refuses_missing_kek(env, tmp_path):
    idp(env, "init")
    (tmp_path / "keys" / "kek").unlink()
    result = idp(env, "serve", check=False)
    assert result.returncode == 1 and "key encryption key" in result.stderr


def test_serve_refuses_wrong_kek(env, tmp_path):
    idp(env, "init")
    (tmp_path / "keys" / "kek").write_text("d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3I=")
    result = idp(env, "serve", check=False)
    assert result.returncode == 1 and "wrong KEK" in result.stderr


def test_unblock_clears_a_blocked_account_and_is_audited(env):
    idp(env, "init")
    idp(
        env,
        "users",
        "create",
        "--username",
        "blocked1",
        "--email",
        "b@x.fr",
        "--password",
        "p" * 12,
    )
    script = (
        "from idp import create_app; from idp.storage import db; from idp.accounts import users\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    user = users.get_by_username(db.session, 'blocked1')\n"
        "    users.lock_out(db.session, user, 3600); db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    shown = json.loads(idp(env, "users", "show", "blocked1", "--json").stdout)
    assert shown["blocked"] is True and shown["locked_out"] is True
    idp(env, "users", "unblock", "blocked1")
    shown = json.loads(idp(env, "users", "show", "blocked1", "--json").stdout)
    assert shown["blocked"] is False and shown["locked_out"] is False


def test_keys_commands_as_an_operator_uses_them(env, tmp_path):
    idp(env, "init")
    listed = json.loads(idp(env, "keys", "list", "--json").stdout)
    # access tokens' ES256 and ID tokens' RS256, each with its successor
    assert sorted((k["alg"], k["state"]) for k in listed) == [
        ("ES256", "active"),
        ("ES256", "next"),
        ("RS256", "active"),
        ("RS256", "next"),
    ]
    generated = json.loads(idp(env, "keys", "generate", "--alg", "ES256", "--json").stdout)
    assert generated["alg"] == "ES256" and generated["state"] == "next"
    too_soon = idp(env, "keys", "rotate", "--alg", "ES256", check=False)
    assert too_soon.returncode == 1 and "published for" in too_soon.stderr
    rotated = json.loads(idp(env, "keys", "rotate", "--alg", "ES256", "--force", "--json").stdout)
    assert rotated["activated"] in (
        [generated["kid"]],
        [k["kid"] for k in listed if k["alg"] == "ES256" and k["state"] == "next"],
    )
    assert json.loads(idp(env, "keys", "rotate", "--if-due", "--json").stdout) == {"activated": []}
    public = json.loads(idp(env, "keys", "export-public").stdout)
    assert public["keys"] and all("d" not in key for key in public["keys"])
    active_rs = next(k for k in listed if (k["alg"], k["state"]) == ("RS256", "active"))["kid"]
    next_rs = next(k for k in listed if (k["alg"], k["state"]) == ("RS256", "next"))["kid"]
    # "--": a kid is base64url and may begin with "-" (this test failed 1 run in 64)
    idp(env, "keys", "retire", "--", next_rs)  # withdraw the only next key...
    refused = idp(env, "keys", "revoke", "--reason", "leak", "--", active_rs, check=False)
    assert refused.returncode == 1 and "only RS256 key" in refused.stderr  # ...so no successor
    audit = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "from idp import create_app; from idp.storage import db; "
                "from idp.storage.models import AuditEvent\n"
                "app = create_app()\n"
                "with app.app_context():\n"
                "    print(sorted({e.action for e in db.session.query(AuditEvent).filter_by("
                "actor='operator')}))"
            ),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "key.rotated" in audit.stdout and "key.generated" in audit.stdout


def test_keys_rewrap_moves_to_a_new_kek(env, tmp_path):
    idp(env, "init")
    new_kek = tmp_path / "new-kek"
    new_kek.write_text("bmV3LWtlay1uZXcta2VrLW5ldy1rZWstbmV3LWtlay0=")
    assert (
        json.loads(idp(env, "keys", "rewrap", "--new-kek-file", str(new_kek), "--json").stdout)[
            "rewrapped"
        ]
        == 4  # an active and a next key for each of ES256 and RS256
    )
    moved = {**env, "IDP_KEY_ENCRYPTION_KEY_FILE": str(new_kek)}
    assert json.loads(idp(moved, "keys", "export-public").stdout)["keys"]
    assert "wrong KEK" in idp(env, "serve", check=False).stderr


def test_client_chooses_its_id_token_algorithm(env):
    idp(env, "init")
    data = json.loads(
        idp(
            env,
            "clients",
            "create",
            "--client-id",
            "ga-es",
            "--redirect-uri",
            "https://ga.example.org/cb",
            "--id-token-alg",
            "ES256",
            "--json",
        ).stdout
    )
    assert data["id_token_signed_response_alg"] == "ES256"
    wrong = idp(
        env,
        "clients",
        "create",
        "--client-id",
        "ga-x",
        "--redirect-uri",
        "https://ga.example.org/cb",
        "--id-token-alg",
        "HS256",
        check=False,
    )
    assert wrong.returncode == 2 and "HS256" in wrong.stderr


def test_clients_create_records_a_minimum_level(env):
    idp(env, "init")
    created = idp(
        env,
        "clients",
        "create",
        "--client-id",
        "volet-medical",
        "--redirect-uri",
        "https://vm.example.org/cb",
        "--minimum-acr",
        "urn:viatrajectoire:acr:passkey-psc",
        "--json",
    )
    assert json.loads(created.stdout)["minimum_acr"] == "urn:viatrajectoire:acr:passkey-psc"


def test_assurance_report_as_json_and_its_chart(env, tmp_path):
    idp(env, "init")
    chart = tmp_path / "chart.svg"
    data = json.loads(idp(env, "assurance", "report", "--json", "--svg", str(chart)).stdout)
    assert set(data["means"]) == {"password", "email_code", "app", "passkey", "passkey_psc", "psc"}
    assert data["health_data_strong_share"] is None and len(data["daily"]) == 30
    assert chart.read_text().startswith("<svg")
