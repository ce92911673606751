"""Day one from the command line: establishments from the FINESS extract, the profiles
catalogue, a first support account, habilitations given and ended — each audited as the
operator, on the embedded default and on PostgreSQL + Redis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import idp, sql

DATA = Path(__file__).parent / "data"
EXTRACT = DATA / "finess_extract.csv"
CATALOGUE = Path(__file__).parents[2] / "config" / "profiles.example.toml"


def establishments(env):
    return {e["finess"]: e for e in json.loads(idp(env, "establishments", "list", "--json").stdout)}


@pytest.fixture
def ready(env):
    idp(env, "init")
    return env


def test_finess_extract_import_is_an_idempotent_upsert(ready, tmp_path):
    first = json.loads(idp(ready, "establishments", "import", str(EXTRACT), "--json").stdout)
    assert (first["created"], first["updated"], first["refused"]) == (4, 0, 0)
    found = establishments(ready)
    assert found["010000024"] == {
        "finess": "010000024",
        "name": "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT",
        "kind": "Centre Hospitalier (C.H.)",
        "department": "01",
        "region": "Auvergne-Rhône-Alpes",
    }
    assert found["2A0000014"]["region"] == "Corse"
    assert found["2A0000014"]["name"] == "CMP AJACCIO"  # no long name: the short one
    assert found["970100012"]["region"] == "Guadeloupe"

    again = json.loads(idp(ready, "establishments", "import", str(EXTRACT), "--json").stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)

    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        EXTRACT.read_text().replace("EHPAD BASTIDE DU MONT", "EHPAD LA BASTIDE DU MONT")
    )
    changed = json.loads(idp(ready, "establishments", "import", str(renamed), "--json").stdout)
    assert changed["updated_fields"] == {"070000011": ["name"]} and changed["unchanged"] == 3
    audit = sql(ready, "SELECT actor, action, target FROM audit_events ORDER BY id")
    assert ("operator", "establishment.updated", "establishment:070000011") in audit
    assert sum(1 for row in audit if row[1] == "establishment.created") == 4


def test_a_malformed_line_stops_the_import_with_its_number_and_writes_nothing(ready, tmp_path):
    broken = tmp_path / "broken.csv"
    lines = EXTRACT.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "structureet;07000003X;x;CMP;;;")  # line 4: bad FINESS, short line
    lines.insert(5, lines[1])  # line 6: the first establishment again
    broken.write_text("\n".join(lines), encoding="cp1252")  # an older, Latin-1 extract

    refused = idp(ready, "establishments", "import", str(broken), check=False)
    assert refused.returncode == 1
    assert "line 4:" in refused.stdout and "line 6: FINESS 010000024 already on line 2" in (
        refused.stdout
    )
    assert "nothing was written" in refused.stdout
    assert establishments(ready) == {}

    dry = json.loads(
        idp(ready, "establishments", "import", str(EXTRACT), "--dry-run", "--json").stdout
    )
    assert dry["created"] == 4 and dry["applied"] is False and establishments(ready) == {}

    skipped = idp(ready, "establishments", "import", str(broken), "--skip-invalid")
    assert "4 created" in skipped.stdout and "line 4:" in skipped.stdout
    assert establishments(ready)["070000011"]["name"] == "EHPAD BASTIDE DU MONT VINOBRE"


def test_a_file_that_is_not_an_extract_is_refused(ready, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("name,age\nalice,3\n")
    result = idp(ready, "establishments", "import", str(other), check=False)
    assert result.returncode == 1 and "not a FINESS extract" in result.stdout


def test_profiles_sync_from_the_catalogue(ready, tmp_path):
    created = json.loads(idp(ready, "profiles", "sync", "--file", str(CATALOGUE), "--json").stdout)
    assert created["created"] == 8 and "REFERENT" in created["created_keys"]
    again = json.loads(idp(ready, "profiles", "sync", "--file", str(CATALOGUE), "--json").stdout)
    assert again["unchanged"] == 8 and again["created"] == 0

    edited = tmp_path / "profiles.toml"
    edited.write_text(
        CATALOGUE.read_text(encoding="utf-8").replace(
            'label = "Grand Age - Direction"', 'label = "Grand Âge - Direction"'
        ),
        encoding="utf-8",
    )
    dry = json.loads(
        idp(ready, "profiles", "sync", "--file", str(edited), "--dry-run", "--json").stdout
    )
    assert dry["updated_fields"] == {"GA_DIRECTION": ["label"]}
    listed = {p["code"]: p for p in json.loads(idp(ready, "profiles", "list", "--json").stdout)}
    assert listed["GA_DIRECTION"]["label"] == "Grand Age - Direction"  # dry run
    idp(ready, "profiles", "sync", "--file", str(edited))
    listed = {p["code"]: p for p in json.loads(idp(ready, "profiles", "list", "--json").stdout)}
    assert listed["GA_DIRECTION"]["label"] == "Grand Âge - Direction"
    assert listed["REFERENT"]["referent"] is True
    assert ("operator", "profile.updated") in sql(ready, "SELECT actor, action FROM audit_events")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[profile]]\ncode = "X Y"\nlabel = "a"\nmodule = "GRAND_AGE"\n', "code:"),
        ('[[profile]]\ncode = "AB"\nlabel = "a"\nmodule = "MARS"\n', "module: one of"),
        ('[[profile]]\ncode = "AB"\nlabel = "a"\nmodule = "GRAND_AGE"\nrights = "x"\n', "rights"),
        ('[[profile]]\ncode = "AB"\nlabel = "a"\nmodule = "GRAND_AGE"\nadmin = true\n', "unknown"),
        ("[[profile]\n", "profiles.toml"),
    ],
)
def test_an_invalid_catalogue_changes_nothing(ready, tmp_path, text, message):
    path = tmp_path / "profiles.toml"
    path.write_text(f'[[profile]]\ncode = "OK"\nlabel = "ok"\nmodule = "ANNUAIRES"\n\n{text}')
    result = idp(ready, "profiles", "sync", "--file", str(path), check=False)
    assert result.returncode == 1 and message in result.stderr
    assert json.loads(idp(ready, "profiles", "list", "--json").stdout) == []


@pytest.fixture
def directory(ready):
    idp(ready, "profiles", "sync", "--file", str(CATALOGUE))
    idp(ready, "establishments", "import", str(EXTRACT))
    return ready


def test_first_support_account_with_habilitations_and_a_welcome_link(directory, tmp_path):
    created = json.loads(
        idp(
            directory,
            "users",
            "create",
            "--username",
            "support-ara",
            "--email",
            "support@ars.example",
            "--family-name",
            "Support",
            "--support",
            "--welcome",
            "--habilitation",
            "REFERENT@070000011",
            "--habilitation",
            "GA_DIRECTION@010000024:2026-01-01..2030-12-31",
            "--json",
        ).stdout
    )
    assert created["support"] is True
    assert [h["spec"].split(":")[0] for h in created["habilitations"]] == [
        "REFERENT@070000011",
        "GA_DIRECTION@010000024",
    ]
    assert "GA_DIRECTION@010000024:2026-01-01..2030-12-31" in [
        h["spec"] for h in created["habilitations"]
    ]
    mails = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(mails) == 1 and "support@ars.example" in mails[0].read_text()
    shown = idp(directory, "establishments", "show", "070000011").stdout
    assert "support-ara" in shown  # now a référent there
    actions = sql(directory, "SELECT actor, action FROM audit_events WHERE target LIKE 'user:%'")
    assert set(actions) >= {
        ("operator", "user.created"),
        ("operator", "user.support_granted"),
        ("operator", "habilitation.added"),
    }


def create_jdoe(env, *specs: str):
    """``idp users create`` of one account with these habilitations (may be refused)."""
    habilitations = [arg for spec in specs for arg in ("--habilitation", spec)]
    return idp(
        env, "users", "create", "--username", "jdoe", "--email", "j@doe.example",
        "--password", "un mot de passe assez long", *habilitations, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("specs", "status", "message"),
    [
        (
            ["GA_DIRECTION@070000011", "GA_DIRECTION@999999999"],
            1,
            "GA_DIRECTION@999999999: no such establishment",
        ),
        (["DIRECTION"], 2, "PROFILE@FINESS"),
        (["GA_DIRECTION@070000011:2027-01-01..2026-01-01"], 2, "ends before it starts"),
    ],
)
def test_create_is_all_or_nothing_with_clear_errors(directory, specs, status, message):
    refused = create_jdoe(directory, *specs)
    assert refused.returncode == status and message in refused.stderr
    assert sql(directory, "SELECT count(*) FROM users")[0][0] == 0


def test_grant_end_and_support_rights(directory):
    idp(
        directory,
        "users",
        "create",
        "--username",
        "cdurand",
        "--email",
        "c@ehpad.example",
        "--password",
        "un mot de passe assez long",
        "--habilitation",
        "GA_MED_COORD@070000011",
    )
    granted = json.loads(
        idp(
            directory,
            "users",
            "grant",
            "cdurand",
            "OBS_ETAB@010000024:..2030-06-30",
            "REFERENT@070000011",
            "--json",
        ).stdout
    )
    assert len(granted) == 2
    shown = json.loads(idp(directory, "users", "show", "cdurand", "--json").stdout)
    assert sum(h["valid"] for h in shown["habilitations"]) == 3

    ended = idp(directory, "users", "end-habilitation", "cdurand", "REFERENT@070000011")
    assert "ended REFERENT@070000011" in ended.stdout
    again = idp(
        directory, "users", "end-habilitation", "cdurand", "REFERENT@070000011", check=False
    )
    assert again.returncode == 1 and "no current habilitation" in again.stderr
    shown = json.loads(idp(directory, "users", "show", "cdurand", "--json").stdout)
    ended_rows = [h for h in shown["habilitations"] if h["ended_at"]]
    assert len(ended_rows) == 1 and ended_rows[0]["spec"].startswith("REFERENT@")

    assert "is now support" in idp(directory, "users", "make-support", "cdurand").stdout
    assert "already support" in idp(directory, "users", "make-support", "cdurand").stdout
    assert "is now not support" in idp(directory, "users", "drop-support", "cdurand").stdout
    rows = sql(
        directory, "SELECT actor, action FROM audit_events WHERE action LIKE 'user.support%'"
    )
    assert rows == [("operator", "user.support_granted"), ("operator", "user.support_dropped")]
    missing = idp(directory, "users", "make-support", "nobody", check=False)
    assert missing.returncode == 1 and "no user 'nobody'" in missing.stderr
