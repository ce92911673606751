"""``python -m demo_module``: run the demo module (development server, threads)."""

from __future__ import annotations

import argparse
import os

from viatrajectoire_auth import acr
from werkzeug.serving import run_simple

from demo_module.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="ViaTrajectoire demo module")
    parser.add_argument("--issuer", default="http://127.0.0.1:5000")
    parser.add_argument("--client-id", default="demo-module")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--name", default="Module de démonstration")
    parser.add_argument("--step-up-acr", default=acr.PSC, choices=sorted(acr.LEVELS))
    args = parser.parse_args()
    secret = os.environ.get("DEMO_CLIENT_SECRET", "demo-module-secret-for-development-only")
    app = create_app(
        args.issuer,
        args.client_id,
        secret,
        f"http://{args.host}:{args.port}",
        name=args.name,
        step_up_acr=args.step_up_acr,
    )
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
