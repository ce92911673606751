"""A local stand-in for Pro Santé Connect (``idp psc-sandbox``), kept apart from the provider."""

from psc_sandbox.app import create_app

__all__ = ["create_app", "serve"]


def serve(host: str, port: int, clients: dict[str, str] | None = None) -> None:
    """Run the stand-in until interrupted (threaded: a slow answer does not block the rest)."""
    from werkzeug.serving import run_simple

    display = f"[{host}]" if ":" in host else host
    app = create_app(f"http://{display}:{port}", clients)
    run_simple(host, port, app, threaded=True)
