"""The assurance report a structure files for its homologation: what means its professionals
hold, how they signed in to each module these 30 days, and each module's minimum level.

Sign-ins are counted per day, module and level (``sign_in_counts``) when a code is issued to a
module: counts, never who. The report reads them with a few aggregate queries, whatever the
number of accounts; its chart is an SVG drawn here (no script, no external request).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from idp import clock
from idp.authn.context import ACR_LEVELS, ACR_PASSKEY, ACR_PSC, RIE_CATEGORY
from idp.storage.models import OAuthClient, Passkey, SignInCount, TotpCredential, User

DAYS = 30
#: the strongest means an account holds, from the weakest
MEANS = ("password", "email_code", "app", "passkey", "passkey_psc", "psc")
MEANS_LABELS = {
    "password": "mot de passe seul",
    "email_code": "code par courriel",
    "app": "application d'authentification",
    "passkey": "clé d'accès",
    "passkey_psc": "clé d'accès activée par e-CPS",
    "psc": "carte CPS / e-CPS (Pro Santé Connect)",
}
COLOURS = ("#b34000", "#c08c00", "#6a6af4", "#18753c", "#0063cb", "#000091")


def record_sign_in(session: Session, client_id: str, acr: str) -> None:
    """Count one sign-in to ``client_id`` at ``acr`` today (one statement, in the caller's
    unit of work)."""
    table = SignInCount.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(day=clock.today(), client_id=client_id[:100], acr=acr, count=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.day, table.c.client_id, table.c.acr],
            set_={"count": table.c.count + 1},
        )
    )


@dataclass
class ModuleLine:
    client_id: str
    name: str
    minimum_acr: str | None
    health_data: bool
    sign_ins: dict[str, int] = field(default_factory=dict)  # by acr


@dataclass
class AssuranceReport:
    day: str
    accounts: int
    means: dict[str, int]
    sign_ins_by_level: dict[str, int]
    modules: list[ModuleLine]
    daily: dict[str, dict[str, int]]  # day -> acr -> sign-ins
    health_data_sign_ins: int
    health_data_strong: int

    @property
    def health_data_strong_share(self) -> float | None:
        """Of the health-data modules' sign-ins, the share at a phishing-resistant or ANS
        level (a passkey's, or Pro Santé Connect's)."""
        if not self.health_data_sign_ins:
            return None
        return self.health_data_strong / self.health_data_sign_ins

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["health_data_strong_share"] = self.health_data_strong_share
        data["categories"] = {acr: RIE_CATEGORY[acr] for acr in ACR_LEVELS}
        return data


def strong(acr: str) -> bool:
    return ACR_LEVELS.get(acr, 0) >= ACR_LEVELS[ACR_PASSKEY]


def report(session: Session, today: date | None = None) -> AssuranceReport:
    today = today or clock.today()
    since = today - timedelta(days=DAYS - 1)
    means = _means(session)
    rows = session.execute(
        select(SignInCount.day, SignInCount.client_id, SignInCount.acr, SignInCount.count).where(
            SignInCount.day >= since, SignInCount.day <= today
        )
    ).all()
    clients = {c.client_id: c for c in session.query(OAuthClient).order_by(OAuthClient.client_id)}
    modules = {
        cid: ModuleLine(cid, c.client_name or cid, c.minimum_acr, bool(c.health_data))
        for cid, c in clients.items()
    }
    by_level: dict[str, int] = {}
    daily: dict[str, dict[str, int]] = {
        (since + timedelta(days=n)).isoformat(): {} for n in range(DAYS)
    }
    health, health_strong = 0, 0
    for day, client_id, acr, count in rows:
        by_level[acr] = by_level.get(acr, 0) + count
        daily[day.isoformat()][acr] = daily[day.isoformat()].get(acr, 0) + count
        module = modules.setdefault(client_id, ModuleLine(client_id, client_id, None, False))
        module.sign_ins[acr] = module.sign_ins.get(acr, 0) + count
        if module.health_data:
            health += count
            health_strong += count if strong(acr) else 0
    return AssuranceReport(
        day=today.isoformat(),
        accounts=sum(means.values()),
        means=means,
        sign_ins_by_level=by_level,
        modules=list(modules.values()),
        daily=daily,
        health_data_sign_ins=health,
        health_data_strong=health_strong,
    )


def _means(session: Session) -> dict[str, int]:
    """Accounts by the strongest means each holds (active accounts only)."""
    active = {uid for (uid,) in session.execute(select(User.id).where(User.is_active))}
    linked = {
        uid
        for (uid,) in session.execute(
            select(User.id).where(User.is_active, User.national_id_verified)
        )
    }
    keys = session.execute(select(Passkey.user_id, Passkey.activated_with)).all()
    passkey_psc = {uid for uid, how in keys if how == ACR_PSC}
    passkey = {uid for uid, _ in keys}
    apps = {uid for (uid,) in session.execute(select(TotpCredential.user_id))}
    emails = {
        uid
        for (uid,) in session.execute(select(User.id).where(User.is_active, User.email_verified))
    }
    counts = dict.fromkeys(MEANS, 0)
    for uid in active:
        if uid in linked:
            counts["psc"] += 1
        elif uid in passkey_psc:
            counts["passkey_psc"] += 1
        elif uid in passkey:
            counts["passkey"] += 1
        elif uid in apps:
            counts["app"] += 1
        elif uid in emails:
            counts["email_code"] += 1
        else:
            counts["password"] += 1
    return counts


def svg_chart(data: AssuranceReport, width: int = 720, height: int = 240) -> str:
    """Daily sign-ins by level, stacked bars, as an SVG document with its own text."""
    levels = sorted(ACR_LEVELS, key=ACR_LEVELS.__getitem__)
    days = list(data.daily)
    peak = max([sum(d.values()) for d in data.daily.values()] + [1])
    left, bottom, top = 40, 30, 10
    bar = (width - left - 10) / max(len(days), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 90}" '
        f'viewBox="0 0 {width} {height + 90}" role="img" aria-labelledby="chart-title">',
        '<title id="chart-title">Connexions par jour et par niveau, sur 30 jours</title>',
        f'<text x="{left}" y="{height - 8}" font-size="11">{escape(days[0])}</text>',
        f'<text x="{width - 90}" y="{height - 8}" font-size="11">{escape(days[-1])}</text>',
        f'<text x="2" y="{top + 10}" font-size="11">{peak}</text>',
    ]
    plot = height - bottom - top
    for index, day in enumerate(days):
        y = float(height - bottom)
        for level, colour in zip(levels, COLOURS, strict=True):
            count = data.daily[day].get(level, 0)
            if not count:
                continue
            tall = plot * count / peak
            y -= tall
            parts.append(
                f'<rect x="{left + index * bar:.1f}" y="{y:.1f}" width="{bar * 0.8:.1f}" '
                f'height="{tall:.1f}" fill="{colour}"><title>{escape(day)} : {count} '
                f"({escape(level)})</title></rect>"
            )
    for index, (level, colour) in enumerate(zip(levels, COLOURS, strict=True)):
        y = height + 10 + index * 13
        parts.append(f'<rect x="{left}" y="{y}" width="10" height="10" fill="{colour}"/>')
        name = escape(f"{level.rsplit(':', 1)[-1]} — {RIE_CATEGORY[level]}")
        parts.append(f'<text x="{left + 16}" y="{y + 9}" font-size="11">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
