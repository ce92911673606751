"""``idp establishments import``: the FINESS extract upserted on the FINESS number.

Tens of thousands of lines are read once, compared in memory with what the database holds,
and written with a few bulk statements in one transaction: all or nothing, unless the
operator chose to skip invalid lines (each is still reported). Every creation and change is
audited, as the operator's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from idp.accounts import finess
from idp.accounts.import_report import ImportReport, Refusal
from idp.storage.models import AuditEvent, Establishment, utcnow

COMPARED = ("name", "kind", "region", "department")


def import_extract(
    session: Session, text: str, actor: str, *, skip_invalid: bool = False, dry_run: bool = False
) -> ImportReport:
    """Apply an extract; the report says what changed. The caller commits."""
    report = ImportReport()
    rows: list[finess.ExtractRow] = []
    for item in finess.read(text):
        if isinstance(item, Refusal):
            report.refused.append(item)
        else:
            rows.append(item)
    if not rows and not report.refused:
        report.refused.append(Refusal(1, "no structureet line: not a FINESS extract"))
    if (report.refused and not skip_invalid) or dry_run:
        report.applied = False
    existing = {
        e.finess: e
        for e in session.execute(select(Establishment.id, Establishment.finess, *_columns())).all()
    }
    new, changed, events = [], [], []
    for row in rows:
        values = {name: getattr(row, name) for name in COMPARED}
        known = existing.get(row.finess)
        if known is None:
            report.created.append(row.finess)
            new.append({"finess": row.finess, **values})
            events.append(_event(actor, "establishment.created", row.finess, values))
            continue
        fields = [name for name in COMPARED if getattr(known, name) != values[name]]
        if not fields:
            report.unchanged.append(row.finess)
            continue
        report.updated[row.finess] = fields
        changed.append({"id": known.id, **values})
        events.append(
            _event(actor, "establishment.updated", row.finess, {"fields": fields, **values})
        )
    if report.applied:
        if new:
            session.execute(insert(Establishment), new)
        if changed:
            session.execute(update(Establishment), changed)
        if events:
            session.execute(insert(AuditEvent), events)
    return report


def _columns() -> list[Any]:
    return [getattr(Establishment, name) for name in COMPARED]


def _event(actor: str, action: str, number: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "target": f"establishment:{number}",
        "details": details,
    }
