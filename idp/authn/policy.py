"""When a password login needs a second factor (ViaTrajectoire's OTP policy)."""

from __future__ import annotations

from datetime import date

from idp import clock
from idp.storage.models import User


def second_factor_needed(user: User, mandatory_from: date, today: date | None = None) -> bool:
    """Every account from ``mandatory_from``; before it, only flagged accounts."""
    return user.otp_required or (today or clock.today()) >= mandatory_from
