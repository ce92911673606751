"""Names of well-known authenticator models by AAGUID, for "Mon compte" and the référent's
page ("Gestionnaire de mots de passe Google", "YubiKey 5"...). An AAGUID names a model, never a
person; under attestation ``none`` it is what the authenticator says of itself, so it informs
the person and is not a proof (``passkey_aaguids`` is what a structure enforces). Unknown or
all-zero AAGUIDs have no name. From the community list of passkey providers' AAGUIDs and the
vendors' published ones."""

from __future__ import annotations

NAMES = {
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Gestionnaire de mots de passe Google",
    "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome sur Mac",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "Trousseau iCloud (Apple)",
    "dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "Trousseau iCloud (Apple, géré)",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
    "531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
    "cb69481e-8ff7-4039-93ec-0a2729a154a8": "YubiKey 5",
    "ee882879-721c-4913-9775-3dfcce97072a": "YubiKey 5",
    "fa2b99dc-9e39-4257-8f92-4a30d23c4118": "YubiKey 5 NFC",
    "2fc0579f-8113-47ea-b116-bb5a8db9202a": "YubiKey 5 NFC",
}


def name_of(aaguid: str | None) -> str | None:
    """The model's name, if it is a known one."""
    return NAMES.get((aaguid or "").lower())
