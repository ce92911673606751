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

ENGLISH.update(
    {
        "Le mot de passe doit compter au moins 12 caractères.": "The password must be at least 12 characters long.",
        "Le mot de passe ne peut pas dépasser 1024 caractères.": "The password cannot exceed 1024 characters.",
        "Le mot de passe ne doit pas contenir votre nom d'utilisateur.": "The password must not contain your username.",
        "Ce mot de passe est trop facile à deviner : essayez une phrase de plusieurs mots sans lien entre eux.": "This password is too easy to guess: try a phrase of several unrelated words.",
        "Le code recopié est incorrect : recopiez le nouveau code affiché.": "The code you copied is wrong: copy the new code shown.",
        "Le courriel n'a pas pu être envoyé : le service de messagerie ne répond pas. Réessayez dans quelques minutes.": "The email could not be sent: the mail service is not answering. Try again in a few minutes.",
        "Si ce nom d'utilisateur correspond à un compte actif dont l'adresse électronique est validée, un courriel vient d'y être envoyé avec un lien valable 30 minutes pour choisir un nouveau mot de passe.": "If this username belongs to an active account with a validated email address, an email has just been sent there with a link, valid for 30 minutes, to choose a new password.",
        "Votre mot de passe a été changé. Vous pouvez vous connecter.": "Your password has been changed. You can sign in.",
        "Le mot de passe actuel est incorrect.": "The current password is incorrect.",
        "Votre mot de passe a été changé : vos sessions et vos appareils mémorisés ont été fermés. Reconnectez-vous.": "Your password has been changed: your sessions and remembered devices have been closed. Sign in again.",
        "Ce lien n'est plus valable (il a expiré, a déjà servi, ou le mot de passe a changé depuis). Refaites une demande de mot de passe oublié.": "This link is no longer valid (it expired, was already used, or the password changed since). Ask for a new one from the forgotten-password page.",
        "Trop de tentatives : patientez %(s)d secondes avant de réessayer.": "Too many attempts: wait %(s)d seconds before trying again.",
        "Votre compte est désactivé. Contactez les référents ViaTrajectoire de votre établissement pour le réactiver.": "Your account is deactivated. Contact the ViaTrajectoire referents of your establishment to reactivate it.",
        "Votre adresse électronique n'est pas validée : la connexion ne peut pas aboutir. Demandez à un référent ViaTrajectoire de votre établissement de vérifier votre adresse dans votre compte ; vous recevrez un lien pour la valider.": "Your email address is not validated, so sign-in cannot complete. Ask a ViaTrajectoire referent of your establishment to check the address on your account; you will receive a link to validate it.",
        "Code incorrect. Il vous reste %(n)d essai(s).": "Wrong code. %(n)d attempt(s) left.",
        "Un nouveau code a été envoyé.": "A new code has been sent.",
        "Patientez %(s)d secondes avant de demander un nouveau code.": "Wait %(s)d seconds before asking for a new code.",
        "Trop de codes ont été envoyés. Reconnectez-vous dans quelques minutes.": "Too many codes were sent. Sign in again in a few minutes.",
        "Trop de requêtes depuis votre adresse : réessayez dans une minute.": "Too many requests from your address: try again in a minute.",
        "Code reçu par courriel": "Code received by email",
        "Veuillez saisir le code reçu": "Please enter the code you received",
        "Valider": "Confirm",
        "Je n'ai pas reçu de code": "I did not receive a code",
        "Code de sécurité à recopier": "Security code to copy",
        "Recopiez le code affiché": "Copy the code shown",
        "Regénérer mon mot de passe": "Reset my password",
        "Nouveau mot de passe": "New password",
        "Veuillez choisir un mot de passe": "Please choose a password",
        "Confirmez le nouveau mot de passe": "Confirm the new password",
        "Les deux mots de passe diffèrent": "The two passwords differ",
        "Enregistrer le mot de passe": "Save the password",
        "Mot de passe actuel": "Current password",
        "Veuillez indiquer votre mot de passe actuel": "Please enter your current password",
        "Oublier cet appareil": "Forget this device",
        "Se déconnecter partout": "Sign out everywhere",
        "Mon compte": "My account",
        "Nom": "Name",
        "Adresse électronique": "Email address",
        "non validée": "not validated",
        "Changer de mot de passe": "Change password",
        "Appareils mémorisés": "Remembered devices",
        "depuis le %(date)s, jusqu'au %(end)s": "since %(date)s, until %(end)s",
        "Aucun appareil mémorisé.": "No remembered device.",
        "Mot de passe oublié": "Forgotten password",
        "J'ai perdu mon mot de passe": "I lost my password",
        "Entrez votre nom d'utilisateur": "Enter your username",
        "Cliquez sur Regénérer mon mot de passe": "Click Reset my password",
        "Code de sécurité : utilisez la version audio si vous ne pouvez pas lire l image": "Security code: use the audio version if you cannot read the image",
        "Écouter le code de sécurité": "Listen to the security code",
        "Nom d'utilisateur oublié ?": "Forgotten username?",
        "Nom d'utilisateur oublié": "Forgotten username",
        "Les référents ViaTrajectoire de votre établissement retrouvent votre nom d'utilisateur : renseignez-vous auprès de vos collègues ou de vos supérieurs pour les connaître.": "The ViaTrajectoire referents of your establishment can find your username: ask your colleagues or managers who they are.",
        "S'il n'y a pas de référent dans votre établissement, le support réservé aux professionnels de santé est disponible :": "If your establishment has no referent, the support for health professionals is available:",
        "Par mail": "By email",
        "Par téléphone": "By phone",
        "Retour à la connexion": "Back to sign-in",
        "Le code a expiré ou a été trop souvent mal saisi : reconnectez-vous pour en recevoir un nouveau.": "The code expired or was mistyped too often: sign in again to get a new one.",
        "Mot de passe oublié ?": "Forgotten password?",
        "Information": "Information",
        "Continuer": "Continue",
        "Code de connexion": "Sign-in code",
        "Saisissez votre code de connexion": "Enter your sign-in code",
        "Un code à 6 chiffres vient d'être envoyé à l'adresse %(email)s. Il est valable %(minutes)d minutes.": "A 6-digit code has just been sent to %(email)s. It is valid for %(minutes)d minutes.",
        "Le code n'a pas pu être envoyé : le service de messagerie ne répond pas. Réessayez dans un instant avec le bouton ci-dessous.": "The code could not be sent: the mail service is not answering. Try again in a moment with the button below.",
        "Choisir un nouveau mot de passe": "Choose a new password",
        "Compte : %(username)s. Au moins 12 caractères ; une phrase de plusieurs mots est idéale.": "Account: %(username)s. At least 12 characters; a phrase of several words is ideal.",
    }
)

