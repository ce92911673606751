"""One background thread per process that works through what requests hand it, so that a
slow module never delays the person's page. It starts with the first piece of work (again in
a forked server worker, whose parent's thread is not there) and ends after a minute idle."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
#: a thread with nothing to do for this long ends (the next piece of work starts one)
IDLE_SECONDS = 60


class BackgroundQueue:
    def __init__(self, name: str, work: Callable[[Any], None]) -> None:
        self._name = name
        self._work = work
        self._queue: queue.Queue[Any] = queue.Queue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def put(self, item: Any) -> None:
        with self._lock:
            if self._pid != os.getpid():  # idle, first use, or a forked server worker
                if self._pid is not None:
                    self._queue = queue.Queue()  # a parent's queue: its thread is not here
                threading.Thread(target=self._run, name=self._name, daemon=True).start()
                self._pid = os.getpid()
            self._queue.put(item)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until what was handed over is done (tests, shutdown); False when ``timeout``
        ran out first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def _run(self) -> None:
        pending = self._queue
        while True:
            try:
                item = pending.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if pending.empty():
                        self._pid = None
                        return
                continue
            try:
                self._work(item)
            except Exception:  # what was not done stays for whoever retries it
                log.exception("%s: background work failed", self._name)
            finally:
                pending.task_done()


class Deferred:
    """Work taken off the request path (a mail whose sending, or not, must not show in the
    answer's timing), run on the background thread inside the application's context; inline
    without an application (a command, whose process would end before the thread)."""

    def __init__(self, name: str) -> None:
        self._app: Any = None
        self._queue = BackgroundQueue(name, self._run)

    def bind(self, app: Any) -> None:
        self._app = app

    def __call__(self, task: Callable[[], None]) -> None:
        if self._app is None:
            task()
            return
        self._queue.put(task)

    def drain(self, timeout: float = 10.0) -> bool:
        return self._queue.drain(timeout)

    def _run(self, task: Callable[[], None]) -> None:
        with self._app.app_context():
            task()
