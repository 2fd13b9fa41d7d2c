"""User-facing errors: each carries one line that says what is wrong and what to do.

The CLI prints ``str(error)`` without a traceback and exits with the error's ``exit_code``: 2 for
bad input (the default), 3 when nothing was left to run, 1 when runs failed. Nothing here imports
heavy libraries.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class FindnaError(Exception):
    """Base class for errors shown to the user as a single line."""

    exit_code = 2


class NothingToRun(FindnaError):
    """The selection named no run to execute or resume (no seed, every task unavailable)."""

    exit_code = 3


class RunsFailed(FindnaError):
    """Some runs of the invocation failed; their failed records say why."""

    exit_code = 1


class StoreError(FindnaError):
    """A record, prediction or lock file could not be written (disk full, permissions): the suite
    stops, after a failed record where one can still be written."""

    exit_code = 1


class PluginError(FindnaError):
    """A plugin could not be loaded or breaks the hook contract."""


class ConfigError(FindnaError):
    """registry.yaml, a preset or an override is invalid."""


class DataError(FindnaError):
    """A data file is missing, malformed, or fails validation."""


class DataUnavailable(DataError):
    """A task's data is not present under the data root (the suite goes on without it)."""


LISTED = ("backbone", "objective", "augmentation", "task", "metric", "model", "suite", "profile")


def close_names(name: str, options: list[str], n: int = 5) -> list[str]:
    """Up to ``n`` registered names close to ``name``, compared case-insensitively.

    For a glob (``gue/promoter_*``) the candidates include group globs such as ``gue/prom_*``.
    """
    candidates = list(options)
    if "*" in name:
        candidates += sorted(
            {o[: i + 1] + "*" for o in options for i, c in enumerate(o) if c in "_/"}
        )
    folded = {c.lower(): c for c in reversed(candidates)}
    scored = sorted(
        ((difflib.SequenceMatcher(None, name.lower(), c).ratio(), c) for c in folded),
        key=lambda pair: (-pair[0], pair[1]),
    )
    best = scored[0][0] if scored else 0.0
    return [folded[c] for score, c in scored[:n] if score >= max(0.6, best - 0.1)]


class UnknownName(FindnaError):
    """A model, suite, task or component name that is not registered.

    The message offers at most five close names (case-insensitive), and lists every name only
    when there are few; otherwise it points to ``findna-bench list``.
    """

    def __init__(self, kind: str, name: str, available: Iterable[str]):
        options = sorted(available)
        close = close_names(str(name), options)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        if len(options) <= 12 or kind not in LISTED:
            listing = f" Available: {', '.join(options[:12])}{', ...' if len(options) > 12 else ''}"
        else:
            listing = f" ({len(options)} {kind}s: `findna-bench list {kind}s`)"
        super().__init__(f"unknown {kind} '{name}'.{hint}{listing}")
        self.kind, self.name, self.close = kind, name, close
