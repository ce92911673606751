"""The key-encryption key (KEK) and AES-256-GCM wrapping of private keys at rest.

The KEK comes from ``IDP_KEY_ENCRYPTION_KEY`` (base64 of 32 bytes) or, in the embedded default,
from a 0600 file under ``keys/`` created by ``idp init``. A missing or wrong KEK is a start-up
error, never a silent new key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from idp.errors import ConfigurationError

NONCE_BYTES = 12


def decode_kek(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError("key encryption key: not valid base64") from exc
    if len(key) != 32:
        raise ConfigurationError("key encryption key: must be 32 bytes (AES-256)")
    return key


def create_kek_file(path: Path) -> bool:
    """Create a new random KEK file with mode 0600; False if one already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return True


def load_kek(value: str, path: Path) -> bytes:
    """The KEK from the setting if given, else from the file; ConfigurationError if neither."""
    if value:
        return decode_kek(value)
    try:
        return decode_kek(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"no key encryption key: set IDP_KEY_ENCRYPTION_KEY or run `idp init` ({path})"
        ) from exc


def encrypt(kek: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, plaintext, associated)


def decrypt(kek: bytes, blob: bytes, associated: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated)
    except InvalidTag as exc:
        raise ConfigurationError(
            "key encryption key does not open the stored signing keys (wrong KEK?)"
        ) from exc
