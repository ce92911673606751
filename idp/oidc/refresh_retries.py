"""A module that retries a refresh whose answer it never got receives that same answer.

When an instance dies between committing a rotation and sending its answer (or a proxy
loses the answer), the module still holds only the old refresh token, and presenting it
again looks like reuse: the whole grant would be revoked and the person signed out. So
each rotation keeps its answer for ``RETRY_WINDOW`` seconds, encrypted under a key derived
from the old refresh token itself (only its holder can read it), and a reuse within that
window, by the same client, while the new refresh token has not been used yet, gets the
same answer again: no token is issued twice. Any other reuse still revokes the family
(RFC 9700 4.14.2).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Error
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from idp.storage.ephemeral import EphemeralStore

RETRY_WINDOW = 10


class RetriedRefresh(OAuth2Error):  # noqa: N818 (a success Authlib must return as is)
    """Not an error: the answer of the rotation this retry repeats (status 200, no-store)."""

    status_code = 200

    def __init__(self, token: dict[str, Any]) -> None:
        super().__init__()
        self.token = token

    def get_body(self) -> list[tuple[str, Any]]:
        return list(self.token.items())


def remember(store: EphemeralStore, presented: str, answer: dict[str, Any]) -> None:
    """Keep the answer of the rotation of ``presented`` (the first one: a repeated answer is
    not kept again, so the window never grows)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(presented)).encrypt(nonce, json.dumps(answer).encode(), None)
    store.add(
        _name(presented),
        {
            "successor": hashlib.sha256(answer["refresh_token"].encode()).hexdigest(),
            "sealed": base64.b64encode(nonce + sealed).decode(),
        },
        RETRY_WINDOW,
    )


def recall(store: EphemeralStore, presented: str) -> tuple[str, dict] | None:
    """The successor's digest and the answer to repeat, if this may be a retry."""
    entry = store.get(_name(presented))
    if not isinstance(entry, dict):
        return None
    raw = base64.b64decode(entry["sealed"])
    answer = json.loads(AESGCM(_key(presented)).decrypt(raw[:12], raw[12:], None))
    return entry["successor"], answer


def _name(presented: str) -> str:
    digest = hashlib.sha256(b"retry:" + presented.encode()).hexdigest()
    return f"idp:refresh-retry:{digest}"


def _key(presented: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"idp refresh retry").derive(
        presented.encode()
    )
