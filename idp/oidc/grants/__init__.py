"""One module per grant type, each an Authlib grant whose hooks delegate to our services."""