ENGLISH.update(
    {
        "J'accepte les conditions d'utilisation": "I accept the conditions of use",
        "Conditions générales d'utilisation": "General conditions of use",
        "Version %(v)s. Avant d'accéder à ViaTrajectoire, lisez et acceptez les engagements suivants.": "Version %(v)s. Before using ViaTrajectoire, read and accept the following commitments.",
        "Texte des conditions": "Text of the conditions",
        "Votre compte est personnel : ne communiquez jamais votre mot de passe ni vos codes de connexion.": "Your account is personal: never share your password or your sign-in codes.",
        "Vous n'accédez aux données des personnes accompagnées que dans le cadre de votre mission et de vos habilitations.": "You access the data of the people you support only for your work and within your habilitations.",
        "Les informations saisies sont couvertes par le secret professionnel et la réglementation sur les données de santé.": "What you enter is covered by professional secrecy and health-data regulations.",
        "Vous signalez à vos référents tout changement de fonction ou départ de l'établissement.": "You tell your referents when your role changes or you leave the establishment.",
        "Les connexions et modifications sont enregistrées et peuvent être contrôlées.": "Sign-ins and changes are recorded and may be audited.",
    }
)

ENGLISH.update(
    {
        "Ce code ne correspond pas : vérifiez l'heure du téléphone et saisissez le code affiché maintenant.": "This code does not match: check the phone's clock and enter the code shown now.",
        "Code de l'application d'authentification, ou code de secours": "Authenticator app code, or recovery code",
        "Veuillez saisir le code": "Please enter the code",
        "Code affiché par l'application": "Code shown by the app",
        "Activer l'application": "Activate the app",
        "Application d'authentification": "Authenticator app",
        "Activée : chaque connexion demande le code de l'application. Codes de secours restants : %(n)d.": "Active: every sign-in asks for the app's code. Recovery codes left: %(n)d.",
        "Plus sûre que le code par courriel : un code à 6 chiffres affiché par une application de votre téléphone.": "Safer than the emailed code: a 6-digit code shown by an app on your phone.",
        "Activer une application": "Activate an app",
        "Code de l'application": "App code",
        "Saisissez le code de votre application d'authentification": "Enter the code of your authenticator app",
        "Ouvrez l'application sur votre téléphone et recopiez le code à 6 chiffres affiché pour ViaTrajectoire. Sans votre téléphone, saisissez l'un de vos codes de secours.": "Open the app on your phone and copy the 6-digit code shown for ViaTrajectoire. Without your phone, enter one of your recovery codes.",
        "Activer une application d'authentification": "Activate an authenticator app",
        "Installez une application d'authentification (par exemple FreeOTP, Google Authenticator, Microsoft Authenticator).": "Install an authenticator app (for example FreeOTP, Google Authenticator, Microsoft Authenticator).",
        "Scannez ce QR code avec l'application, ou saisissez la clé ci-dessous.": "Scan this QR code with the app, or type the key below.",
        "Saisissez le code à 6 chiffres que l'application affiche.": "Enter the 6-digit code the app shows.",
        "QR code de configuration de l application : utilisez la clé ci-dessous si vous ne pouvez pas le scanner": "Set-up QR code for the app: use the key below if you cannot scan it",
        "Clé à saisir :": "Key to type:",
        "Codes de secours": "Recovery codes",
        "L'application est activée : notez vos codes de secours": "The app is active: write down your recovery codes",
        "Chaque code permet une connexion sans le téléphone, une seule fois. Ils ne seront plus jamais affichés : conservez-les en lieu sûr.": "Each code signs you in once without the phone. They will never be shown again: keep them somewhere safe.",
        "J'ai noté mes codes": "I wrote down my codes",
    }
)

