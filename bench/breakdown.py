"""Where a request's milliseconds go: ``python -m bench.breakdown refresh|login SEED_FILE [N]``.

Runs one scenario in process against the database ``make bench`` left (PostgreSQL
``idp_bench`` + Redis db 13), with a timer around each phase (wall clock and this process's
CPU), and counts the database statements and Redis commands each request sends. Phases are
inclusive and may nest (the table says which contain which); "the rest" is the request's time
outside every top-level phase. The test client's own work is outside the WSGI call and not
counted. Numbers are per request, the mean of N.
"""

from __future__ import annotations

import functools
import importlib
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import profile as scenarios  # sets the environment of the bench database first

#: (label, "module:attribute.path", depth) — depth 0 phases are disjoint within a request
REFRESH_PHASES = [
    (
        "client authentication (secret check)",
        "idp.oidc.server:IdpAuthorizationServer.authenticate_client",
        1,
    ),
    (
        "token + account state: connection, 1 query",
        "idp.oidc.grants.refresh_token:find_refresh_grant",
        1,
    ),
    (
        "  of which the pool's liveness ping",
        "sqlalchemy.engine.default:DefaultDialect._do_ping_w_event",
        2,
    ),
    ("family revoked? (Redis GET)", "idp.oidc.grants.refresh_token:is_family_revoked", 1),
    (
        "access token: claims, JSON, signature",
        "authlib.oauth2.rfc6749.grants.base:BaseGrant.generate_token",
        1,
    ),
    (
        "ID token: claims, JSON, signature",
        "authlib.oidc.core.grants.code:OpenIDToken.encode_id_token",
        1,
    ),
    ("  of which RS256 signatures", "joserfc._rfc7518.jws_algs:_RSAAlgModel.sign", 2),
    ("  of which ES256 signatures", "joserfc._rfc7518.jws_algs:ESAlgorithm.sign", 2),
    (
        "rotation (1 statement, its own commit)",
        "idp.oidc.grants.refresh_token:rotate_refresh_token",
        1,
    ),
    ("commit", "sqlalchemy.orm.session:Session.commit", 1),
]

LOGIN_PHASES = [
    ("password login (POST /login's service)", "idp.authn.login:PasswordLogin.login", 1),
    ("  argon2id check", "argon2:PasswordHasher.verify", 2),
    ("  password check (argon2id and its bookkeeping)", "idp.authn.passwords:Passwords.check", 2),
    (
        "  account, habilitation state, app (1 query)",
        "idp.authn.login:PasswordLogin._account_state",
        2,
    ),
    ("  last_login_at (1 statement)", "idp.authn.login:_record_login", 2),
    ("  commit", "sqlalchemy.orm.session:Session.commit", 2),
    ("  remembered browser", "idp.authn.remembered_devices:RememberedDevices.recall", 2),
    ("  throttle (Redis)", "idp.authn.throttle:LoginThrottle.check", 2),
    ("  throttle reset (Redis)", "idp.authn.throttle:LoginThrottle.succeeded", 2),
    ("  SSO session (Redis)", "idp.authn.sessions:SessionService.start", 2),
    (
        "finishing the login (cookies, session, the module's answer)",
        "idp.web.authorize:finish_login",
        1,
    ),
    (
        "  of which the module's answer (decision, code)",
        "idp.oidc.provider:Provider.answer_after_login",
        2,
    ),
    ("forms (WTForms, CSRF)", "flask_wtf.form:FlaskForm.__init__", 1),
    ("form validation", "flask_wtf.form:FlaskForm.validate_on_submit", 1),
    ("templates", "flask.templating:_render", 1),
    ("authorization (/authorize)", "idp.oidc.provider:Provider.authorize", 1),
    ("token exchange (Provider.token)", "idp.oidc.provider:Provider.token", 1),
    ("  RS256 signatures", "joserfc._rfc7518.jws_algs:_RSAAlgModel.sign", 2),
    ("  ES256 signatures", "joserfc._rfc7518.jws_algs:ESAlgorithm.sign", 2),
    ("userinfo (Provider.userinfo)", "idp.oidc.provider:Provider.userinfo", 1),
    ("cookie session open", "idp.web.cookie_session:CookieSessionInterface.open_session", 1),
    ("cookie session save", "flask.sessions:SecureCookieSessionInterface.save_session", 1),
    ("rate limits (Flask-Limiter)", "flask_limiter._extension:Limiter._check_request_limit", 1),
]


