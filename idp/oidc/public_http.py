"""Outgoing HTTP to addresses a module registered (back-channel logout): public ones only.

A registered URI is the module's to choose, and so is what its name resolves to: pointed at
loopback, a private network or a link-local address (a cloud's metadata service), our POST
would carry a logout token, from inside, to a service no module owns (server-side request
forgery). Outside development and testing, the name is resolved at each connection, every
address it gives is checked, and the connection goes to the checked address (so a name that
resolves again differently, DNS rebinding, gains nothing); TLS still verifies the name.
Redirects are never followed and no proxy from the environment is used.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from idp.errors import IdpError


class PrivateAddressError(IdpError):
    """The address is loopback, private, link-local or otherwise not the public Internet."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_literal_host(uri: str) -> None:
    """Refuse a URI whose host is written as a non-public address, or ``localhost``
    (at registration: a name is resolved, and checked, at each delivery)."""
    host = (urlsplit(uri).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise PrivateAddressError(f"{uri!r} points at this machine")
    try:
        public = is_public(host)
    except ValueError:
        return  # a name
    if not public:
        raise PrivateAddressError(f"{uri!r} points at a non-public address")


def public_address(host: str, port: int) -> str:
    """The first address of ``host`` if every address it resolves to is public."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(entry[4][0]) for entry in found]
    refused = [address for address in addresses if not is_public(address)]
    if not addresses or refused:
        raise PrivateAddressError(f"{host} resolves to a non-public address")
    return addresses[0]


class _Checked:
    """Connect to the checked address of the host (TLS and Host still use the name)."""

    host: str
    port: int
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        try:
            self._dns_host = public_address(self._dns_host, self.port)
        except (PrivateAddressError, OSError) as error:
            raise NewConnectionError(self, str(error)) from error  # type: ignore[arg-type]
        return super()._new_conn()  # type: ignore[misc, no-any-return]


class _CheckedHTTPConnection(_Checked, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_Checked, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def session(allow_private: bool) -> requests.Session:
    """A session for module-registered URIs; ``allow_private`` in development and tests,
    whose modules run on this machine."""
    http = requests.Session()
    http.trust_env = False  # no proxy from the environment: it would be the checked address
    http.max_redirects = 0
    if not allow_private:
        adapter = _PublicOnlyAdapter()
        http.mount("http://", adapter)
        http.mount("https://", adapter)
    return http
