"""The end of grants and tokens: markers in the ephemeral store that every instance reads
with each access token (its key, ``jti``, family, session, and the person's "everything
before" instant), revoked refresh tokens in SQL, and the account's cut-off in SQL
(``users.signed_out_at``), which the code exchange, the refresh, userinfo and introspection
compare with what they are shown however long the markers live (docs/design.md, "Who may
hold what"). Markers live until the tokens they end would have expired anyway, plus the
clocks' leeway (``clock_skew``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from idp import clock
from idp.accounts import users
from idp.oidc.context import ProviderContext
from idp.storage import keys
from idp.storage.models import RefreshToken


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
            keys.revoked_before(str(claims.get("sub", ""))),
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
    """End every grant of a person: the account's durable cut-off, refresh families, and
    access tokens issued until now. A whole step (a password change, a closed account):
    commits."""
    users.end_sign_ins(ctx.db_session(), user)
    ctx.store.put(
        keys.revoked_before(user.subject),
        {"at": clock.seconds()},
        ctx.settings.access_token_ttl + ctx.settings.clock_skew,
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
    ctx.db_session().commit()


def revoke_session_grants(ctx: ProviderContext, sids: list[str]) -> None:
    """A logout ends what was issued under its sessions: the refresh families (and so their
    access tokens), and access tokens of grants that had no refresh token (``sid`` claim)."""
    sids = [sid for sid in sids if sid]
    if not sids:
        return
    # long enough for the access tokens of the sessions and any code they minted
    longest = max(ctx.settings.access_token_ttl, ctx.settings.authorization_code_ttl)
    ttl = longest + ctx.settings.clock_skew
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
    ctx.db_session().commit()


def is_session_ended(ctx: ProviderContext, sid: str | None) -> bool:
    """Whether a logout ended this SSO session lately (long enough for any code it minted)."""
    return bool(sid) and ctx.store.get(keys.revoked_session(str(sid))) is not None


def revoke_access_token(ctx: ProviderContext, token: dict[str, Any]) -> None:
    ttl = max(1, int(token["exp"] - clock.now()) + 1)
    ctx.store.put(keys.revoked_token(token["jti"]), {"at": clock.seconds()}, ttl)


def revoke_family(ctx: ProviderContext, family_id: str, reason: str) -> None:
    """End a grant: its refresh tokens in SQL, its access tokens through the store. The caller
    commits (before answering with an error, so that the end is kept)."""
    lifetime = max(ctx.settings.access_token_ttl, ctx.settings.refresh_token_ttl)
    lifetime += ctx.settings.clock_skew
    ctx.store.put(keys.revoked_family(family_id), {"reason": reason}, lifetime)
    ctx.db_session().execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.utcnow())
    )
