"""Access tokens (JWT, RFC 9068), refresh tokens (opaque, rotated, in families), revocation.

An access token's ``jti`` is ``<family>.<random>`` for tokens issued to a person, so revoking
a family (refresh reuse, replayed code, RFC 7009 revocation) also revokes every access token
of that grant: introspection and userinfo consult ``idp:revoked-family:<family>`` and
``idp:revoked-jti:<jti>`` in the ephemeral store until the tokens would have expired anyway.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import bindparam, insert, select, update

from idp import clock
from idp.accounts import users
from idp.accounts.users import TokenHolder
from idp.oidc.claims import habilitation_claims
from idp.oidc.context import ProviderContext
from idp.oidc.principal import Principal
from idp.storage import keys
from idp.storage.models import Habilitation, RefreshToken, User

ACCESS_TOKEN_TYP = "at+jwt"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and len(token) < 8192


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens signed by the active key of ``signing_alg`` (ES256 signs about ten
    times faster than RS256), ``kid`` set, lifetimes from settings."""

    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__(
            issuer=ctx.issuer,
            alg=ctx.settings.signing_alg,
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: ctx.settings.access_token_ttl,
        )
        self.ctx = ctx

    def get_jwks(self) -> Any:
        """The active key, handed to joserfc as a resolver that also names it in the header
        (``kid``): picking it out of a key set cost more than the ES256 signature's encoding."""
        key = self.ctx.keyring.signing_key(self.alg)

        def active_key(signature: Any) -> Any:
            signature.set_kid(str(key.kid))
            return key

        return active_key

    def get_jti(self, client: Any, grant_type: str, user: Any, scope: str) -> str:
        random = secrets.token_urlsafe(16)
        return f"{user.family_id}.{random}" if isinstance(user, Principal) else random

    def get_auth_time(self, user: Any) -> int | None:
        return user.auth_time if isinstance(user, Principal) else None

    def get_acr(self, user: Any) -> str | None:
        return user.acr if isinstance(user, Principal) else None

    def get_amr(self, user: Any) -> list[str] | None:
        return user.amr if isinstance(user, Principal) else None

    def get_extra_claims(self, client: Any, grant_type: str, user: Any, scope: str) -> dict:
        """Also ``iat`` and ``exp`` again, on the shared clock (Authlib reads this machine's)."""
        now = clock.seconds()
        extra: dict[str, Any] = {"iat": now, "exp": now + self._get_expires_in(client, grant_type)}
        if not isinstance(user, Principal):
            return extra
        if user.sid:
            extra["sid"] = user.sid
        scopes = (scope or "").split()
        if "profile" in scopes:  # what modules decide on; names and email stay in userinfo
            extra["profession"] = user.user.profession
            if user.user.national_id:
                extra["national_id"] = user.user.national_id
        if "habilitations" in scopes:
            extra["habilitations"] = habilitation_claims(user.user, self.ctx.db_session())
        return extra


class AccessToken(dict, TokenMixin):
    """The verified claims of one of our access tokens."""

    def __init__(self, claims: dict[str, Any], revoked: bool) -> None:
        super().__init__(claims)
        self.revoked = revoked

    def check_client(self, client: Any) -> bool:
        return self.get("client_id") == client.get_client_id()

    def get_scope(self) -> str:
        return self.get("scope", "")

    @property
    def scope(self) -> str:
        return self.get_scope()

    def get_expires_in(self) -> int:
        return int(self["exp"] - self["iat"])

    def is_expired(self) -> bool:
        return self["exp"] <= clock.now()

    def is_revoked(self) -> bool:
        return self.revoked

    def family_id(self) -> str | None:
        jti = self.get("jti", "")
        return jti.split(".", 1)[0] if "." in jti else None


def decode_access_token(ctx: ProviderContext, token: str) -> AccessToken | None:
    """Verify signature, ``typ``, ``iss`` and required claims; None for anything not ours.
    A token verified before is not verified again; its revocation state always is read."""
    if not looks_like_jwt(token):
        return None
    known = ctx.verified_tokens.get(token)
    if known is None:
        known = _verify_access_token(ctx, token)
        if known is None:
            return None
        ctx.verified_tokens.put(token, *known)
    kid, claims = known
    kid_revoked, revoked = revocation_state(ctx, kid, claims)
    if kid_revoked:
        return None  # a revoked key: refused at once on every instance, before caches expire
    return AccessToken(claims, revoked=revoked)


