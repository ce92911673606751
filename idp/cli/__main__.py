"""``python -m idp.cli``: the ``idp`` command (``idp serve`` restarts itself this way)."""

from idp.cli import run

run()
