"""Authentication context: ``acr`` values and ``amr`` methods (OIDC Core 2, RFC 8176).

| acr | how | amr |
| --- | --- | --- |
| ``urn:viatrajectoire:acr:password`` | password only | ``pwd`` |
| ``urn:viatrajectoire:acr:otp-email`` | password + code by email | ``pwd otp`` |
| ``urn:viatrajectoire:acr:totp`` | password + app code or recovery code | ``pwd otp mfa`` |
| (as proven on that browser) | password on a browser remembered after a code | ``pwd remembered`` |
| ``urn:viatrajectoire:acr:psc`` | Pro Santé Connect: CPS card | ``hwk pin mfa`` |
| ``urn:viatrajectoire:acr:psc`` | Pro Santé Connect: e-CPS app | ``swk mfa`` |

An emailed code is not counted as ``mfa``: NIST SP 800-63B-4 no longer accepts email as an
out-of-band authenticator. A browser remembered after a code keeps the ``acr`` proven there
(for 8 hours), but ``amr`` says what happened this time: the password, and ``remembered`` (a
value of ours: RFC 8176 has none for a browser that proved a code earlier), never ``otp``. A
PSC login (eIDAS "substantial" or more, checked by the national provider) is the strongest level: a
relying party that asks for it sends the person through PSC. An ``authMode`` PSC does not
document (a delegated identity provider) gets ``mfa`` only.
"""

ACR_PASSWORD = "urn:viatrajectoire:acr:password"
ACR_EMAIL_OTP = "urn:viatrajectoire:acr:otp-email"
ACR_TOTP = "urn:viatrajectoire:acr:totp"
ACR_PASSKEY = "urn:viatrajectoire:acr:passkey"
ACR_PASSKEY_PSC = "urn:viatrajectoire:acr:passkey-psc"
ACR_PSC = "urn:viatrajectoire:acr:psc"

#: acr value -> strength; a login satisfies a request for any value of lower or equal strength.
ACR_LEVELS = {
    ACR_PASSWORD: 1,
    ACR_EMAIL_OTP: 2,
    ACR_TOTP: 3,
    ACR_PASSKEY: 4,
    ACR_PASSKEY_PSC: 5,
    ACR_PSC: 6,
}
#: the category of each level in the health sector's identification référentiel (PGSSI-S RIE)
RIE_CATEGORY = {
    ACR_PASSWORD: "MIE de transition (mot de passe seul)",
    ACR_EMAIL_OTP: "MIE de transition",
    ACR_TOTP: "MIE de transition",
    ACR_PASSKEY: "moyen résistant à l'hameçonnage (FIDO), activé localement",
    ACR_PASSKEY_PSC: "moyen FIDO activé par e-CPS (RIE v2)",
    ACR_PSC: "moyen de l'ANS (carte CPS, e-CPS)",
}

AMR_PASSWORD = "pwd"
AMR_OTP = "otp"
AMR_MFA = "mfa"
#: the password on a browser remembered after a code (no RFC 8176 value says it)
AMR_REMEMBERED = "remembered"
AMR_HARDWARE_KEY = "hwk"
AMR_SOFTWARE_KEY = "swk"
AMR_USER_PRESENCE = "user"
AMR_BY_PSC_MODE = {"card": ["hwk", "pin", "mfa"], "app": ["swk", "mfa"], "other": ["mfa"]}