class Timers:
    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.active: dict[str, int] = defaultdict(int)

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.active[label]:  # a recursive call is inside the outer one
                return function(*args, **kwargs)
            self.active[label] += 1
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - wall
                self.cpu[label] += time.process_time() - cpu
                self.calls[label] += 1
                self.active[label] -= 1

        return timed


def _patch(timers: Timers, label: str, target: str) -> None:
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    if hasattr(owner, name):  # a phase the code no longer has reads 0
        setattr(owner, name, timers.wrap(label, getattr(owner, name)))


def _count_round_trips(counts: dict[str, int]) -> None:
    import redis
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(*_args: Any) -> None:
        counts["database statements"] += 1

    @event.listens_for(Engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            counts["database BEGIN"] += 1  # an autocommit connection sends none

    from sqlalchemy.pool import Pool

    @event.listens_for(Pool, "checkout")
    def _checkout(*_args: Any) -> None:
        counts["database connection checkouts"] += 1

    @event.listens_for(Engine, "commit")
    def _commit(*_args: Any) -> None:
        counts["database COMMIT"] += 1

    original = redis.Redis.execute_command

    def command(self: Any, *args: Any, **options: Any) -> Any:
        counts["Redis commands"] += 1
        return original(self, *args, **options)

    redis.Redis.execute_command = command  # type: ignore[method-assign]
    original_pipeline = redis.client.Pipeline.execute

    def pipeline(self: Any, *args: Any, **options: Any) -> Any:
        counts["Redis pipelines"] += 1
        return original_pipeline(self, *args, **options)

    redis.client.Pipeline.execute = pipeline  # type: ignore[method-assign]


def main(scenario: str, seed_file: Path, count: int) -> None:
    from idp import create_app

    phases = REFRESH_PHASES if scenario == "refresh" else LOGIN_PHASES
    timers = Timers()
    for label, target, _depth in phases:
        if target:
            _patch(timers, label, target)
    app = create_app()
    request_label = "whole request (WSGI call)"
    inner = app.wsgi_app
    by_path = Timers()

    def per_path(environ: Any, start_response: Any) -> Any:
        label = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
        return by_path.wrap(label, inner)(environ, start_response)

    app.wsgi_app = timers.wrap(request_label, per_path)  # type: ignore[method-assign]
    action = scenarios.flow(scenario, app, seed_file)
    for _ in range(30):
        action()
    counts: dict[str, int] = defaultdict(int)
    _count_round_trips(counts)
    timers.__init__()  # type: ignore[misc]
    by_path.__init__()  # type: ignore[misc]
    for _ in range(count):
        action()
    requests = timers.calls[request_label] or 1
    per = count
    unit = "refresh" if scenario == "refresh" else "login (5 requests)"
    print(f"{scenario}: mean of {count} × {unit}, {requests // count} WSGI call(s) each\n")
    print("| phase | wall ms | CPU ms | calls |")
    print("| --- | ---: | ---: | ---: |")
    total_wall = timers.wall[request_label] * 1000 / per
    total_cpu = timers.cpu[request_label] * 1000 / per
    print(f"| {request_label} | {total_wall:.2f} | {total_cpu:.2f} | {requests / per:.0f} |")
    top_wall = top_cpu = 0.0
    for label, target, depth in phases:
        if not target:
            continue
        wall, cpu = timers.wall[label] * 1000 / per, timers.cpu[label] * 1000 / per
        if depth == 1:
            top_wall, top_cpu = top_wall + wall, top_cpu + cpu
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {timers.calls[label] / per:.1f} |")
    rest_wall, rest_cpu = total_wall - top_wall, total_cpu - top_cpu
    print(
        f"| the rest (framework, view, Authlib, SQLAlchemy) | {rest_wall:.2f} | {rest_cpu:.2f} | |"
    )
    print()
    print("| request | wall ms | CPU ms |")
    print("| --- | ---: | ---: |")
    for label in sorted(by_path.wall, key=lambda name: -by_path.cpu[name]):
        path = label if len(label) < 40 else label[:37] + "..."
        wall, cpu = by_path.wall[label] * 1000 / per, by_path.cpu[label] * 1000 / per
        print(f"| {path} | {wall:.2f} | {cpu:.2f} |")
    print()
    for name, value in sorted(counts.items()):
        print(f"- {name}: {value / per:.1f} per {unit}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 300)
