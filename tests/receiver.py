"""A module's back-channel logout endpoint as a real HTTP server: records what it receives,
or answers 503 while "down"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class Receiver:
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.down = False
        #: while set and not released, requests wait (a slow module)
        self.hold: threading.Event | None = None
        self.url = ""

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204 - WSGI
        request = Request(environ)
        if self.hold is not None:
            self.hold.wait(10)
        if self.down:
            return Response("down", 503)(environ, start_response)
        self.tokens.append(request.form.get("logout_token", ""))
        return Response("", 200)(environ, start_response)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    receiver.url = f"http://127.0.0.1:{server.server_port}/backchannel-logout"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
