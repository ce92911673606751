"""Write an accounts file for ``idp users import`` (the import benchmark and its tests):
``python -m bench.accounts_file OUT.csv --count 100000`` — one habilitation each on the demo
establishments, a third of the hashes bcrypt, a third PBKDF2-SHA256, a third unusable."""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
from pathlib import Path

import bcrypt

PLACES = ("070000011", "070000029", "070000037", "760000013")
PROFILES = ("GA_MED_COORD", "GA_DIRECTION", "ANNUAIRE_LECTURE", "OBS_ETAB")
PASSWORD = "mot de passe importé"
FIELDS = [
    "username",
    "email",
    "given_name",
    "family_name",
    "email_verified",
    "password_hash",
    "habilitations",
]


def legacy_hashes() -> list[str]:
    """One of each kind for PASSWORD (bcrypt at cost 4: the file is made fast; what the
    import does with a hash does not depend on its cost)."""
    salt = "legacysalt"
    derived = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), 10_000)
    return [
        bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
        f"pbkdf2_sha256$10000${salt}${base64.b64encode(derived).decode()}",
        "md5:5f4dcc3b5aa765d61d8327deb882cf99",
    ]


def rows(count: int, prefix: str = "import"):
    hashes = legacy_hashes()
    for n in range(count):
        yield {
            "username": f"{prefix}{n:06d}",
            "email": f"{prefix}{n:06d}@etab.example",
            "given_name": "Prénom",
            "family_name": f"Nom {n}",
            "email_verified": "oui",
            "password_hash": hashes[n % 3],
            "habilitations": f"{PROFILES[n % 4]}@{PLACES[n % 4]}",
        }


def write(path: Path, count: int, prefix: str = "import") -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        if path.suffix == ".jsonl":
            for row in rows(count, prefix):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(out, FIELDS)
            writer.writeheader()
            writer.writerows(rows(count, prefix))
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=100_000)
    arguments = parser.parse_args()
    write(arguments.out, arguments.count)
