"""A refresh request sent again because its answer was lost receives that same answer.

When an instance dies between committing a rotation and sending its answer, the module
still holds only the old refresh token, and presenting it again looks like reuse: the whole
grant would be revoked and the person signed out. A request that says it is the same one,
with the same ``Idempotency-Key`` header (a module's own retry) or the same ``X-Request-Id``
(set once per client request by the reverse proxy, which re-sends it to another instance),
is a retry, not a reuse. So a rotation made under such a marker keeps its answer for
``RETRY_WINDOW`` seconds, encrypted under a key derived from the old refresh token itself
(only its holder can read it), and the same request again, by the same client, while the
new refresh token has not been used, gets the same answer: no token is issued twice. Any
other reuse, and every reuse without a marker, still revokes the family (RFC 9700 4.14.2).
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

from idp.storage import keys
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


def marker(headers: Any) -> str | None:
    """What makes a request the same one again: its idempotency key, or the proxy's id."""
    value = headers.get("Idempotency-Key") or headers.get("X-Request-Id") or ""
    return value if 8 <= len(value) <= 200 and value.isprintable() else None


def remember(
    store: EphemeralStore,
    presented: str,
    answer: dict[str, Any],
    request_marker: str,
    replace: bool = False,
) -> bool:
    """Keep the answer of the rotation of ``presented``, before that rotation is made (a
    rotation commits at once, and an instance may die right after it). Only the first such
    answer is kept, unless ``replace``: True if this one was kept."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(presented)).encrypt(nonce, json.dumps(answer).encode(), None)
    entry = {
        "successor": hashlib.sha256(answer["refresh_token"].encode()).hexdigest(),
        "marker": hashlib.sha256(request_marker.encode()).hexdigest(),
        "sealed": base64.b64encode(nonce + sealed).decode(),
    }
    if replace:
        store.put(_name(presented), entry, RETRY_WINDOW)
        return True
    return store.add(_name(presented), entry, RETRY_WINDOW)


def recall(
    store: EphemeralStore, presented: str, request_marker: str | None
) -> tuple[str, dict[str, Any]] | None:
    """The successor's digest and the answer to repeat, if this is the same request again."""
    entry = store.get(_name(presented)) if request_marker else None
    if not isinstance(entry, dict) or not request_marker:
        return None
    if entry.get("marker") != hashlib.sha256(request_marker.encode()).hexdigest():
        return None
    raw = base64.b64decode(entry["sealed"])
    answer = json.loads(AESGCM(_key(presented)).decrypt(raw[:12], raw[12:], None))
    return entry["successor"], answer


def _name(presented: str) -> str:
    digest = hashlib.sha256(b"retry:" + presented.encode()).hexdigest()
    return keys.refresh_retry(digest)


def _key(presented: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"idp refresh retry").derive(
        presented.encode()
    )