root = Path(__file__).resolve().parent.parent / "idp" / "translations"
with open(root / "messages.pot", "rb") as handle:
    catalog = read_po(handle, locale="en")
missing = []
ENGLISH.update(
    {
        "Le code de l'application d'authentification est incorrect.": "The authenticator app code is wrong.",
        "Cette page est réservée aux référents et au support.": "This page is for referents and support only.",
        "Vous n'êtes pas référent de cet établissement.": "You are not a referent of this establishment.",
        "Ce compte ne dépend pas d'un établissement dont vous êtes référent.": "This account does not belong to an establishment you are a referent of.",
        "Seul le support peut nommer ou retirer un référent.": "Only support can name or remove a referent.",
        "Vous ne pouvez pas désactiver votre propre compte.": "You cannot deactivate your own account.",
        "Action non autorisée.": "Action not allowed.",
        "Cet élément n'existe pas.": "This item does not exist.",
        "Ce nom d'utilisateur est déjà pris.": "This username is already taken.",
        "Valeur invalide : %(field)s.": "Invalid value: %(field)s.",
        "La date de fin précède la date de début.": "The end date is before the start date.",
        "Ce champ est obligatoire": "This field is required",
        "Nom*": "Family name*",
        "Prénom": "Given name",
        "Email*": "Email*",
        "Adresse électronique invalide": "Invalid email address",
        "Téléphone": "Phone",
        "Fax": "Fax",
        "Téléphone portable": "Mobile phone",
        "Profession*": "Profession*",
        "Double authentification": "Two-step verification",
        "Enregistrer": "Save",
        "Profil": "Profile",
        "Localisation": "Place",
        "Valide du": "Valid from",
        "au": "to",
        "Réception des mails": "Receives mails",
        "Nom d'utilisateur*": "Username*",
        "Envoyer un mail à l'utilisateur à l'enregistrement": "Email the user when saving",
        "Ajouter l'habilitation": "Add the habilitation",
        "Vous n'avez plus d'habilitation en cours de validité. Contactez les référents ViaTrajectoire de votre établissement.": "You no longer have a valid habilitation. Contact the ViaTrajectoire referents of your establishment.",
        "Mes habilitations": "My habilitations",
        "Validité": "Validity",
        "Supprimée le": "Ended on",
        "du %(a)s au %(b)s": "from %(a)s to %(b)s",
        "Aucune habilitation.": "No habilitation.",
        "Mes référents": "My referents",
        "Comptes et habilitations (référents)": "Accounts and habilitations (referents)",
        "Pour créer un compte, ajouter ou prolonger une habilitation, contactez un référent ViaTrajectoire de l'établissement concerné.": "To create an account, or add or extend a habilitation, contact a ViaTrajectoire referent of the establishment concerned.",
        "Référents": "Referents",
        "Aucun référent : contactez le support.": "No referent: contact support.",
        "Aucune habilitation en cours.": "No current habilitation.",
        "Retour à la liste": "Back to the list",
        "Informations personnelles": "Personal information",
        "Les champs marqués d'un * sont obligatoires. Le nom d'utilisateur n'est pas modifiable.": "Fields marked * are required. The username cannot be changed.",
        "Email validé": "Email validated",
        "Oui": "Yes",
        "Non": "No",
        "Compte désactivé": "Account deactivated",
        "Désactiver le compte": "Deactivate the account",
        "Réactiver le compte": "Reactivate the account",
        "Compte bloqué": "Account blocked",
        "Débloquer le compte": "Unblock the account",
        "Bloquer le compte": "Block the account",
        "Charte validée": "Charter accepted",
        "Créateur": "Created by",
        "Habilitations": "Habilitations",
        "Droits": "Rights",
        "Créée le": "Created on",
        "Actions": "Actions",
        "Supprimer l habilitation %(p)s": "End the habilitation %(p)s",
        "Ajouter une habilitation": "Add a habilitation",
        "Historique des modifications": "Change history",
        "Date": "Date",
        "Description": "Description",
        "Responsable": "By",
        "Comptes et habilitations": "Accounts and habilitations",
        "Établissements avec moins de 2 référents :": "Establishments with fewer than 2 referents:",
        "Rechercher un compte (nom, prénom, nom d'utilisateur, email)": "Search an account (name, username, email)",
        "Rechercher": "Search",
        "Créer un compte": "Create an account",
        "Comptes": "Accounts",
        "Email": "Email",
        "État": "Status",
        "Désactivé": "Deactivated",
        "Bloqué": "Blocked",
        "Actif": "Active",
        "Pagination": "Pagination",
        "Précédent": "Previous",
        "Page %(p)d sur %(n)d": "Page %(p)d of %(n)d",
        "Suivant": "Next",
        "Les champs marqués d'un * sont obligatoires": "Fields marked * are required",
        "Le formulaire contient des erreurs : corrigez les champs signalés.": "The form has errors: correct the fields shown.",
        "Première habilitation": "First habilitation",
    }
)

