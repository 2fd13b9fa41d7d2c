"""User-facing errors: each carries one line that says what is wrong and what to do.

The CLI prints ``str(error)`` without a traceback and exits with code 2. Nothing here imports
heavy libraries.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class FindnaError(Exception):
    """Base class for errors shown to the user as a single line."""


class PluginError(FindnaError):
    """A plugin could not be loaded or breaks the hook contract."""


class ConfigError(FindnaError):
    """registry.yaml, a preset or an override is invalid."""


class DataError(FindnaError):
    """A data file is missing, malformed, or fails validation."""


class DataUnavailable(DataError):
    """A task's data is not present under the data root (the suite goes on without it)."""


class UnknownName(FindnaError):
    """A model, suite, task or component name that is not registered."""

    def __init__(self, kind: str, name: str, available: Iterable[str]):
        options = sorted(available)
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        listing = ", ".join(options) if len(options) <= 40 else ", ".join(options[:40]) + ", ..."
        super().__init__(f"unknown {kind} '{name}'.{hint} Available: {listing}")
        self.kind, self.name, self.close = kind, name, close
