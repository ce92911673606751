"""PKCE (RFC 7636) as RFC 9700 wants it: S256 only, required of every client of the code
flow (a confidential one too: PKCE also stops code injection); an operator may exempt a
legacy confidential module that cannot send it yet (``pkce_optional``, off by default).

Authlib's defaults accept ``plain`` and treat a missing method as ``plain``; both are refused.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge


class S256CodeChallenge(CodeChallenge):
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        payload = grant.request.payload.data
        challenge = payload.get("code_challenge")
        method = payload.get("code_challenge_method")
        if not challenge and grant.request.client.pkce_required:
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with S256.")
        if challenge and method != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is supported.")
        super().validate_code_challenge(grant, redirect_uri)