def _verify_access_token(ctx: ProviderContext, token: str) -> tuple[str, dict[str, Any]] | None:
    try:
        decoded = jwt.decode(
            token, ctx.keyring.public_keyset(), algorithms=ctx.keyring.algorithms()
        )
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    claims = decoded.claims
    typ = str(decoded.header.get("typ", "")).lower()
    if typ not in (ACCESS_TOKEN_TYP, "application/at+jwt") or claims.get("iss") != ctx.issuer:
        return None
    required = ("exp", "iat", "jti", "client_id", "sub")
    if any(name not in claims for name in required) or not isinstance(claims["exp"], int):
        return None
    return str(decoded.header.get("kid")), claims


def revocation_state(ctx: ProviderContext, kid: str, claims: dict[str, Any]) -> tuple[bool, bool]:
    """(key revoked, token revoked), read in one round trip to the store: the token's key,
    its ``jti``, its grant (family) and the person's "everything before" cut-off."""
    jti = str(claims.get("jti", ""))
    family = jti.split(".", 1)[0] if "." in jti else ""
    sid = str(claims.get("sid") or "")
    kid_mark, jti_mark, family_mark, cutoff, sid_mark = ctx.store.get_many(
        [
            keys.revoked_key(kid),
            keys.revoked_token(jti),
            keys.revoked_family(family),
            keys.revoked_before(claims.get("sub")),
            keys.revoked_session(sid),
        ]
    )
    revoked = (
        jti_mark is not None
        or (bool(family) and family_mark is not None)
        or (cutoff is not None and int(claims.get("iat", 0)) <= cutoff["at"])
        or (bool(sid) and sid_mark is not None)
    )
    return kid_mark is not None, revoked


def revoke_user_grants(ctx: ProviderContext, user: Any) -> None:
    """End every grant of a person: refresh families, and access tokens issued until now."""
    ctx.store.put(
        keys.revoked_before(user.subject),
        {"at": clock.seconds()},
        ctx.settings.access_token_ttl + 60,
    )
    families = (
        ctx.db_session()
        .query(RefreshToken.family_id)
        .filter(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .distinct()
        .all()
    )
    for (family_id,) in families:
        revoke_family(ctx, family_id, reason="password changed or account closed")


def revoke_session_grants(ctx: ProviderContext, sids: list[str]) -> None:
    """A logout ends what was issued under its sessions: the refresh families (and so their
    access tokens), and access tokens of grants that had no refresh token (``sid`` claim)."""
    sids = [sid for sid in sids if sid]
    if not sids:
        return
    ttl = ctx.settings.access_token_ttl + 60
    for sid in sids:
        ctx.store.put(keys.revoked_session(sid), {"at": clock.seconds()}, ttl)
    families = (
        ctx.db_session()
        .query(RefreshToken.family_id)
        .filter(RefreshToken.sid.in_(sids), RefreshToken.revoked_at.is_(None))
        .distinct()
        .all()
    )
    for (family_id,) in families:
        revoke_family(ctx, family_id, reason="logout")


def is_family_revoked(ctx: ProviderContext, family_id: str) -> bool:
    """True once a grant was ended, even if its last refresh token was stored afterwards."""
    return ctx.store.get(keys.revoked_family(family_id)) is not None


def revoke_access_token(ctx: ProviderContext, token: AccessToken) -> None:
    ttl = max(1, int(token["exp"] - clock.now()) + 1)
    ctx.store.put(keys.revoked_token(token["jti"]), {"at": clock.seconds()}, ttl)


def revoke_family(ctx: ProviderContext, family_id: str, reason: str) -> None:
    """End a grant: its refresh tokens in SQL, its access tokens through the store. Commits."""
    lifetime = max(ctx.settings.access_token_ttl, ctx.settings.refresh_token_ttl) + 60
    ctx.store.put(keys.revoked_family(family_id), {"reason": reason}, lifetime)
    session = ctx.db_session()
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.utcnow())
    )
    session.commit()


def family_end(ctx: ProviderContext, auth_time: int) -> int:
    """When a refresh grant ends for good: rotation renews a token, never the grant."""
    return int(auth_time) + ctx.settings.family_max_age()


