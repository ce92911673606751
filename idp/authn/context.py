"""Authentication context: ``acr`` values and ``amr`` methods (OIDC Core 2, RFC 8176).

| acr | how | amr |
| --- | --- | --- |
| ``urn:viatrajectoire:acr:password`` | password only | ``pwd`` |
| ``urn:viatrajectoire:acr:otp-email`` | password + code by email | ``pwd otp`` |
| ``urn:viatrajectoire:acr:totp`` | password + app code or recovery code | ``pwd otp mfa`` |
| ``urn:viatrajectoire:acr:psc`` | Pro Santé Connect: CPS card | ``hwk pin mfa`` |
| ``urn:viatrajectoire:acr:psc`` | Pro Santé Connect: e-CPS app | ``swk mfa`` |

An emailed code is not counted as ``mfa``: NIST SP 800-63B-4 no longer accepts email as an
out-of-band authenticator. A remembered device counts as the code it remembers. A PSC login
(eIDAS "substantial" or more, checked by the national provider) is the strongest level: a
relying party that asks for it sends the person through PSC. An ``authMode`` PSC does not
document (a delegated identity provider) gets ``mfa`` only.
"""

ACR_PASSWORD = "urn:viatrajectoire:acr:password"
ACR_EMAIL_OTP = "urn:viatrajectoire:acr:otp-email"
ACR_TOTP = "urn:viatrajectoire:acr:totp"
ACR_PSC = "urn:viatrajectoire:acr:psc"

#: acr value -> strength; a login satisfies a request for any value of lower or equal strength.
ACR_LEVELS = {ACR_PASSWORD: 1, ACR_EMAIL_OTP: 2, ACR_TOTP: 3, ACR_PSC: 4}

AMR_PASSWORD = "pwd"
AMR_OTP = "otp"
AMR_MFA = "mfa"
AMR_BY_PSC_MODE = {"card": ["hwk", "pin", "mfa"], "app": ["swk", "mfa"], "other": ["mfa"]}
