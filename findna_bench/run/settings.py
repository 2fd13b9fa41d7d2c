"""Where a suite reads data, writes records and caches checkpoints, and how it treats the records
already there: the one set of settings that ``run``, ``run --dry-run`` and the cluster launchers
share, so each passes one value instead of five keywords. Never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class SuiteSettings:
    """``rerun``: run again even if recorded; ``reuse``: which records resume a run
    (``same-code`` or ``any-code``); ``cache_dir`` None: the user-level cache."""

    data_root: Path
    results: Path
    cache_dir: Path | None = None
    rerun: bool = False
    reuse: str = "same-code"
    sealed_test: bool = False  # runs store test predictions but no test number (``unseal``)

    def absolute(self) -> SuiteSettings:
        """The same settings with absolute paths, for a job that runs in another folder."""
        cache = Path(self.cache_dir).resolve() if self.cache_dir else None
        return replace(
            self,
            data_root=Path(self.data_root).resolve(),
            results=Path(self.results).resolve(),
            cache_dir=cache,
        )
