"""Review 3, N6: back-channel logout tokens go to public addresses only (outside development),
checked at registration for literal addresses and at each connection for names."""

from __future__ import annotations

import pytest
import requests

from idp.oidc import public_http
from idp.oidc.clients import ClientRegistration, InvalidClientMetadataError
from tests.receiver import running_receiver


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1"],  # noqa: S104
)  # fmt: skip
def test_non_public_addresses_are_told(address):
    assert not public_http.is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4007:80e::200e", "193.51.24.1"])
def test_public_addresses_are_told(address):
    assert public_http.is_public(address)


@pytest.mark.parametrize(
    "uri",
    ["https://localhost/bc", "https://a.localhost/bc", "https://10.0.0.5/bc",
     "https://169.254.169.254/latest", "https://[::1]/bc", "http://127.0.0.1:8000/bc"],
)  # fmt: skip
def test_registration_outside_development_refuses_private_literal_hosts(uri):
    registration = ClientRegistration(
        "module", ["https://module.example/cb"], backchannel_logout_uri=uri
    )
    with pytest.raises(InvalidClientMetadataError):
        registration.validate(allow_private_addresses=False)
    registration.validate(allow_private_addresses=True)  # development: the modules run here


def test_a_name_is_checked_at_registration_only_by_its_form():
    registration = ClientRegistration(
        "module", ["https://module.example/cb"], backchannel_logout_uri="https://module.example/bc"
    )
    registration.validate(allow_private_addresses=False)


def test_a_delivery_to_a_name_resolving_to_loopback_is_refused_before_connecting():
    with running_receiver() as receiver:
        uri = receiver.url.replace("127.0.0.1", "localhost")
        with pytest.raises(requests.ConnectionError, match="non-public"):
            public_http.session(allow_private=False).post(uri, data={"logout_token": "t"})
        assert receiver.tokens == []  # nothing reached it
        public_http.session(allow_private=True).post(uri, data={"logout_token": "t"})
        assert receiver.tokens == ["t"]


def test_redirects_are_never_followed():
    assert public_http.session(allow_private=True).max_redirects == 0