def refresh_token_row(
    ctx: ProviderContext, token: dict[str, Any], client_id: str, principal: Principal
) -> dict[str, Any]:
    """The stored form of a token response's refresh token (hashed, never the token); it
    expires after ``refresh_token_ttl`` unused, and never after its family's end."""
    now = clock.utcnow()
    expires = min(
        now + timedelta(seconds=ctx.settings.refresh_token_ttl),
        datetime.fromtimestamp(family_end(ctx, principal.auth_time), UTC),
    )
    return {
        "token_hash": digest(token["refresh_token"]),
        "family_id": principal.family_id,
        "client_id": client_id,
        "user_id": principal.user.id,
        "scope": token.get("scope", ""),
        "auth_time": principal.auth_time,
        "acr": principal.acr,
        "amr": principal.amr,
        "sid": principal.sid,
        "issued_at": now,
        "expires_at": expires,
    }


def save_refresh_token(
    ctx: ProviderContext, token: dict[str, Any], client_id: str, principal: Principal
) -> None:
    """Store the refresh token of a token response; the request's unit of work commits."""
    ctx.db_session().add(RefreshToken(**refresh_token_row(ctx, token, client_id, principal)))


def rotate_refresh_token(ctx: ProviderContext, old: RefreshToken, new: dict[str, Any]) -> bool:
    """Mark ``old`` used and store ``new`` only if ``old`` was still unused: of two requests
    racing on one token only one wins. On PostgreSQL in one statement (a data-modifying CTE),
    elsewhere in two; the request's unit of work commits."""
    session = ctx.db_session()
    params = {"old_id": old.id, "used_at": new["issued_at"]}
    if session.get_bind().dialect.name != "postgresql":
        if session.execute(_claim_statement(), params).rowcount != 1:
            return False
        session.execute(insert(RefreshToken).values(**new))
        return True
    params.update({f"new_{name}": value for name, value in new.items()})
    return session.execute(_rotation_statement(), params).first() is not None


def find_refresh_grant(ctx: ProviderContext, token: str) -> tuple[RefreshToken, TokenHolder] | None:
    """A refresh token and its account (plain columns, habilitation state) in one query."""
    if not token or len(token) > 512:
        return None
    rows = ctx.db_session().execute(_grant_query(), {"token_hash": digest(token)}).all()
    holder = users.holder_from_rows(rows, offset=1)
    return (rows[0][0], holder) if holder is not None else None


# The refresh path's statements are built once, with bound parameters: building them per
# request (and SQLAlchemy computing their cache keys) cost a tenth of a refresh.
STORED_COLUMNS = (
    "token_hash",
    "family_id",
    "client_id",
    "user_id",
    "scope",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "issued_at",
    "expires_at",
)


# Core statements on the table (with the ORM entity, a parameter dictionary is taken for a
# bulk insert)
@functools.cache
def _claim_statement() -> Any:
    table = RefreshToken.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("old_id"), table.c.used_at.is_(None))
        .where(table.c.revoked_at.is_(None))
        .values(used_at=bindparam("used_at", type_=table.c.used_at.type))
    )


@functools.cache
def _rotation_statement() -> Any:
    table = RefreshToken.__table__
    claimed = _claim_statement().returning(table.c.id).cte("claimed")
    values = [bindparam(f"new_{name}", type_=table.c[name].type) for name in STORED_COLUMNS]
    return (
        insert(table)
        .from_select(list(STORED_COLUMNS), select(*values).select_from(claimed))
        .returning(table.c.id)
    )


@functools.cache
def _grant_query() -> Any:
    return (
        select(RefreshToken, *users.holder_columns())
        .join(User, User.id == RefreshToken.user_id)
        .outerjoin(Habilitation, Habilitation.user_id == User.id)
        .where(RefreshToken.token_hash == bindparam("token_hash"))
    )


def find_refresh_token(ctx: ProviderContext, token: str) -> RefreshToken | None:
    if not token or len(token) > 512:
        return None
    return ctx.db_session().query(RefreshToken).filter_by(token_hash=digest(token)).one_or_none()


def is_refresh_token_usable(record: RefreshToken, family_ends_at: int | None = None) -> bool:
    now = clock.utcnow()
    return (
        record.used_at is None
        and record.revoked_at is None
        and record.expires_at > now
        and (family_ends_at is None or family_ends_at > now.timestamp())
    )