ENGLISH.update(
    {
        "Unité (facultatif)": "Unit (optional)",
        "Réception des mails : %(v)s, changer": "Receives mails: %(v)s, change",
        "oui": "yes",
        "non": "no",
    }
)

ENGLISH.update(
    {
        "Identifiant national (RPPS, ADELI…) pour la carte CPS": "National identifier (RPPS, ADELI…) for the CPS card",
        "Cet identifiant national est déjà rattaché à un autre compte.": "This national identifier is already linked to another account.",
    }
)

# Pro Santé Connect (issue 6)
ENGLISH.update(
    {
        "Détacher ma carte CPS / e-CPS": "Unlink my CPS card / e-CPS",
        "Cette identité Pro Santé Connect est déjà rattachée à un autre compte ViaTrajectoire, ou votre compte est rattaché à un autre identifiant national. Rien n'a été modifié. Contactez les référents ViaTrajectoire de votre établissement.": "This Pro Santé Connect identity is already linked to another ViaTrajectoire account, or your account is linked to another national identifier. Nothing was changed. Contact the ViaTrajectoire referents of your establishment.",
        "Votre compte est temporairement bloqué après trop de mots de passe erronés. Réessayez plus tard ou demandez à un référent de le débloquer.": "Your account is temporarily blocked after too many wrong passwords. Try again later or ask a referent to unblock it.",
        "Carte CPS / e-CPS (Pro Santé Connect)": "CPS card / e-CPS (Pro Santé Connect)",
        "Votre compte est rattaché à l'identifiant national %(id)s : vous pouvez vous connecter par carte CPS ou e-CPS.": "Your account is linked to the national identifier %(id)s: you can sign in with your CPS card or e-CPS.",
        "Aucune carte rattachée : choisissez « S'identifier par carte CPS » sur la page de connexion pour rattacher la vôtre.": "No card linked: choose \u201cSign in with a CPS card\u201d on the sign-in page to link yours.",
        "ou, professionnel de santé :": "or, as a health professional:",
        "S'IDENTIFIER PAR CARTE CPS": "SIGN IN WITH A CPS CARD",
        "S'IDENTIFIER PAR E-CPS": "SIGN IN WITH E-CPS",
        "Connexion Pro Santé Connect": "Pro Santé Connect sign-in",
        "La connexion par Pro Santé Connect n'a pas abouti": "Signing in with Pro Santé Connect did not succeed",
        "Pro Santé Connect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous avec votre nom d'utilisateur et votre mot de passe.": "Pro Santé Connect is not answering at the moment. Try again in a few minutes, or sign in with your username and password.",
        "La connexion a été annulée ou refusée sur Pro Santé Connect.": "The sign-in was cancelled or refused on Pro Santé Connect.",
        "La réponse de Pro Santé Connect n'a pas pu être vérifiée (lien expiré ou déjà utilisé, horloge décalée, réponse invalide). Par sécurité, aucune session n'a été ouverte.": "The answer from Pro Santé Connect could not be verified (link expired or already used, clock skew, invalid answer). For your safety, no session was opened.",
        "Se connecter avec un nom d'utilisateur et un mot de passe": "Sign in with a username and password",
        "Rattacher votre carte CPS / e-CPS": "Link your CPS card / e-CPS",
        "Rattacher votre identité Pro Santé Connect": "Link your Pro Santé Connect identity",
        "Pro Santé Connect vous a identifié : %(name)s, identifiant national %(id)s. Aucun compte ViaTrajectoire n'est encore rattaché à cet identifiant.": "Pro Santé Connect identified you: %(name)s, national identifier %(id)s. No ViaTrajectoire account is linked to this identifier yet.",
        "J'ai déjà un compte ViaTrajectoire": "I already have a ViaTrajectoire account",
        "Connectez-vous une fois avec votre nom d'utilisateur et votre mot de passe : votre compte sera rattaché, et vous pourrez ensuite vous connecter directement par carte CPS ou e-CPS.": "Sign in once with your username and password: your account will be linked, and from then on you can sign in directly with your CPS card or e-CPS.",
        "Je n'ai pas de compte": "I have no account",
        "Les comptes ViaTrajectoire sont créés par les référents ViaTrajectoire de votre établissement. Demandez-leur de créer votre compte et d'y enregistrer votre identifiant national : vous pourrez alors vous connecter directement par carte CPS ou e-CPS.": "ViaTrajectoire accounts are created by the ViaTrajectoire referents of your establishment. Ask them to create your account and record your national identifier on it: you will then be able to sign in directly with your CPS card or e-CPS.",
        "Vous ne savez pas qui sont vos référents ? Contactez le support : %(email)s, %(phone)s.": "You do not know who your referents are? Contact support: %(email)s, %(phone)s.",
    }
)

