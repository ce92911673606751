"""Client registration rules (RFC 7591 metadata, RFC 9700 redirect URIs)."""

from __future__ import annotations

import pytest
from joserfc.jwk import RSAKey

from idp.oidc.clients import ClientRegistration, InvalidClientMetadataError, hash_secret


def registration(**fields) -> ClientRegistration:
    base = {"client_id": "app", "redirect_uris": ["https://app.example.org/cb"]}
    return ClientRegistration(**{**base, **fields})


def test_valid_registration_passes():
    registration().validate()
    registration(redirect_uris=["http://127.0.0.1:8000/cb"]).validate()


@pytest.mark.parametrize(
    "fields",
    [
        {"client_id": "a"},
        {"client_id": "bad id with spaces"},
        {"redirect_uris": []},
        {"redirect_uris": ["http://app.example.org/cb"]},
        {"redirect_uris": ["https://app.example.org/cb#frag"]},
        {"redirect_uris": ["/relative"]},
        {"redirect_uris": ["javascript:alert(1)"]},
        {"grant_types": ["implicit"]},
        {"grant_types": ["password"]},
        {"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [{"kty": "nope"}]}},
        {"scope": "openid superpowers"},
    ],
)
def test_invalid_registrations_are_refused(fields):
    with pytest.raises(InvalidClientMetadataError):
        registration(**fields).validate()


def test_private_keys_in_client_jwks_are_refused():
    key = RSAKey.generate_key(2048, private=True)
    with pytest.raises(InvalidClientMetadataError, match="public keys only"):
        registration(
            token_endpoint_auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=True)]}
        ).validate()
    registration(
        token_endpoint_auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=False)]}
    ).validate()


def test_secret_hash_is_not_the_secret():
    assert hash_secret("s3cret") != "s3cret" and len(hash_secret("s3cret")) == 64
