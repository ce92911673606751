"""Demo modules (clients/demo_module) as real HTTP servers beside the live provider, each
registered as a first-party client with its back-channel logout URI; one can go down and
come back on the same port with its state (its ended-session records) intact."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from demo_module import create_app
from werkzeug.serving import BaseWSGIServer, make_server

from tests.e2e.conftest import free_port


@dataclass
class RunningModule:
    client_id: str
    url: str
    app: Any
    port: int
    _server: BaseWSGIServer | None = field(default=None, repr=False)

    def start(self) -> RunningModule:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def start_module(
    live_server, client_id: str, name: str, step_up_acr: str, *registration: str
) -> RunningModule:
    """A demo module on a free port; ``registration``: more ``idp clients create`` options."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    registered = live_server.create_client(
        client_id,
        f"{url}/callback",
        "--post-logout-redirect-uri",
        f"{url}/",
        "--backchannel-logout-uri",
        f"{url}/backchannel-logout",
        *registration,
    )
    app = create_app(
        live_server.url,
        client_id,
        registered["client_secret"],
        url,
        name=name,
        step_up_acr=step_up_acr,
    )
    return RunningModule(client_id, url, app, port).start()
