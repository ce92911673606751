"""``idp users import``: accounts and their habilitations from the legacy system, in bulk.

Input: CSV with a header line, or JSON lines, with the columns ``username``, ``email``
(required), ``given_name``, ``family_name``, ``email_verified``, ``otp_required``,
``phone``, ``profession``, ``password_hash`` and ``habilitations`` (specs
``PROFILE@FINESS[:UNIT][:FROM..TO]``, separated by ``|`` in CSV, a list in JSON).

Lines are checked one by one and written in batches, each batch one transaction with bulk
statements: an interrupted import keeps its committed batches, and running it again skips
the accounts already present, so it resumes without duplicates. A password hash in a known
format is kept as it is (``recognise_hash``); any other leaves the account without a
password, and its first login attempt mails a welcome link.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from idp.accounts import habilitation_specs
from idp.accounts.import_report import ImportReport, Refusal
from idp.accounts.usernames import username_key
from idp.accounts.users import EMAIL_PATTERN, USERNAME_PATTERN
from idp.storage.models import (
    AuditEvent,
    Establishment,
    Habilitation,
    Profile,
    Unit,
    User,
    utcnow,
)

COLUMNS = {
    "username",
    "email",
    "given_name",
    "family_name",
    "email_verified",
    "otp_required",
    "phone",
    "profession",
    "password_hash",
    "habilitations",
}
TRUE, FALSE = {"1", "true", "oui", "yes", "o", "y"}, {"", "0", "false", "non", "no", "n"}
BATCH = 1000
MAX_LINE = 16 * 1024


#: an accepted line: the account's columns and its habilitations' columns
Accepted = tuple[dict[str, Any], list[dict[str, Any]]]


@dataclass
class Line:
    number: int
    values: dict[str, Any] | None
    error: str | None = None


def read_lines(text: str, jsonl: bool) -> Iterator[Line]:
    """Each input line as a dict (numbered as in the file), or its reading error."""
    if jsonl:
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                values = json.loads(raw) if len(raw) <= MAX_LINE else None
            except json.JSONDecodeError as error:
                yield Line(number, None, f"not JSON ({error.msg})")
                continue
            if not isinstance(values, dict):
                yield Line(number, None, "not a JSON object (or longer than 16 KiB)")
                continue
            yield Line(number, values)
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"username", "email"} - set(reader.fieldnames or [])
    if missing:
        yield Line(1, None, f"header: missing column(s) {', '.join(sorted(missing))}")
        return
    try:
        for row in reader:
            if None in row:
                yield Line(reader.line_num, None, "more fields than the header names")
                continue
            yield Line(reader.line_num, row)
    except csv.Error as error:  # a field over the size limit, a broken quote
        yield Line(
            reader.line_num, None, f"unreadable CSV ({error}); the lines after it were not read"
        )


class Catalogue:
    """Profile codes, FINESS numbers and unit names as ids, read once per import."""

    def __init__(self, session: Session) -> None:
        self.profiles = dict(session.execute(select(Profile.code, Profile.id)).all())
        self.places = dict(session.execute(select(Establishment.finess, Establishment.id)).all())
        self.units = {
            (place, name): unit
            for unit, place, name in session.execute(
                select(Unit.id, Unit.establishment_id, Unit.name)
            ).all()
        }

    def resolve(self, text: str) -> dict[str, Any]:
        spec = habilitation_specs.parse(text)
        profile = self.profiles.get(spec.profile)
        place = self.places.get(spec.finess)
        if profile is None:
            raise habilitation_specs.HabilitationSpecError(f"{text}: no profile {spec.profile}")
        if place is None:
            raise habilitation_specs.HabilitationSpecError(f"{text}: no FINESS {spec.finess}")
        unit = self.units.get((place, spec.unit)) if spec.unit else None
        if spec.unit and unit is None:
            raise habilitation_specs.HabilitationSpecError(f"{text}: no unit {spec.unit!r}")
        return {
            "profile_id": profile,
            "establishment_id": place,
            "unit_id": unit,
            "valid_from": spec.valid_from or utcnow().date(),
            "valid_to": spec.valid_to,
        }


class AccountImport:
    def __init__(
        self,
        session: Session,
        actor: str,
        recognise_hash: Callable[[str], str | None],
        source: str = "",
    ) -> None:
        self._session = session
        self._actor = actor
        self._recognise = recognise_hash
        self._source = source
        self._catalogue = Catalogue(session)
        self._present = set(session.scalars(select(User.username_key)))
        self._in_file: dict[str, int] = {}
        self.report = ImportReport()
        self.without_password = 0

    def run(
        self,
        lines: Iterator[Line],
        dry_run: bool = False,
        progress: Callable[[int], None] = lambda n: None,
    ) -> ImportReport:
        """Check and write every line; commits each batch unless ``dry_run``."""
        batch: list[Accepted] = []
        for line in lines:
            accepted = self._check(line)
            if accepted is not None:
                batch.append(accepted)
            if len(batch) >= BATCH:
                self._write(batch, dry_run)
                batch = []
            progress(line.number)
        self._write(batch, dry_run)
        self.report.applied = not dry_run
        return self.report

    def _check(self, line: Line) -> Accepted | None:
        if line.values is None:
            self._refuse(line.number, line.error or "unreadable")
            return None
        values = line.values
        unknown = set(values) - COLUMNS
        if unknown:
            self._refuse(line.number, f"unknown column(s) {', '.join(sorted(unknown))}")
            return None
        try:
            username = _text(values, "username", 150)
            email = _text(values, "email", 254)
            if not USERNAME_PATTERN.match(username):
                raise ValueError("username: 2-150 letters, digits or . _ @ -")
            if not EMAIL_PATTERN.match(email):
                raise ValueError(f"email: {email[:60]!r} is not an email address")
            key = username_key(username)
            if key in self._in_file:
                raise ValueError(f"username {username!r} already on line {self._in_file[key]}")
            self._in_file[key] = line.number
            if key in self._present:
                self.report.unchanged.append(username)  # imported before (a resumed run)
                return None
            grants = [self._catalogue.resolve(s) for s in _specs(values.get("habilitations"))]
            stored = _text(values, "password_hash", 255)
            account = {
                "subject": str(uuid.uuid4()),
                "username": username,
                "username_key": key,
                "email": email,
                "email_verified": _flag(values, "email_verified"),
                "otp_required": _flag(values, "otp_required"),
                "given_name": _text(values, "given_name", 150),
                "family_name": _text(values, "family_name", 150),
                "phone": _text(values, "phone", 40),
                "profession": _text(values, "profession", 100),
                "password_hash": stored if stored and self._recognise(stored) else None,
                "created_by": self._actor,
            }
        except (ValueError, habilitation_specs.HabilitationSpecError) as error:
            self._refuse(line.number, str(error))
            return None
        if account["password_hash"] is None:
            self.without_password += 1
        self.report.created.append(username)
        return account, grants

    def _refuse(self, number: int, reason: str) -> None:
        self.report.refused.append(Refusal(number, reason))

    def _write(
        self, batch: list[tuple[dict[str, Any], list[dict[str, Any]]]], dry_run: bool
    ) -> None:
        if not batch or dry_run:
            return
        now = utcnow()
        accounts = [{**account, "created_at": now, "updated_at": now} for account, _ in batch]
        ids = dict(
            self._session.execute(
                insert(User).returning(User.username_key, User.id, sort_by_parameter_order=True),
                accounts,
            ).all()
        )
        grants, events = [], []
        for account, wanted in batch:
            user_id = ids[account["username_key"]]
            grants += [
                {
                    **grant,
                    "user_id": user_id,
                    "receives_mails": False,
                    "created_by": self._actor,
                    "created_at": now,
                }
                for grant in wanted
            ]
            events.append(
                {
                    "at": now,
                    "actor": self._actor,
                    "action": "user.created",
                    "target": f"user:{account['subject']}",
                    "details": {
                        "description": "Création du compte (import)",
                        "username": account["username"],
                        "source": self._source,
                        "habilitations": len(wanted),
                    },
                }
            )
        if grants:
            self._session.execute(insert(Habilitation), grants)
        self._session.execute(insert(AuditEvent), events)
        self._session.commit()


def _text(values: dict[str, Any], name: str, limit: int) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name}: text expected")
    value = value.strip()
    if len(value) > limit or "\x00" in value:
        raise ValueError(f"{name}: at most {limit} characters, no NUL")
    return value


def _flag(values: dict[str, Any], name: str) -> bool:
    value = values.get(name)
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{name}: true or false, not {text[:20]!r}")


def _specs(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [s.strip() for s in value.split("|") if s.strip()]
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return value
    raise ValueError("habilitations: specs separated by | (CSV) or a list of strings (JSON)")
