"""Progress of a long command: a tqdm bar on a terminal, a plain line every 10 % otherwise
(a log file or CI output stays readable)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from tqdm import tqdm


@contextmanager
def progress_bar(total: int, unit: str = "line") -> Iterator[Callable[[int], None]]:
    """Yields ``advance_to(position)``; the bar is written on stderr."""
    if sys.stderr.isatty():
        with tqdm(total=total, unit=unit, file=sys.stderr, smoothing=0.1) as bar:

            def advance_to(position: int) -> None:
                bar.update(max(0, position - bar.n))

            yield advance_to
        return
    step = max(1, total // 10)
    shown = 0

    def report(position: int) -> None:
        nonlocal shown
        if position - shown >= step or position == total:
            shown = position
            click.echo(f"{position}/{total} {unit}s", err=True)

    yield report
