"""Which language a page speaks: ui_locales of the request, then the chosen one, then French."""

from __future__ import annotations

from flask import g, request

from idp.web.context import cookie_name, services

LANG_COOKIE = "idp_lang"


def select_locale() -> str:
    supported = services().settings.supported_locales
    for candidate in _candidates():
        if candidate in supported:
            return candidate
    return services().settings.default_locale


def _candidates() -> list[str]:
    wanted = [request.args.get("lang", "")]
    wanted += (getattr(g, "ui_locales", "") or request.args.get("ui_locales", "")).split()
    wanted.append(request.cookies.get(cookie_name(LANG_COOKIE), ""))
    return [value.split("-")[0].lower() for value in wanted if value]
