"""The key-encryption key and AES-256-GCM wrapping of private keys."""

from __future__ import annotations

import base64
import stat

import pytest

from idp.errors import ConfigurationError
from idp.keyring import kek


def test_kek_file_is_created_once_with_0600(tmp_path):
    path = tmp_path / "keys" / "kek"
    assert kek.create_kek_file(path) is True
    assert kek.create_kek_file(path) is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(kek.load_kek("", path)) == 32


def test_missing_kek_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigurationError, match="idp init"):
        kek.load_kek("", tmp_path / "absent")


@pytest.mark.parametrize("value", ["not base64 !!", base64.b64encode(b"short").decode()])
def test_malformed_kek_is_refused(value, tmp_path):
    with pytest.raises(ConfigurationError):
        kek.load_kek(value, tmp_path / "absent")


def test_encrypt_round_trip_and_wrong_key_refused():
    key, other = b"a" * 32, b"b" * 32
    blob = kek.encrypt(key, b"private jwk", b"kid-1")
    assert b"private jwk" not in blob
    assert kek.decrypt(key, blob, b"kid-1") == b"private jwk"
    with pytest.raises(ConfigurationError, match="wrong KEK"):
        kek.decrypt(other, blob, b"kid-1")
    with pytest.raises(ConfigurationError):
        kek.decrypt(key, blob, b"kid-2")  # bound to its kid
