"""axe-core (npm, installed by ``make install``) run on a page of the real browser: the
accessibility check the pages are held to, like their behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: what a page may not have; "moderate" and "minor" findings are reported by axe but not failed
BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[dict]:
    """axe's serious and critical findings on the page as it stands (WCAG 2.1 A and AA).

    The script is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern (it forbids inline and injected scripts)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make install` runs `npm ci`")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ")),
        }))"""
    )
    return [v for v in found if v["impact"] in BLOCKING]
