"""Comparing what a browser sent with what was expected, in constant time.

``hmac.compare_digest`` raises ``TypeError`` on text holding non-ASCII characters, and a
browser can send any character: the UTF-8 bytes are compared instead.
"""

from __future__ import annotations

import hmac


def same_text(expected: str, given: str) -> bool:
    return hmac.compare_digest(_bytes(expected), _bytes(given))


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