# the security review (issue 14) and day-one operations (issue 15)
ENGLISH.update(
    {
        "Votre adresse électronique est confirmée : vos codes de connexion y seront envoyés.": "Your email address is confirmed: your sign-in codes will be sent to it.",
        "Ce lien n'est plus valable (il a expiré, a déjà servi, ou une autre adresse a été indiquée depuis). Demandez à un référent de votre établissement de l'envoyer à nouveau.": "This link is no longer valid (it expired, was already used, or another address was given since). Ask a referent of your establishment to send it again.",
        "Le mot de passe est incorrect.": "The password is incorrect.",
        "Le code de l'application actuelle est incorrect.": "The code of the current app is incorrect.",
        "Ce compte a des habilitations en cours hors des établissements dont vous êtes référent (ou n'en a plus aucune) : seul le support peut le modifier.": "This account has current habilitations outside the establishments you are a referent of (or has none left): only support can change it.",
        "Seul le support peut modifier un compte du support.": "Only support can change a support account.",
        "Ce compte est celui d'un référent : seul le support peut le modifier.": "This is a referent's account: only support can change it.",
        "Le service est momentanément indisponible : réessayez dans quelques instants.": "The service is briefly unavailable: try again in a few moments.",
        "Votre mot de passe": "Your password",
        "Veuillez saisir votre mot de passe": "Please enter your password",
        "Code de l'application actuelle (ou code de secours)": "Code of the current app (or a recovery code)",
        "Confirmer cette adresse": "Confirm this address",
        "Confirmer votre adresse": "Confirm your address",
        "Confirmer votre adresse électronique": "Confirm your email address",
        "Cette adresse recevra désormais vos codes de connexion :": "This address will now receive your sign-in codes:",
        "Activée": "Enabled",
        "Retirer l'application (perdue)": "Remove the app (lost)",
        "Nouvelle adresse en attente de confirmation": "New address awaiting confirmation",
    }
)

PLURALS = {("%(num)d compte", "%(num)d comptes"): ("%(num)d account", "%(num)d accounts")}
for message in catalog:
    if isinstance(message.id, tuple):
        message.string = PLURALS.get(message.id, ("", ""))
        if not message.string[0]:
            missing.append(" / ".join(message.id))
    elif message.id:
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
