"""Keep a worker's resident memory flat: at most two glibc malloc arenas per process.

glibc gives each thread that allocates while another holds the main arena an arena of its
own, and keeps what it freed there for reuse. A password check allocates argon2id's 19 MiB,
so every server thread that ever ran one kept 19 MiB resident for good (measured: a granian
worker went from 119 to 151 MB after a few logins, 132 MB with two arenas, same throughput).
Returning the buffer to the kernel after each hash instead (a fixed mmap threshold) costs
the page faults of 19 MiB on every login: +50 % on the hash here, so it is not done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

M_ARENA_MAX = -8  # glibc's malloc.h
DEFAULT_ARENAS = 2


def limit_malloc_arenas(arenas: int = DEFAULT_ARENAS) -> bool:
    """Apply ``MALLOC_ARENA_MAX`` (the operator's value if set) to this process and to the
    workers it forks or spawns; False where the C library is not glibc (nothing to limit)."""
    if platform.libc_ver()[0] != "glibc":
        return False
    chosen = os.environ.setdefault("MALLOC_ARENA_MAX", str(arenas))
    if not chosen.isdigit() or int(chosen) < 1:
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return bool(libc.mallopt(M_ARENA_MAX, int(chosen)))
