"""One run: (model, task, seed) under a profile, with its fully resolved config.

``run.config.expand`` makes them; the suite plans and runs them, the launcher pickles them into
cluster jobs, records are built from them, and plugin hooks receive them (``hookspecs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from findna_bench.config_keys import identity_view
from findna_bench.config_tree import config_hash


@dataclass(frozen=True, kw_only=True, slots=True)
class RunSpec:
    """One (model, task, seed) run with its fully resolved config (``sources``: which layer set
    each key, shown by ``run --dry-run --json``; not part of the run's identity)."""

    model: str
    task: str
    seed: int
    profile: str
    config: dict = field(hash=False, compare=False)
    sources: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def hash(self) -> str:
        """Over model, task, seed and the config (keys added later, at their default, left out:
        ``config_keys.identity_view``)."""
        config = identity_view(self.config)
        return config_hash(
            {"model": self.model, "task": self.task, "seed": self.seed, "config": config}
        )

    @property
    def run_id(self) -> str:
        model = re.sub(r"[^\w.-]+", "-", self.model)  # ad-hoc hf:<path> names hold / and :
        return f"{model}__{self.task.replace('/', '-')}__seed{self.seed}__{self.hash}"
