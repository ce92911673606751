"""Forwarded headers are believed only from the reverse proxy's address."""

from __future__ import annotations

from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from idp.wsgi import TrustedProxy


@Request.application
def echo(request: Request) -> Response:
    return Response(f"{request.remote_addr} {request.scheme}")


def seen(remote_addr: str) -> str:
    client = Client(TrustedProxy(echo, {"127.0.0.1"}))
    response = client.get(
        "/",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": remote_addr},
    )
    return response.get_data(as_text=True)


def test_proxy_on_loopback_is_believed():
    assert seen("127.0.0.1") == "203.0.113.9 https"


def test_anyone_else_cannot_spoof_the_client_address():
    assert seen("198.51.100.7") == "198.51.100.7 http"


def test_trusted_proxies_by_address_network_or_star():
    from idp.wsgi import is_trusted

    assert is_trusted("127.0.0.1", {"127.0.0.1"})
    assert is_trusted("172.18.0.5", {"172.16.0.0/12"})
    assert not is_trusted("8.8.8.8", {"172.16.0.0/12", "127.0.0.1"})
    assert not is_trusted("not-an-address", {"10.0.0.0/8"})
    assert is_trusted("203.0.113.9", {"*"})
