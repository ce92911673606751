"""A self-hosted "code to copy" (the ``captcha`` package): an image and an audio alternative.

The answer lives in the ephemeral store for 10 minutes and is consumed by the first check,
right or wrong, so a solved captcha cannot be replayed. Drawing costs CPU (the audio about
half a second), so each worker keeps what it drew of a challenge for a later request of the
same one (a person replaying the sound), a few dozen at most, and the pages limit how often one
address may ask (``rate_limit_captcha``).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from idp.authn.constant_time import same_text
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore

TTL = 600
LENGTH = 6
#: drawings kept per worker (an audio challenge is about 200 kB)
DRAWN = 32


class Captchas:
    def __init__(self, store: EphemeralStore) -> None:
        self._store = store
        self._drawers: tuple[Any, Any] | None = None
        self._drawn: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _drawer(self) -> tuple[Any, Any]:
        """Fonts and voice samples load on the first captcha: most workers never draw one
        (a few MB of resident memory each; bench/RESULTS.md)."""
        if self._drawers is None:
            from captcha.audio import AudioCaptcha
            from captcha.image import ImageCaptcha

            self._drawers = (ImageCaptcha(width=220, height=80), AudioCaptcha())
        return self._drawers

    def new(self) -> str:
        captcha_id = secrets.token_urlsafe(16)
        answer = "".join(secrets.choice("0123456789") for _ in range(LENGTH))
        self._store.put(self._key(captcha_id), {"answer": answer}, TTL)
        return captcha_id

    def image(self, captcha_id: str) -> bytes | None:
        return self._drawing(
            "image", captcha_id, lambda a: self._drawer()[0].generate(a).getvalue()
        )

    def audio(self, captcha_id: str) -> bytes | None:
        return self._drawing("audio", captcha_id, lambda a: bytes(self._drawer()[1].generate(a)))

    def _drawing(self, kind: str, captcha_id: str, draw: Callable[[str], bytes]) -> bytes | None:
        """The challenge drawn once per worker while it lives (keyed with its answer, so a
        used-up challenge is never served from here)."""
        answer = self._answer(captcha_id)
        if answer is None:
            return None
        key = (kind, captcha_id, answer)
        with self._lock:
            if key in self._drawn:
                self._drawn.move_to_end(key)
                return self._drawn[key]
        drawn = draw(answer)
        with self._lock:
            self._drawn[key] = drawn
            while len(self._drawn) > DRAWN:
                self._drawn.popitem(last=False)
        return drawn

    def check(self, captcha_id: str | None, attempt: str | None) -> bool:
        """True once for the right answer; any check uses the captcha up."""
        if not captcha_id or len(captcha_id) > 64:
            return False
        data = self._store.consume(self._key(captcha_id))
        given = (attempt or "").strip().replace(" ", "")
        return data is not None and same_text(data["answer"], given[:32])

    def _answer(self, captcha_id: str) -> str | None:
        if not captcha_id or len(captcha_id) > 64:
            return None
        data = self._store.get(self._key(captcha_id))
        return data["answer"] if data else None

    @staticmethod
    def _key(captcha_id: str) -> str:
        return keys.captcha(captcha_id)
