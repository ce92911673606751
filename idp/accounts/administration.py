"""What referents and support may do to accounts and habilitations — enforced here.

A referent *sees* the accounts holding a current or future habilitation at an establishment
where they are a current referent. A referent *acts* on an account (email, national identifier,
state, habilitations) only when every habilitation of that account that has not ended (current
or starting later) lies inside their own establishments, and never on support accounts or
other referents (today's or later ones): an account with wider rights than the referent's own
is support's to change (accounts left without any current habilitation too). Who created an
account gives no right over it.

An account outside what the actor sees answers as a missing one (no enumeration); a refusal
on an account the actor sees is a PermissionDeniedError with its reason (a 403). Both are
audited. Every change is audited with the descriptions of ViaTrajectoire's "Historique des
modifications". A new address waits for its owner's confirmation before it receives codes,
and the former address is told; a national identifier typed by a referent is not a
credential until its owner confirms it by their own login (see ``accounts.national_ids``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from idp import clock
from idp.accounts import audit, eligibility, habilitations, national_ids, users
from idp.accounts.directory import (
    establishment_by_finess,
    get_establishment,
    get_profile,
    list_establishments,
    list_profiles,
    profile_by_code,
    units_of,
)
from idp.accounts.users import PasswordHasher
from idp.errors import IdpError, NotFoundError
from idp.storage.models import AuditEvent, Establishment, Habilitation, Profile, Unit, User

EDITABLE = (
    "email",
    "given_name",
    "family_name",
    "phone",
    "fax",
    "mobile",
    "profession",
    "otp_required",
)


#: how the audit trail names the command line (``idp …``)
OPERATOR = "operator"


class PermissionDeniedError(IdpError):
    """``reason``: not_referent, not_referent_here, not_referent_of_account, not_support,
    target_is_support, target_is_referent, own_account"""

    code = "forbidden"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Actor:
    """A person (referent or support), a provisioning client acting as support, or the
    operator at the command line (``idp users …``), who has support's rights."""

    user: User | None
    referent_of: set[int] = field(default_factory=set)
    client_id: str | None = None
    operator: bool = False

    @property
    def is_support(self) -> bool:
        return (
            self.operator or self.client_id is not None or bool(self.user and self.user.is_support)
        )

    @property
    def username(self) -> str:
        if self.operator:
            return OPERATOR
        return self.user.username if self.user else f"client:{self.client_id}"

    @property
    def name(self) -> str:
        """How the history names who acted: "Given Family (username)", or the client."""
        if self.operator:
            return OPERATOR
        if self.user is None:
            return f"client {self.client_id}"
        full = f"{self.user.given_name} {self.user.family_name}".strip()
        return f"{full} ({self.user.username})" if full else self.user.username

    @property
    def may_administer(self) -> bool:
        return self.is_support or bool(self.referent_of)


@dataclass
class NewHabilitation:
    profile_id: int
    establishment_id: int
    unit_id: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    receives_mails: bool = False


