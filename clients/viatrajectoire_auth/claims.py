"""Typed views of ViaTrajectoire's claims, built from a verified token (or userinfo).

The shapes follow the provider's README ("Claims"): ``habilitations`` is a list of objects
with ``profile``, ``profile_label``, ``module``, ``rights``, ``establishment`` (``finess``,
``name``), ``unit`` and ``valid_from``/``valid_to`` (ISO dates, ``valid_to`` null when open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from viatrajectoire_auth.errors import InvalidTokenError


@dataclass(frozen=True)
class Establishment:
    finess: str
    name: str


@dataclass(frozen=True)
class Habilitation:
    """One profile a person holds in one establishment (and maybe one unit)."""

    profile: str
    profile_label: str
    module: str
    rights: tuple[str, ...]
    establishment: Establishment
    unit: str | None
    valid_from: date
    valid_to: date | None

    def is_valid(self, on: date | None = None) -> bool:
        """Tokens list only valid habilitations, but a token lives minutes: check on the day."""
        day = on or date.today()
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def matches(
        self,
        module: str | None = None,
        profile: str | None = None,
        establishment: str | None = None,
        right: str | None = None,
    ) -> bool:
        return (
            (module is None or self.module == module)
            and (profile is None or self.profile == profile)
            and (establishment is None or self.establishment.finess == establishment)
            and (right is None or right in self.rights)
        )

    @classmethod
    def from_claim(cls, value: Mapping[str, Any]) -> Habilitation:
        establishment = value.get("establishment") or {}
        valid_to = value.get("valid_to")
        return cls(
            profile=str(value["profile"]),
            profile_label=str(value.get("profile_label", "")),
            module=str(value["module"]),
            rights=tuple(str(right) for right in value.get("rights") or ()),
            establishment=Establishment(
                finess=str(establishment["finess"]), name=str(establishment.get("name", ""))
            ),
            unit=value.get("unit"),
            valid_from=date.fromisoformat(value["valid_from"]),
            valid_to=date.fromisoformat(valid_to) if valid_to else None,
        )


@dataclass(frozen=True)
class Identity:
    """Who is calling, and how they signed in. ``claims`` keeps everything the token said."""

    subject: str
    client_id: str | None
    scopes: frozenset[str]
    acr: str | None
    amr: tuple[str, ...]
    auth_time: int | None
    sid: str | None
    profession: str | None
    national_id: str | None
    habilitations: tuple[Habilitation, ...]
    expires_at: int | None
    claims: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def is_service(self) -> bool:
        """A ``client_credentials`` token: a module calling for itself, no person behind it."""
        return self.subject == self.client_id and self.acr is None

    def habilitations_for(
        self,
        module: str | None = None,
        profile: str | None = None,
        establishment: str | None = None,
        right: str | None = None,
        on: date | None = None,
    ) -> list[Habilitation]:
        return [
            h
            for h in self.habilitations
            if h.is_valid(on) and h.matches(module, profile, establishment, right)
        ]

    def has_habilitation(self, **criteria: Any) -> bool:
        return bool(self.habilitations_for(**criteria))

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Identity:
        """Raises InvalidTokenError when a claim does not have its documented shape."""
        try:
            psc = claims.get("psc") or {}
            return cls(
                subject=str(claims["sub"]),
                client_id=claims.get("client_id") or claims.get("azp"),
                scopes=frozenset(str(claims.get("scope") or "").split()),
                acr=claims.get("acr"),
                amr=tuple(claims.get("amr") or ()),
                auth_time=claims.get("auth_time"),
                sid=claims.get("sid"),
                profession=claims.get("profession"),
                national_id=claims.get("national_id") or psc.get("national_id"),
                habilitations=tuple(
                    Habilitation.from_claim(value) for value in claims.get("habilitations") or ()
                ),
                expires_at=claims.get("exp"),
                claims=dict(claims),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InvalidTokenError(
                "the token's claims do not have their documented shape"
            ) from error
