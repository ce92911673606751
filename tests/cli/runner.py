"""Run the ``idp`` command as an operator would: a real process, real files."""

from __future__ import annotations

import subprocess
import sys

IDP = [sys.executable, "-c", "from idp.cli import run; run()"]


def idp(env, *args, check=True):
    result = subprocess.run([*IDP, *args], env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result