class Administration:
    def __init__(
        self,
        db_session: Callable[[], Session],
        passwords: PasswordHasher,
        end_access: Callable[[User], None],
        send_welcome: Callable[[User], None],
        change_email: Callable[[User, str, str], None],
        notify: Callable[[User, str, str], None],
    ) -> None:
        self._db_session = db_session
        self._passwords = passwords
        self._end_access = end_access
        self._send_welcome = send_welcome
        self._change_email = change_email
        self._notify = notify

    # --- who -------------------------------------------------------------------------
    def actor(self, user: User) -> Actor:
        return Actor(user, habilitations.referent_establishments(self._db_session(), user))

    def client_actor(self, client_id: str) -> Actor:
        """A provisioning system holding the admin scope acts with support rights."""
        return Actor(None, client_id=client_id)

    @staticmethod
    def operator_actor() -> Actor:
        return Actor(None, operator=True)

    def can_view(self, actor: Actor, user: User) -> bool:
        if actor.is_support:
            return True
        rows = habilitations.of_user(self._db_session(), user)
        return bool(self._places(rows) & actor.referent_of)

    def refusal(self, actor: Actor, user: User) -> str | None:
        """Why ``actor`` may not act on ``user``, or None if they may."""
        if actor.is_support:
            return None
        if user.is_support:
            return "target_is_support"
        rows = habilitations.of_user(self._db_session(), user)
        today = habilitations.today()
        if any(h.profile.is_referent and h.is_pending_or_valid(today) for h in rows):
            return "target_is_referent"  # a référent today or from a later date
        places = self._places(rows)
        if not places or not places <= actor.referent_of:
            return "not_referent_of_account"
        return None

    def can_manage(self, actor: Actor, user: User) -> bool:
        return self.refusal(actor, user) is None

    def require_manage(self, actor: Actor, user: User) -> None:
        reason = self.refusal(actor, user)
        if reason is not None:
            self._refuse(actor, user, reason)

    def require_place(self, actor: Actor, establishment_id: int, user: User | None = None) -> None:
        if not actor.is_support and establishment_id not in actor.referent_of:
            self._refuse(actor, user, "not_referent_here")

    def _refuse(self, actor: Actor, user: User | None, reason: str) -> None:
        """Audit the refusal (in its own transaction: nothing else was written), then raise."""
        session = self._db_session()
        session.rollback()
        target = f"user:{user.subject}" if user is not None else "admin"
        audit.record(session, actor.name, "admin.refused", target, reason=reason)
        session.commit()
        raise PermissionDeniedError(reason)

    def _places(self, rows: list[Habilitation]) -> set[int]:
        """Where the account belongs: the establishments of its habilitations that have not
        ended, current and future alike (one that starts next month at another establishment
        already makes the account that establishment's too, or a référent here alone would
        hold it there on the start date); for an account left with none, those of the
        habilitations that ended last (so the referent who ended them can still see the
        account and give one again). Older habilitations give no right."""
        today = habilitations.today()
        current = {h.establishment_id for h in rows if h.is_pending_or_valid(today)}
        if current or not rows:
            return current

        def ended(h: Habilitation) -> date:
            return h.ended_at.date() if h.ended_at else min(h.valid_to or today, today)

        last = max(ended(h) for h in rows)
        return {h.establishment_id for h in rows if ended(h) == last}

    def _visible(self, actor: Actor, user: User | None, missing: str = "no such account") -> User:
        """The account if the actor sees it; otherwise the same answer as a missing one
        (``missing``: what that answer says)."""
        if user is None:
            raise NotFoundError(missing)
        if not self.can_view(actor, user):
            session = self._db_session()
            audit.record(
                session, actor.name, "admin.refused", f"user:{user.subject}", reason="not_visible"
            )
            session.commit()
            raise NotFoundError(missing)
        return user

    # --- reading ---------------------------------------------------------------------
    def search(
        self, actor: Actor, text: str = "", page: int = 1, per_page: int = 20
    ) -> tuple[list[User], int]:
        if not actor.may_administer:
            raise PermissionDeniedError("not_referent")
        query = self._db_session().query(User)
        if not actor.is_support:
            today = habilitations.today()
            visible = (
                self._db_session()
                .query(Habilitation.user_id)
                .filter(
                    Habilitation.establishment_id.in_(actor.referent_of),
                    Habilitation.ended_at.is_(None),
                    or_(Habilitation.valid_to.is_(None), Habilitation.valid_to >= today),
                )
            )
            query = query.filter(User.id.in_(visible))
        if text:
            like = f"%{text.strip()[:100]}%"
            query = query.filter(
                or_(
                    User.username.ilike(like),
                    User.family_name.ilike(like),
                    User.given_name.ilike(like),
                    User.email.ilike(like),
                )
            )
        total = query.count()
        page = max(1, page)
        rows = (
            query.order_by(User.family_name, User.given_name, User.username)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .all()
        )
        return rows, total

    def account(self, actor: Actor, user_id: int) -> User:
        if not actor.may_administer:
            raise PermissionDeniedError("not_referent")
        return self._visible(actor, self._db_session().get(User, user_id))

    def history(self, actor: Actor, user: User) -> list[AuditEvent]:
        self._visible(actor, user)
        return audit.history(self._db_session(), f"user:{user.subject}")

    def actor_for_subject(self, subject: str) -> Actor | None:
        """The acting person of an access token, if the account may still use tokens."""
        user = users.get_by_subject(self._db_session(), subject)
        if user is None or not eligibility.may_sign_in(self._db_session(), user):
            return None
        return self.actor(user)

    def account_by_username(self, actor: Actor, username: str) -> User:
        if not actor.may_administer:
            raise PermissionDeniedError("not_referent")
        return self._visible(actor, users.get_by_username(self._db_session(), username[:150]))

    def habilitations_of(self, actor: Actor, user: User) -> list[Habilitation]:
        self._visible(actor, user)
        return habilitations.of_user(self._db_session(), user)

    def understaffed(self, actor: Actor) -> list[tuple[Establishment, int]]:
        """What support is warned about; nothing for referents."""
        return understaffed(self._db_session()) if actor.is_support else []

    def choices(self, actor: Actor) -> tuple[list[Profile], list[Establishment], list[Unit]]:
        """The profiles, places and units this actor may give habilitations with."""
        session = self._db_session()
        profiles = [p for p in list_profiles(session) if actor.is_support or not p.is_referent]
        places = [
            e for e in list_establishments(session) if actor.is_support or e.id in actor.referent_of
        ]
        return profiles, places, [u for e in places for u in units_of(session, e)]

    def habilitation_from_codes(
        self, profile: str, finess: str, unit: str | None
    ) -> tuple[int, int, int | None]:
        """Ids for the stable identifiers other systems use (profile code, FINESS, unit name)."""
        session = self._db_session()
        found_profile = profile_by_code(session, profile)
        place = establishment_by_finess(session, finess)
        unit_id = None
        if unit:
            match = next((u for u in units_of(session, place) if u.name == unit), None)
            if match is None:
                raise NotFoundError("no such unit")
            unit_id = match.id
        return found_profile.id, place.id, unit_id

    # --- changing accounts -------------------------------------------------------------
    def create_account(
        self, actor: Actor, fields: dict[str, Any], first: NewHabilitation, send_mail: bool
    ) -> User:
        """A new account with its first habilitation; no password travels by mail."""
        self.require_place(actor, first.establishment_id)
        session = self._db_session()
        try:
            user = users.create_user(
                session,
                self._passwords,
                username=fields["username"],
                email=fields["email"],
                password=None,
                given_name=fields.get("given_name", ""),
                family_name=fields["family_name"],
                actor=actor.name,
            )
            for name in ("phone", "fax", "mobile", "profession", "otp_required"):
                if name in fields:
                    setattr(user, name, fields[name])
            user.created_by = actor.username
            self._add_habilitation(actor, user, first)
            session.commit()
        except Exception:
            session.rollback()
            raise
        if send_mail:
            self._send_welcome(user)
        return user

    def update_account(self, actor: Actor, user: User, fields: dict[str, Any]) -> list[str]:
        """Change personal information; the username never changes. Returns what changed."""
        self.require_manage(actor, user)
        self._set_national_id(actor, user, fields.get("national_id"))
        changed = [
            name for name in EDITABLE if name in fields and getattr(user, name) != fields[name]
        ]
        if "email" in changed and not users.EMAIL_PATTERN.match(fields["email"] or ""):
            raise users.InvalidUserError("email", "not an email address")
        for name in changed:
            if name != "email":  # the address changes once its owner confirms it
                setattr(user, name, fields[name])
        if changed:
            self._audit(actor, user, "user.updated", "MAJ de l'utilisateur", fields=changed)
            self._db_session().commit()
            if "email" in changed:
                self._change_email(user, fields["email"], actor.name)
        return changed

    def _set_national_id(self, actor: Actor, user: User, value: str | None) -> None:
        """The PSC national identifier: free text, unique (AlreadyLinkedError otherwise).

        Typed by a referent it waits for its owner's own PSC login (``rattachement``); typed
        or saved again by support it is approved. The account's address is told either way.
        """
        wanted = (value or "").strip()[:100] or None
        if value is None:
            return
        if wanted == user.national_id:
            if wanted and actor.is_support and not user.national_id_verified:
                national_ids.approve(self._db_session(), user, actor.name)
                self._db_session().commit()
            return
        if wanted:
            national_ids.link(
                self._db_session(), user, wanted, actor.name, verified=actor.is_support
            )
        else:
            national_ids.unlink(self._db_session(), user, actor.name)
        user.psc_profile = None  # what PSC said belonged to the previous identifier
        self._db_session().commit()
        self._notify(
            user,
            "identifiant national modifié",
            f"{actor.name} a modifié l'identifiant national (carte CPS / e-CPS) rattaché à "
            "votre compte ViaTrajectoire.",
        )

    def set_blocked(self, actor: Actor, user: User, blocked: bool) -> None:
        self.require_manage(actor, user)
        if blocked:
            user.blocked_until = datetime(9999, 12, 31, tzinfo=UTC)
            self._audit(actor, user, "user.blocked", "Blocage du compte")
        else:  # a référent's block and a lockout after wrong passwords alike
            user.blocked_until = None
            user.locked_out_until = None
            self._audit(actor, user, "user.unblocked", "Déblocage du compte")
        self._db_session().commit()
        if blocked:
            self._end_access(user)

    def set_active(self, actor: Actor, user: User, active: bool) -> None:
        self.require_manage(actor, user)
        if actor.user is not None and user.id == actor.user.id and not active:
            raise PermissionDeniedError("own_account")
        user.is_active = active
        self._audit(
            actor,
            user,
            "user.deactivated" if not active else "user.reactivated",
            "Désactivation du compte" if not active else "Réactivation du compte",
        )
        self._db_session().commit()
        if not active:
            self._end_access(user)

    # --- habilitations -------------------------------------------------------------------
    def add_habilitation(self, actor: Actor, user: User, new: NewHabilitation) -> Habilitation:
        self.require_manage(actor, user)
        habilitation = self._add_habilitation(actor, user, new)
        self._db_session().commit()
        return habilitation

    def add_habilitations(
        self, actor: Actor, user: User, news: list[NewHabilitation]
    ) -> list[Habilitation]:
        """Several at once, with whatever the session already holds (a new account): all
        committed together, or none."""
        session = self._db_session()
        try:
            self.require_manage(actor, user)
            added = [self._add_habilitation(actor, user, new) for new in news]
            session.commit()
        except Exception:
            session.rollback()
            raise
        return added

    def set_support(self, actor: Actor, user: User, value: bool) -> bool:
        """Make or unmake a support account (regional or national administrator); support
        and the operator only. False when nothing changed."""
        if not actor.is_support:
            self._refuse(actor, user, "not_support")
        if actor.user is not None and user.id == actor.user.id:
            raise PermissionDeniedError("own_account")
        if user.is_support == value:
            return False
        user.is_support = value
        self._audit(
            actor,
            user,
            "user.support_granted" if value else "user.support_dropped",
            "Attribution du rôle support" if value else "Retrait du rôle support",
        )
        self._db_session().commit()
        return True

    def end_habilitation(self, actor: Actor, habilitation_id: int) -> None:
        session = self._db_session()
        habilitation, owner = self._habilitation(session, habilitation_id)
        self._visible(actor, owner, "no such habilitation")  # as a missing one, not a 403
        if habilitation.profile.is_referent and not actor.is_support:
            self._refuse(actor, owner, "not_support")
        self.require_place(actor, habilitation.establishment_id, owner)
        self.require_manage(actor, owner)
        if habilitation.ended_at is None:
            habilitation.ended_at = clock.utcnow()
            habilitation.ended_by = actor.username
            self._audit(
                actor,
                owner,
                "habilitation.ended",
                f"Suppression de l'habilitation {habilitation.profile.label} "
                f"({habilitation.establishment.name})",
            )
            session.commit()
            if habilitations.has_ended_all(session, owner):
                self._end_access(owner)  # no valid habilitation left: sessions and tokens end now

    @staticmethod
    def _habilitation(session: Session, habilitation_id: int) -> tuple[Habilitation, User]:
        """A habilitation and its account, or NotFoundError."""
        habilitation = session.get(Habilitation, habilitation_id)
        owner = session.get(User, habilitation.user_id) if habilitation is not None else None
        if habilitation is None or owner is None:
            raise NotFoundError("no such habilitation")
        return habilitation, owner

    def set_receives_mails(self, actor: Actor, habilitation_id: int, value: bool) -> None:
        session = self._db_session()
        habilitation, owner = self._habilitation(session, habilitation_id)
        self._visible(actor, owner, "no such habilitation")
        self.require_place(actor, habilitation.establishment_id, owner)
        self.require_manage(actor, owner)
        habilitation.receives_mails = value
        self._audit(
            actor,
            owner,
            "habilitation.mails",
            "MAJ de l'utilisateur, réception des notifications.",
        )
        session.commit()

    def _add_habilitation(self, actor: Actor, user: User, new: NewHabilitation) -> Habilitation:
        session = self._db_session()
        self.require_place(actor, new.establishment_id, user)
        profile = get_profile(session, new.profile_id)
        establishment = get_establishment(session, new.establishment_id)
        if profile.is_referent and not actor.is_support:
            self._refuse(actor, user, "not_support")  # only support names referents
        unit = self._unit(new.unit_id, establishment)
        start = new.valid_from or habilitations.today()
        if new.valid_to is not None and new.valid_to < start:
            raise ValueError("valid_to before valid_from")
        habilitation = Habilitation(
            user_id=user.id,
            profile_id=profile.id,
            establishment_id=establishment.id,
            unit_id=unit.id if unit else None,
            valid_from=start,
            valid_to=new.valid_to,
            receives_mails=new.receives_mails,
            created_by=actor.username,
        )
        session.add(habilitation)
        session.flush()
        description = f"Ajout de l'habilitation {profile.label} ({establishment.name})"
        if not user.is_active:
            user.is_active = True
            description = "MAJ de l'utilisateur, Réactivation du compte par ajout d'habilitation."
        self._audit(actor, user, "habilitation.added", description)
        return habilitation

    def _unit(self, unit_id: int | None, establishment: Establishment) -> Unit | None:
        if unit_id is None:
            return None
        unit = self._db_session().get(Unit, unit_id)
        if unit is None or unit.establishment_id != establishment.id:
            raise NotFoundError("no such unit")
        return unit

    def _audit(
        self, actor: Actor, user: User, action: str, description: str, **details: Any
    ) -> None:
        audit.record(
            self._db_session(),
            actor.name,
            action,
            f"user:{user.subject}",
            description=description,
            **details,
        )


def understaffed(session: Session) -> list[tuple[Establishment, int]]:
    """Establishments with fewer than two referents (support is warned)."""
    result = []
    for establishment in session.query(Establishment).order_by(Establishment.name):
        count = len(habilitations.referents_of(session, establishment))
        if count < 2:
            result.append((establishment, count))
    return result
