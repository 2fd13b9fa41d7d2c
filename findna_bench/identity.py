"""A run's identity: what decides its numbers, not the bytes of the code that computed them.

A cell of the leaderboard, resume and ``--reuse-records`` key a run by its run id (model, task,
seed, resolved config) and this identity:

* the declared ``version`` of every component the run executes (backbone, task, the task's
  metrics; and, for a model that pretrains, the pretraining backbone, objective and
  augmentations) and of the engine's training and pretraining paths (``ENGINE_VERSIONS``).
  A version is bumped by whoever changes what the component computes; the golden-numerics tests
  (``tests/golden``) fail when the numbers move and the version does not. A component registered
  without a version (an outside plugin) is versioned by the hash of its source files instead;
* the sha256 of the task's data files, keyed by their path relative to the data root, so a
  record of other data is never resumed or pooled (the leaderboard gives it its own row);
* the sha256 of an explicitly given pretrained checkpoint (``--checkpoint``). Weights pretrained
  into the cache are identified by their recipe (in the config) and recorded by digest.

A refactor, a docstring or a split file keeps every identity; the source files' digests stay in
the record (``code.files``) as provenance. Never prints.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from findna_bench.data import checksums
from findna_bench.fingerprint import Fingerprinter, components, package_version
from findna_bench.paths import relative_to

# Bump when the engine's fine-tuning path (run/train.py, budget.py, accumulate.py, runner.py,
# model.py, dna.py, tasks.py, data/*) or the pretraining package computes different numbers.
ENGINE_VERSIONS = {"training": "1", "pretraining": "1"}


def identity_hash(versions: dict[str, str], data: dict[str, str], weights: str | None) -> str:
    """12 hex digits over what decides the numbers."""
    text = json.dumps(
        {"versions": versions, "data": data, "weights": weights},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Identifier:
    """Identities for one invocation: each data file is hashed once per process."""

    def __init__(self, catalog: Any, data_root: Path) -> None:
        self.catalog = catalog
        self.data_root = Path(data_root)
        self.files = Fingerprinter(catalog)  # provenance: the source files' digests

    def versions(self, config: dict, task: str, metrics: list[str]) -> dict[str, str]:
        out = {"engine:training": ENGINE_VERSIONS["training"]}
        if config.get("pretrain"):
            out["engine:pretraining"] = ENGINE_VERSIONS["pretraining"]
        for kind, name in components(config, task, metrics):
            entry = self.catalog.get(kind, name)
            out[f"{kind}:{name}"] = entry.version or "src-" + _source_hash(entry.sources)
        return dict(sorted(out.items()))

    def data(self, config: dict, task: str) -> dict[str, str]:
        """Relative path -> sha256 of each split file of the task present under the data root."""
        try:
            split_files = (
                self.catalog.get("task", task).factory(**config["task"]).split_files(self.data_root)
            )
        except Exception:  # a task that cannot be built fails later, with its reason
            return {}
        out = {}
        for path in split_files.values():
            if path is None or not Path(path).exists():
                continue
            out[relative_to(path, self.data_root)] = checksums.digest(Path(path))
        return dict(sorted(out.items()))

    def for_config(self, config: dict, task: str) -> dict:
        """The record's ``code`` block: ``fingerprint`` (the identity), ``versions``,
        ``data``, ``weights``, and the provenance ``files`` and package ``version``."""
        provenance = self.files.for_config(config, task)
        metrics = self.files.metrics(config, task)
        versions = self.versions(config, task, metrics)
        data = self.data(config, task)
        weights = _checkpoint_digest(config)
        return {
            "fingerprint": identity_hash(versions, data, weights),
            "versions": versions,
            "data": data,
            "weights": weights,
            "version": package_version(),
            "files": provenance["files"],
            "files_fingerprint": provenance["fingerprint"],
        }

    def for_spec(self, spec: Any) -> dict:
        return self.for_config(spec.config, spec.task)


def _source_hash(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for key, path in sorted(sources.items()):
        digest.update(key.encode() + b"\0" + Path(path).read_bytes())
    return digest.hexdigest()[:12]


def _checkpoint_digest(config: dict) -> str | None:
    checkpoint = (config.get("pretrain") or {}).get("checkpoint")
    if not checkpoint or not Path(checkpoint).is_file():
        return None
    return checksums.sha256(Path(checkpoint))
