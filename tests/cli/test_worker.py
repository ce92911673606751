"""``idp worker``: two workers at once run each slot of a job once, the daily upkeep does its
work, and SIGTERM stops a worker cleanly — real processes, on both backends."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from tests.cli.runner import IDP, idp, sql
from tests.cli.test_provisioning import CATALOGUE, DATA


def start_worker(env, *args):
    return subprocess.Popen(
        [*IDP, "worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    return output


def test_two_workers_run_each_slot_once_and_stop_on_sigterm(env):
    idp(env, "init")
    workers = [
        start_worker(
            env, "--only", "backchannel,purge", "--every", "backchannel=1", "--every", "purge=2"
        )
        for _ in range(2)
    ]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ran = sql(env, "SELECT count(*) FROM job_runs WHERE job = 'backchannel'")[0][0]
        if ran >= 4:
            break
        time.sleep(0.25)
    logs = [stop(process) for process in workers]

    runs = sql(env, "SELECT job, slot, worker, outcome FROM job_runs")
    assert len({(job, slot) for job, slot, _, _ in runs}) == len(runs) >= 4
    assert {outcome for *_, outcome in runs} == {"ran"}
    ran_lines = sum(log.count(": ran ") for log in logs)
    skipped = sum(log.count("run by another worker") for log in logs)
    assert ran_lines == len(runs)  # each run logged once, by the worker that ran it
    assert skipped > 0  # both workers tried the same slots
    assert all("SIGTERM received, stopping" in log and "stopped" in log for log in logs)


def test_the_daily_upkeep_deactivates_accounts_without_a_current_habilitation(env):
    idp(env, "init")
    idp(env, "profiles", "sync", "--file", str(CATALOGUE))
    idp(env, "establishments", "import", str(DATA / "demo_extract.csv"))
    idp(
        env,
        "users",
        "create",
        "--username",
        "gone",
        "--email",
        "gone@ehpad.example",
        "--password",
        "un mot de passe assez long",
        "--habilitation",
        "GA_DIRECTION@070000011:2020-01-01..2020-12-31",
    )
    process = start_worker(env, "--only", "maintenance,keys", "--run-now")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if len(sql(env, "SELECT 1 FROM job_runs WHERE finished_at IS NOT NULL")) == 2:
            break
        time.sleep(0.25)
    log = stop(process)
    assert "job maintenance" in log and "job keys" in log
    assert json.loads(idp(env, "users", "show", "gone", "--json").stdout)["active"] is False
    details = dict(sql(env, "SELECT job, outcome FROM job_runs"))
    assert details == {"maintenance": "ran", "keys": "ran"}


def test_unknown_jobs_and_intervals_are_refused(env):
    assert idp(env, "worker", "--only", "cron", check=False).returncode == 2
    assert idp(env, "worker", "--every", "backchannel=0", check=False).returncode == 2
