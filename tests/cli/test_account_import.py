"""``idp users import``: refused lines reported with their numbers, JSON lines, and an import
killed half-way that resumes without duplicates."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from bench.accounts_file import write
from tests.cli.runner import IDP, idp, sql
from tests.cli.test_provisioning import CATALOGUE, DATA

DEMO_EXTRACT = DATA / "demo_extract.csv"


@pytest.fixture
def directory(env, tmp_path):
    idp(env, "init")
    idp(env, "profiles", "sync", "--file", str(CATALOGUE))
    idp(env, "establishments", "import", str(DEMO_EXTRACT))
    return env


def test_refused_lines_are_reported_and_the_others_imported(directory, tmp_path):
    path = write(tmp_path / "accounts.csv", 6)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("@etab.example", "")  # line 3: no address
    lines[4] = lines[4].replace("OBS_ETAB@", "NOPE@")  # line 5
    lines.append(lines[1])  # line 8: line 2 again
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report_path = tmp_path / "refused.jsonl"

    result = idp(
        directory,
        "users",
        "import",
        str(path),
        "--refused",
        str(report_path),
        "--json",
        check=False,
    )
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert (data["created"], data["refused"]) == (4, 3)
    reasons = {r["line"]: r["reason"] for r in data["refused_lines"]}
    assert "not an email address" in reasons[3]
    assert "no profile NOPE" in reasons[5]
    assert "already on line 2" in reasons[8]
    assert [json.loads(x)["line"] for x in report_path.read_text().splitlines()] == [3, 5, 8]
    assert data["without_password"] == 2  # accounts 2 and 5: not a known hash format
    assert sql(directory, "SELECT count(*) FROM users")[0][0] == 4
    assert sql(directory, "SELECT count(*) FROM habilitations")[0][0] == 4


def test_json_lines_and_dry_run(directory, tmp_path):
    path = write(tmp_path / "accounts.jsonl", 5, prefix="json")
    dry = json.loads(idp(directory, "users", "import", str(path), "--dry-run", "--json").stdout)
    assert dry["created"] == 5 and sql(directory, "SELECT count(*) FROM users")[0][0] == 0
    done = json.loads(idp(directory, "users", "import", str(path), "--json").stdout)
    assert done["created"] == 5
    shown = json.loads(idp(directory, "users", "show", "JSON000003", "--json").stdout)
    assert shown["email_verified"] is True and shown["habilitations"][0]["valid"] is True
    again = json.loads(idp(directory, "users", "import", str(path), "--json").stdout)
    assert (again["created"], again["unchanged"]) == (0, 5)


def test_an_interrupted_import_resumes_without_duplicates(directory, tmp_path):
    count = 12_000
    path = write(tmp_path / "accounts.csv", count)
    process = subprocess.Popen(
        [*IDP, "users", "import", str(path)],
        env=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stderr:  # progress lines: "1200/12001 lines", … (no terminal here)
        if int(line.split("/")[0]) >= 3600:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    first = sql(directory, "SELECT count(*) FROM users")[0][0]
    assert 0 < first < count  # some batches were committed, not all

    resumed = json.loads(idp(directory, "users", "import", str(path), "--json").stdout)
    assert resumed["unchanged"] == first and resumed["created"] == count - first
    assert sql(directory, "SELECT count(*), count(DISTINCT username_key) FROM users")[0] == (
        count,
        count,
    )
    # every account has its one habilitation and its one audit entry, none twice
    assert sql(directory, "SELECT count(*) FROM habilitations")[0][0] == count
    created = "SELECT count(*) FROM audit_events WHERE action = 'user.created'"
    assert sql(directory, created)[0][0] == count


def test_a_latin1_file_and_a_broken_line_are_read_clearly(directory, tmp_path):
    path = tmp_path / "legacy.csv"
    huge = "x" * 200_000  # over the CSV module's field limit
    path.write_bytes(
        "username,email,family_name\nheloise,h@etab.example,Hélène\n".encode("cp1252")
        + f'broken,b@etab.example,"{huge}\nlast,l@etab.example,Last\n'.encode()
    )
    result = idp(directory, "users", "import", str(path), "--json", check=False)
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["created"] == 1
    assert "unreadable CSV" in data["refused_lines"][0]["reason"]
    shown = json.loads(idp(directory, "users", "show", "heloise", "--json").stdout)
    assert shown["family_name"] == "Hélène"
