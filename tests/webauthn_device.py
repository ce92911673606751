"""A software authenticator (WebAuthn Level 3, "none" attestation, ES256) for the functional
tests, which talk to the provider through Flask's test client and have no browser: it makes
the same ``navigator.credentials`` answers a platform authenticator does, byte for byte as the
specification lays them out, so that py_webauthn checks them as it checks a real one. The
end-to-end tests use Chromium's own virtual authenticator instead (CDP ``WebAuthn``)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class Authenticator:
    """``synced``: backup eligible and backed up (a passkey in a password manager);
    ``verifies``: the authenticator verifies its user (PIN, fingerprint)."""

    aaguid: bytes = b"\x00" * 16
    synced: bool = False
    verifies: bool = True
    credentials: list[Credential] = field(default_factory=list)

    def _flags(self, attested: bool) -> int:
        flags = UP | (UV if self.verifies else 0) | (BE | BS if self.synced else 0)
        return flags | (AT if attested else 0)

    def create(self, options: dict[str, Any], origin: str) -> dict[str, Any]:
        """``navigator.credentials.create`` with the provider's options (JSON)."""
        rp_id = options["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big")}  # fmt: skip
        credential = Credential(
            secrets.token_bytes(32), key, rp_id, unb64url(options["user"]["id"])
        )
        self.credentials.append(credential)
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(attested=True)])
            + struct.pack(">I", 0)
            + self.aaguid
            + struct.pack(">H", len(credential.id))
            + credential.id
            + cbor2.dumps(cose)
        )
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(
        self, options: dict[str, Any], origin: str, credential: Credential | None = None
    ) -> dict[str, Any]:
        """``navigator.credentials.get``: the given credential, else the first allowed."""
        allowed = [unb64url(c["id"]) for c in options.get("allowCredentials") or []]
        chosen = credential or next(c for c in self.credentials if not allowed or c.id in allowed)
        chosen.sign_count += 1
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([self._flags(attested=False)])
            + struct.pack(">I", chosen.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        return {
            "id": b64url(chosen.id),
            "rawId": b64url(chosen.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(chosen.key.sign(signed, ec.ECDSA(hashes.SHA256()))),
                "userHandle": b64url(chosen.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()
