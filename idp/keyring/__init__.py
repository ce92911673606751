"""Signing keys: generation, encryption at rest, the active key per algorithm, the JWKS."""

from idp.keyring.keyring import Keyring, KeyringError

__all__ = ["Keyring", "KeyringError"]
