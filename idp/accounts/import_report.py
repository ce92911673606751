"""What a bulk change did, line by line: the summary every import and sync prints; and how
the files of other systems are read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """A line of the input that was not applied, with its number (1-based) and why."""

    line: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    #: records the input does not mention, left as they are (profiles, clients)
    left_alone: list[str] = field(default_factory=list)
    #: set when nothing was written: refusals without --skip-invalid, or a dry run
    applied: bool = True

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "refused": len(self.refused),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "applied": self.applied,
            "created_keys": self.created,
            "updated_fields": self.updated,
            "refused_lines": [r.as_dict() for r in self.refused],
            "left_alone": self.left_alone,
        }

    def lines(self) -> list[str]:
        """The human summary: counts, then each refused line."""
        summary = ", ".join(f"{n} {what}" for what, n in self.counts().items())
        out = [summary]
        out += [f"line {r.line}: {r.reason}" for r in self.refused]
        if self.left_alone:
            out.append(f"not in the input (left alone): {', '.join(self.left_alone)}")
        if not self.applied:
            out.append("nothing was written")
        return out


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: what the exports of older systems
    (and older FINESS extracts) are written in."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")
