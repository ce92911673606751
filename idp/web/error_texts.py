"""What a person reads for each error code, and the status each code answers with.

One table, so that the same refusal reads the same whichever page or login method meets it.
The codes are the domain's (``IdpError.code``), the protocol's (RFC 6749 and OpenID Connect)
and the web layer's own (``request_expired``, ``csrf``).
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from idp.errors import IdpError

STATUS = {
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_many_requests": 429,
    "server_error": 500,
    "temporarily_unavailable": 503,
    "account_deactivated": 403,
    "account_blocked": 403,
    "no_habilitation": 403,
    "email_not_verified": 403,
    "psc_already_linked": 409,
    "passkey_unknown": 404,
}

TEXTS: dict[str, LazyString] = {
    "not_found": _l("Cet élément n'existe pas."),
    "forbidden": _l("Action non autorisée."),
    "too_many_requests": _l("Trop de requêtes depuis votre adresse : réessayez dans une minute."),
    "temporarily_unavailable": _l(
        "Le service est momentanément indisponible : réessayez dans quelques instants."
    ),
    "csrf": _l(
        "Le formulaire a expiré ou a été envoyé depuis une autre page. Rechargez la page "
        "et recommencez."
    ),
    "request_expired": _l(
        "Votre demande de connexion a expiré. Retournez sur l'application et recommencez."
    ),
    "no_habilitation": _l(
        "Vous n'avez plus d'habilitation en cours de validité. Contactez les référents "
        "ViaTrajectoire de votre établissement."
    ),
    "account_blocked": _l(
        "Votre compte est temporairement bloqué après trop de mots de passe erronés. "
        "Réessayez plus tard ou demandez à un référent de le débloquer."
    ),
    "account_deactivated": _l(
        "Votre compte est désactivé. Contactez les référents ViaTrajectoire de votre "
        "établissement pour le réactiver."
    ),
    "email_not_verified": _l(
        "Votre adresse électronique n'est pas validée : la connexion ne peut pas aboutir. "
        "Demandez à un référent ViaTrajectoire de votre établissement de vérifier votre "
        "adresse dans votre compte ; vous recevrez un lien pour la valider."
    ),
    "passkey_unknown": _l("Cette clé d'accès n'existe pas, ou n'est pas celle de ce compte."),
    "passkey_refused": _l("La clé d'accès n'a pas pu être vérifiée : recommencez."),
    "psc_already_linked": _l(
        "Cette identité Pro Santé Connect est déjà rattachée à un autre compte "
        "ViaTrajectoire, ou votre compte est rattaché à un autre identifiant national. "
        "Rien n'a été modifié. Contactez les référents ViaTrajectoire de votre "
        "établissement."
    ),
}

#: the finer reasons of a ``forbidden`` (``PermissionDeniedError.reason``)
DENIED: dict[str, LazyString] = {
    "not_referent": _l("Cette page est réservée aux référents et au support."),
    "not_referent_here": _l("Vous n'êtes pas référent de cet établissement."),
    "not_referent_of_account": _l(
        "Ce compte a des habilitations en cours hors des établissements dont vous êtes "
        "référent (ou n'en a plus aucune) : seul le support peut le modifier."
    ),
    "not_support": _l("Seul le support peut nommer ou retirer un référent."),
    "target_is_support": _l("Seul le support peut modifier un compte du support."),
    "target_is_referent": _l(
        "Ce compte est celui d'un référent : seul le support peut le modifier."
    ),
    "own_account": _l("Vous ne pouvez pas désactiver votre propre compte."),
}


def status_of(code: str) -> int:
    return STATUS.get(code, 400)


def text_of(error: IdpError) -> str:
    """The sentence a person reads for a domain error: by its reason where one is known,
    else by its code."""
    reason = getattr(error, "reason", None)
    if error.code == "forbidden" and reason in DENIED:
        return str(DENIED[reason])
    return str(TEXTS.get(error.code, ""))
