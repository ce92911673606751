"""The account import benchmark: ``python -m bench.import_accounts [--count 100000]``.

A fresh PostgreSQL database, the profiles catalogue and the demo establishments, then
``idp users import`` of COUNT accounts (one habilitation each, a third bcrypt, a third
PBKDF2-SHA256, a third unusable hashes) pinned to one core with ``taskset``, timed; then the
same file again (the resumed run: everything already present). Prints one Markdown line per
run for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.accounts_file import write

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("IDP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IDP = [sys.executable, "-c", "from idp.cli import run; run()"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    name = "idp_bench_import"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    home = Path(tempfile.mkdtemp(prefix="idp-bench-import-"))
    env = {
        **os.environ,
        "IDP_DATABASE_URL": ADMIN.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://"
        )
        + f"/{name}",
        "IDP_INSTANCE_DIR": str(home / "instance"),
        "IDP_KEY_ENCRYPTION_KEY_FILE": str(home / "kek"),
    }

    def idp(*args: str, pinned: bool = False) -> float:
        command = (["taskset", "-c", "0"] if pinned else []) + [*IDP, *args]
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started

    idp("init")
    idp("profiles", "sync", "--file", str(ROOT / "config" / "profiles.example.toml"))
    idp("establishments", "import", str(ROOT / "tests" / "cli" / "data" / "demo_extract.csv"))
    accounts = write(home / "accounts.csv", count)
    first = idp("users", "import", str(accounts), pinned=True)
    again = idp("users", "import", str(accounts), pinned=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(
        f"| {count:,} accounts, PostgreSQL, 1 core | {first:.1f} s | {count / first:,.0f}/s "
        f"| again (all present): {again:.1f} s | {machine} |"
    )


if __name__ == "__main__":
    main()
