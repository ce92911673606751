"""Pro Santé Connect (PSC) federation: what PSC says about a professional, and account links."""
