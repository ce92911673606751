"""A demo ViaTrajectoire module: signs people in through the provider and uses the library.

It shows the whole journey a module team builds: code + PKCE login (Authlib's Flask client),
who is signed in and their habilitations, a call to the module's own protected API with the
access token, a sensitive page that asks for a stronger login (RFC 9470 step-up), logout
through the provider, and back-channel logout ending the local session.
"""

from demo_module.app import create_app

__all__ = ["create_app"]
