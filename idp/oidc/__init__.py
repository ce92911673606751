"""The OpenID Connect protocol on Authlib's server components. Knows nothing of HTML."""
