"""Write idp/translations/en from messages.pot and the English texts below, then compile.

Run after `pybabel extract` (see `make translations`). The French texts are the msgids.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ENGLISH = {
    "Nom d'utilisateur ou mot de passe incorrect.": "Incorrect username or password.",
    "Votre demande de connexion a expiré. Retournez sur l'application et recommencez.": "Your sign-in request has expired. Go back to the application and start again.",
    "Le formulaire a expiré ou a été envoyé depuis une autre page. Rechargez la page et "
    "recommencez.": "The form has expired or was sent from another page. Reload the page "
    "and try again.",
    "Une erreur inattendue est survenue (référence %(id)s).": "An unexpected error occurred (reference %(id)s).",
    "Nom d'utilisateur": "Username",
    "Veuillez indiquer votre nom d'utilisateur": "Please enter your username",
    "Mot de passe": "Password",
    "Veuillez indiquer votre mot de passe": "Please enter your password",
    "Se connecter": "Sign in",
    "Autoriser": "Allow",
    "Refuser": "Deny",
    "Se déconnecter": "Sign out",
    "Accéder au contenu de la page": "Skip to content",
    "Une orientation personnalisée et informatisée": "Personalised, computer-aided orientation",
    "Langue": "Language",
    "ViaTrajectoire est un service public, gratuit et sécurisé.": "ViaTrajectoire is a free and secure public service.",
    "Autoriser l'accès": "Allow access",
    "L'application « %(name)s » demande l'accès à votre compte": "The application “%(name)s” asks for access to your account",
    "Elle pourra lire :": "It will be able to read:",
    "votre identifiant ViaTrajectoire": "your ViaTrajectoire identifier",
    "vos nom, prénom et nom d'utilisateur": "your name and username",
    "votre adresse électronique": "your email address",
    "Erreur": "Error",
    "La demande ne peut pas aboutir": "The request cannot be completed",
    "L'application qui vous a envoyé ici n'est pas connue de ViaTrajectoire.": "The application that sent you here is not known to ViaTrajectoire.",
    "La demande de connexion envoyée par l'application est invalide.": "The sign-in request sent by the application is invalid.",
    "Cette page n'existe pas.": "This page does not exist.",
    "Code de l'erreur :": "Error code:",
    "Retour à l'accueil": "Back to the home page",
    "Accueil": "Home",
    "Bienvenue dans l'espace professionnel": "Welcome to the professional area",
    "Vous êtes connecté en tant que %(name)s.": "You are signed in as %(name)s.",
    "Vous n'êtes pas connecté.": "You are not signed in.",
    "Déconnecté": "Signed out",
    "Vous êtes déconnecté.": "You are signed out.",
    "Se connecter à ViaTrajectoire": "Sign in to ViaTrajectoire",
    "Professionnels libéraux ou en établissement : entrez le nom d'utilisateur et le mot de "
    "passe, puis cliquez sur Se connecter.": "Health and care professionals: enter your "
    "username and password, then click Sign in.",
    "La connexion n'a pas abouti :": "Sign-in failed:",
    "Pas encore de compte ? Les comptes sont créés par les référents ViaTrajectoire de votre "
    "établissement.": "No account yet? Accounts are created by the ViaTrajectoire referents "
    "of your establishment.",
    "Voulez-vous vous déconnecter de ViaTrajectoire ?": "Do you want to sign out of "
    "ViaTrajectoire?",
}

root = Path(__file__).resolve().parent.parent / "idp" / "translations"
with open(root / "messages.pot", "rb") as handle:
    catalog = read_po(handle, locale="en")
missing = []
for message in catalog:
    if message.id:
        message.string = ENGLISH.get(message.id, "")
        if not message.string:
            missing.append(message.id)
target = root / "en" / "LC_MESSAGES"
target.mkdir(parents=True, exist_ok=True)
with open(target / "messages.po", "wb") as handle:
    write_po(handle, catalog, width=100)
with open(target / "messages.mo", "wb") as handle:
    write_mo(handle, catalog)
if missing:
    raise SystemExit("untranslated: " + " | ".join(missing))
