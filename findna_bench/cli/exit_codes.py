"""``run``'s exit status from what the suite did, observed through the lifecycle hooks.

0: every requested run ran and succeeded, was already recorded (resume), or is being run by
another process sharing the results folder (the suite named each holder). 1: at least one run of
this invocation failed (its failed record says why). 3: nothing was run, resumed or left to
another process (every named task unavailable). Bad input (2) is raised before any of this
starts.
"""

from __future__ import annotations

from typing import Any

from findna_bench import hookimpl
from findna_bench.errors import NothingToRun, RunsFailed


class SuiteTally:
    """A plugin counting the runs a suite started with, resumed, and finished."""

    def __init__(self) -> None:
        self.resumed = 0
        self.records: list[dict] = []

    @hookimpl
    def on_suite_start(self, specs: list[Any], skipped: list[Any]) -> None:
        self.resumed += len(skipped)

    @hookimpl
    def on_suite_end(self, records: list[dict]) -> None:
        self.records.extend(records)

    def verdict(self, results: Any, *, busy: int = 0) -> None:
        """Raise the error whose exit code says how the suite went (nothing when all is well);
        ``busy``: runs left to another process that holds their lock."""
        failed = [r for r in self.records if r.get("status") != "ok"]
        if failed:
            raise RunsFailed(
                f"{len(failed)} of {len(self.records)} run(s) failed; each failed record in "
                f"{results} gives the error (first: {str(failed[0].get('error', '?')).splitlines()[0][:200]})"
            )
        if not self.records and not self.resumed and not busy:
            raise NothingToRun(
                "nothing ran: no requested run had data (see the 'unavailable' lines) "
                "and none was already recorded"
            )
