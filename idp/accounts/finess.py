"""Reading the public FINESS extract ("FINESS Extraction du Fichier des établissements",
``etalab-cs1100507-stock-*.csv`` on data.gouv.fr).

The published layout: a first comment line ``finess;etalab;<n>;<date>``, then one
``structureet;`` line per establishment, semicolon-separated and unquoted, then
``geolocalisation;`` lines (ignored here). The fields of ``structureet`` used here, by
position: 1 nofinesset (the establishment's FINESS number), 3 rs (short name), 4 rslongue
(long name), 13 departement (code: 01-95, 2A, 2B, 9A-9F overseas), 14 libdepartement,
19 libcategetab (category label, e.g. "Etablissement d'hébergement pour personnes âgées
dépendantes"). Older files are Latin-1, newer ones UTF-8: both are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from idp.accounts.directory import FINESS_PATTERN
from idp.accounts.import_report import Refusal

FIELDS = 32  # structureet ... numuai; older extracts stop at datemaj (31)
MIN_FIELDS = 20  # up to libcategetab, the last field read here

REGIONS = {
    "Auvergne-Rhône-Alpes": "01 03 07 15 26 38 42 43 63 69 73 74",
    "Bourgogne-Franche-Comté": "21 25 39 58 70 71 89 90",
    "Bretagne": "22 29 35 56",
    "Centre-Val de Loire": "18 28 36 37 41 45",
    "Corse": "2A 2B",
    "Grand Est": "08 10 51 52 54 55 57 67 68 88",
    "Hauts-de-France": "02 59 60 62 80",
    "Île-de-France": "75 77 78 91 92 93 94 95",
    "Normandie": "14 27 50 61 76",
    "Nouvelle-Aquitaine": "16 17 19 23 24 33 40 47 64 79 86 87",
    "Occitanie": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "Pays de la Loire": "44 49 53 72 85",
    "Provence-Alpes-Côte d'Azur": "04 05 06 13 83 84",
    "Guadeloupe": "9A 971",
    "Martinique": "9B 972",
    "Guyane": "9C 973",
    "La Réunion": "9D 974",
    "Saint-Pierre-et-Miquelon": "9E 975",
    "Mayotte": "9F 976",
}
REGION_OF = {code: region for region, codes in REGIONS.items() for code in codes.split()}


@dataclass(frozen=True)
class ExtractRow:
    line: int
    finess: str
    name: str
    kind: str
    department: str
    region: str


def read(text: str) -> Iterator[ExtractRow | Refusal]:
    """Each establishment line as a row, or a refusal naming its line and fault."""
    seen: dict[str, int] = {}
    lines = text.splitlines()
    if not lines or lines[0].split(";")[0] not in ("finess", "structureet"):
        yield Refusal(1, "not a FINESS extract (its first line is finess;etalab;…)")
        return
    for number, line in enumerate(lines, start=1):
        fields = line.split(";")
        if fields[0] != "structureet":
            if fields[0] not in ("finess", "geolocalisation", "") and number > 1:
                yield Refusal(number, f"unknown line type {fields[0][:30]!r}")
            continue
        row = _row(number, [f.strip() for f in fields])
        if isinstance(row, ExtractRow):
            if row.finess in seen:
                row = Refusal(number, f"FINESS {row.finess} already on line {seen[row.finess]}")
            else:
                seen[row.finess] = number
        yield row


def _row(number: int, fields: list[str]) -> ExtractRow | Refusal:
    if len(fields) < MIN_FIELDS or len(fields) > FIELDS + 1:
        return Refusal(number, f"{len(fields)} fields, expected {FIELDS} (structureet layout)")
    finess = fields[1]
    if not FINESS_PATTERN.match(finess):
        return Refusal(number, f"FINESS number {finess[:20]!r}: 9 characters expected")
    name = (fields[4] or fields[3])[:200]
    if not name:
        return Refusal(number, f"FINESS {finess}: no name (rs / rslongue)")
    kind = fields[19][:80]
    if not kind:
        return Refusal(number, f"FINESS {finess}: no category (libcategetab)")
    department = fields[13][:3]
    if department.isdigit() and len(department) == 1:
        department = department.zfill(2)  # a spreadsheet dropped the leading zero
    region = REGION_OF.get(department, fields[14].title())[:80]
    return ExtractRow(number, finess, name, kind, department, region)
