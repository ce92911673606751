"""A habilitation written on one line, as operators and import files give it:
``PROFILE@FINESS[:UNIT][:FROM..TO]``, e.g. ``GA_DIRECTION@070000011``,
``GA_MED_COORD@070000011:Unité Alzheimer``, ``REFERENT@070000029:2027-01-01..2028-12-31``
or ``OBS_ETAB@760000013:..2027-06-30`` (either end of the period may be left open).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from idp.errors import IdpError

SPEC = re.compile(r"^(?P<profile>[A-Za-z0-9_]{2,60})@(?P<finess>[0-9AB]{9})(?::(?P<rest>.*))?$")
PERIOD = re.compile(r"^(?P<start>\d{4}-\d{2}-\d{2})?\.\.(?P<end>\d{4}-\d{2}-\d{2})?$")


class HabilitationSpecError(IdpError):
    """A habilitation spec that cannot be read (the message shows the expected form)."""


@dataclass(frozen=True)
class HabilitationSpec:
    profile: str
    finess: str
    unit: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


def parse(text: str) -> HabilitationSpec:
    match = SPEC.match((text or "").strip())
    if match is None:
        raise HabilitationSpecError(
            f"{text[:80]!r}: expected PROFILE@FINESS[:UNIT][:FROM..TO], "
            "e.g. GA_DIRECTION@070000011:2027-01-01..2027-12-31"
        )
    unit, start, end = None, None, None
    parts = match["rest"].split(":") if match["rest"] else []
    if parts and PERIOD.match(parts[-1]):
        start, end = _period(text, parts.pop())
    if len(parts) > 1 or (parts and not parts[0].strip()):
        raise HabilitationSpecError(f"{text[:80]!r}: one unit name at most, then the period")
    if parts:
        unit = parts[0].strip()[:200]
    return HabilitationSpec(match["profile"].upper(), match["finess"], unit, start, end)


def _period(text: str, period: str) -> tuple[date | None, date | None]:
    found = PERIOD.match(period)
    assert found is not None
    try:
        start = date.fromisoformat(found["start"]) if found["start"] else None
        end = date.fromisoformat(found["end"]) if found["end"] else None
    except ValueError as error:
        raise HabilitationSpecError(f"{text[:80]!r}: {error}") from error
    if start and end and end < start:
        raise HabilitationSpecError(f"{text[:80]!r}: the period ends before it starts")
    return start, end
