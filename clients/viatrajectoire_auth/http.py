"""Fetching the provider's documents: one timeout, one error type, ``Cache-Control`` read."""

from __future__ import annotations

import re
from typing import Any

import requests

from viatrajectoire_auth.errors import ProviderUnavailableError

DEFAULT_TIMEOUT = 5.0
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)


def get_json(http: requests.Session, url: str, timeout: float) -> tuple[dict[str, Any], int | None]:
    """The document and its ``max-age`` (None when the provider gave none)."""
    try:
        response = http.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailableError(f"{url}: {type(error).__name__}") from error
    if not isinstance(document, dict):
        raise ProviderUnavailableError(f"{url}: not a JSON object")
    return document, max_age(response.headers.get("Cache-Control", ""))


def max_age(cache_control: str) -> int | None:
    if "no-store" in cache_control.lower() or "no-cache" in cache_control.lower():
        return 0
    match = MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else None


def discover(
    issuer: str, http: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The provider's metadata; its ``issuer`` must be the one configured (OIDC Discovery §4.3)."""
    issuer = issuer.rstrip("/")
    document, _ = get_json(
        http or requests.Session(), f"{issuer}/.well-known/openid-configuration", timeout
    )
    if document.get("issuer") != issuer:
        raise ProviderUnavailableError(
            f"discovery names issuer {document.get('issuer')!r}, expected {issuer!r}"
        )
    return document
