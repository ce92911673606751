"""``idp serve`` caps glibc's malloc arenas: counted with glibc's own ``malloc_stats``."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc arenas only")

PROGRAM = """
import ctypes, sys, threading
from idp.memory import limit_malloc_arenas
if sys.argv[1] == "limited":
    assert limit_malloc_arenas()
together = threading.Barrier(6)
def allocate():  # six threads alive at once, each allocating
    kept = [bytearray(1 << 20) for _ in range(4)]
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def arenas(mode: str) -> int:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], env=env, capture_output=True, text=True, check=True
    )
    return sum(1 for line in result.stderr.splitlines() if line.startswith("Arena "))


def test_threads_share_at_most_two_arenas_once_limited():
    assert arenas("unlimited") > 2  # the test can see the difference
    assert arenas("limited") <= 2


def test_the_operator_value_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "not-a-number")
    from idp.memory import limit_malloc_arenas

    assert limit_malloc_arenas() is False
    assert os.environ["MALLOC_ARENA_MAX"] == "not-a-number"
