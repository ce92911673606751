"""How usernames compare: NFKC, then case folding (L5 of the security review).

"Camille.Martin", "camille.martin" and their full-width forms name one account, as the
throttles (which key on the lowercase name) already assumed. The stored ``username`` keeps
the spelling it was created with; ``username_key`` is what is unique and looked up.
"""

from __future__ import annotations

import unicodedata


def username_key(username: str) -> str:
    """The comparison form of a username (Unicode TR 36 "NFKC_Casefold", stable)."""
    folded = unicodedata.normalize("NFKC", username or "").casefold()
    return unicodedata.normalize("NFKC", folded)
