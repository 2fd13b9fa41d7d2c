"""What a plan will cost before it starts: each pretraining it needs, and its wall time.

For every pretraining recipe the runs to do use: a cache hit (``final.pt`` of the recipe's
hash), a given ``--checkpoint``, or a pretraining that will run (resuming ``last.pt`` when one
is there), with its steps and an estimate from earlier records of the same model on this host
whose pretraining had the same batch size and window (their seconds per step times the steps).

Each run to do is estimated from the earlier ``ok`` records on this host, in order:

1. the same cell (model, task and resolved config, any seed): their mean fine-tuning wall time;
2. the same model and profile on other tasks: their mean seconds per training row times this
   task's training rows (the train split, less the validation carve, capped by ``max_train``);
3. else unknown, and the line says so.

A record's fine-tuning wall time leaves out the pretraining it ran on a cache miss. Never
prints: ``Cost.line`` and ``Cost.as_dict`` are for the caller.
"""

from __future__ import annotations

import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from findna_bench.config_keys import identity_view
from findna_bench.config_tree import config_hash
from findna_bench.data import tables
from findna_bench.errors import FindnaError
from findna_bench.pretrain import checkpoint
from findna_bench.pretrain.cache import recipe_dir
from findna_bench.pretrain.recipe import recipe_hash, recipe_of
from findna_bench.runspec import RunSpec
from findna_bench.types import SplitReaderTask

SAME_CELL = "same cell"
SCALED = "same model, other tasks, scaled by training rows"
UNKNOWN = "unknown"


@dataclass(kw_only=True)
class Pretraining:
    """One recipe the plan's runs pretrain from, and what getting its weights costs."""

    models: list[str]
    recipe_hash: str
    steps: int
    path: str
    state: str  # "cache hit" | "given checkpoint" | "will run" | "will resume"
    seconds: float | None = None  # estimated, when it will run and a basis exists
    basis: str = ""

    def describe(self) -> str:
        who = ",".join(self.models)
        if self.state in ("cache hit", "given checkpoint"):
            return (
                f"{who}: {self.state} (recipe {self.recipe_hash}, {self.steps} steps, {self.path})"
            )
        estimate = (
            f"~{clock(self.seconds)} ({self.basis})" if self.seconds is not None else "unknown"
        )
        return f"{who}: {self.state} (recipe {self.recipe_hash}, {self.steps} steps, {estimate})"


@dataclass(frozen=True, kw_only=True)
class RunCost:
    """One run to do: its model, estimated seconds (None: unknown) and their basis."""

    model: str
    seconds: float | None
    basis: str


@dataclass(kw_only=True)
class Cost:
    """The plan's pretrainings and its runs to do, by run id."""

    host: str
    pretrainings: list[Pretraining] = field(default_factory=list)
    runs: dict[str, RunCost] = field(default_factory=dict)

    @property
    def known_seconds(self) -> float:
        runs = sum(r.seconds for r in self.runs.values() if r.seconds is not None)
        return runs + sum(p.seconds or 0.0 for p in self.pretrainings)

    @property
    def unknown(self) -> int:
        """Runs and pretrainings to do whose time has no basis."""
        runs = sum(r.seconds is None for r in self.runs.values())
        todo = [p for p in self.pretrainings if p.state.startswith("will")]
        return runs + sum(p.seconds is None for p in todo)

    def by_model(self) -> dict[str, str]:
        """Model -> ``3 runs ~4m10s (2 same cell, 1 scaled from other tasks)``."""
        out = {}
        for model in dict.fromkeys(r.model for r in self.runs.values()):
            runs = [r for r in self.runs.values() if r.model == model]
            out[model] = f"{len(runs)} run{'' if len(runs) == 1 else 's'} {summary(runs)}"
        return out

    def line(self) -> str:
        """``cost: pretraining M: ...; runs: M N runs ~T (bases), ...; wall time ~T on HOST``."""
        parts = [f"pretraining {p.describe()}" for p in self.pretrainings]
        models = self.by_model()
        parts.append(
            "runs: " + ", ".join(f"{m} {said}" for m, said in models.items())
            if models
            else "no run to do"
        )
        total = clock(self.known_seconds)
        if not self.unknown:
            parts.append(f"wall time ~{total} on {self.host}")
        elif self.known_seconds:
            parts.append(
                f"wall time at least {total} on {self.host} ({self.unknown} without an estimate)"
            )
        else:
            parts.append(f"wall time unknown (no earlier record of these models on {self.host})")
        return "cost: " + "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "estimated_seconds": round(self.known_seconds, 1),
            "unknown": self.unknown,
            "pretraining": [asdict(p) for p in self.pretrainings],
            "models": self.by_model(),
            "runs": {
                run_id: {
                    "seconds": None if r.seconds is None else round(r.seconds, 1),
                    "basis": r.basis,
                }
                for run_id, r in self.runs.items()
            },
        }


def clock(seconds: float | None) -> str:
    """``1h02m``, ``3m05s`` or ``42s``."""
    if seconds is None:
        return "?"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def summary(runs: list[RunCost]) -> str:
    """``~4m10s (2 same cell, 1 scaled from other tasks)``, or ``unknown``."""
    known = [r.seconds for r in runs if r.seconds is not None]
    if not known:
        return "unknown"
    labels = (("same cell", SAME_CELL), ("scaled from other tasks", SCALED), ("unknown", UNKNOWN))
    counts = [(label, sum(r.basis == basis for r in runs)) for label, basis in labels]
    return f"~{clock(sum(known))} ({', '.join(f'{n} {label}' for label, n in counts if n)})"


def finetune_seconds(record: dict) -> float:
    """A record's wall time less any pretraining it ran or loaded."""
    profile = (record.get("time_profile") or {}).get("seconds") or {}
    pretrained = record.get("pretrained") or {}
    if "pretraining" in profile:
        spent = float(profile["pretraining"])
    else:
        spent = 0.0 if pretrained.get("cache_hit", True) else pretrained.get("pretrain_seconds", 0)
    return max(0.0, float(record["wall_seconds"]) - float(spent))


def host_records(records: Sequence[dict], host: str) -> list[dict]:
    """The ok records made on ``host`` with a wall time and a config (others are skipped)."""
    return [
        r
        for r in records
        if r.get("status") == "ok"
        and isinstance(r.get("wall_seconds"), (int, float))
        and isinstance(r.get("config"), dict)
        and isinstance(r.get("environment"), dict)
        and r["environment"].get("host") == host
    ]


def train_rows(spec: RunSpec, ctx: Any) -> int | None:
    """The rows a run trains on (train split, less the validation carve when the task has no
    dev split, capped by ``max_train``), read from the data root; None if it cannot be read."""
    try:
        task = ctx.catalog.get("task", spec.task).factory(**spec.config["task"])
        files = task.split_files(ctx.data_root)
        reader = task.read_split if isinstance(task, SplitReaderTask) else tables.read_rows
        rows = len(reader(Path(files["train"])))
    except (FindnaError, OSError, KeyError, TypeError, ValueError):
        return None
    if files.get("valid") is None:
        rows -= round(rows * spec.config["data"]["valid_fraction"])
    cap = spec.config["finetune"].get("max_train")
    return min(rows, cap) if cap else rows


@dataclass(kw_only=True)
class Basis:
    """This host's ok records, indexed: fine-tuning seconds per cell (model, task, config hash)
    and seconds per training row per (model, profile); and the training rows of each task read
    so far (a task's seeds read its file once)."""

    cells: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    rates: dict[tuple[str, str | None], list[float]] = field(default_factory=dict)
    rows: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def of(cls, records: list[dict]) -> Basis:
        basis = cls()
        for r in records:
            seconds = finetune_seconds(r)
            cell = (r["model"], r["task"], config_hash(identity_view(r["config"])))
            basis.cells.setdefault(cell, []).append(seconds)
            rows = ((r.get("data") or {}).get("sizes") or {}).get("train")
            if rows:
                basis.rates.setdefault((r["model"], r.get("profile")), []).append(seconds / rows)
        return basis

    def run(self, spec: RunSpec, ctx: Any) -> RunCost:
        """The estimate of one run to do."""
        same = self.cells.get((spec.model, spec.task, config_hash(identity_view(spec.config))))
        if same:
            return RunCost(model=spec.model, seconds=statistics.mean(same), basis=SAME_CELL)
        rates = self.rates.get((spec.model, spec.profile))
        if not rates:
            return RunCost(model=spec.model, seconds=None, basis=UNKNOWN)
        cfg = spec.config
        key = config_hash([spec.task, cfg["task"], cfg["data"], cfg["finetune"].get("max_train")])
        if key not in self.rows:
            self.rows[key] = train_rows(spec, ctx)
        rows = self.rows[key]
        if rows is None:
            return RunCost(model=spec.model, seconds=None, basis=UNKNOWN)
        return RunCost(model=spec.model, seconds=statistics.mean(rates) * rows, basis=SCALED)


def pretraining(specs: list[RunSpec], records: list[dict], cache_dir: Path) -> list[Pretraining]:
    """One entry per pretraining recipe the runs to do need, in order."""
    out: dict[str, Pretraining] = {}
    for spec in specs:
        cfg = dict(spec.config.get("pretrain") or {})
        if not cfg:
            continue
        given = cfg.pop("checkpoint", None)
        recipe = recipe_of(cfg)
        key = f"given:{given}" if given else recipe_hash(recipe)
        if key in out:
            if spec.model not in out[key].models:
                out[key].models.append(spec.model)
            continue
        folder = recipe_dir(cache_dir, cfg)
        entry = Pretraining(
            models=[spec.model],
            recipe_hash=recipe_hash(recipe),
            steps=int(recipe["steps"]),
            path=str(given or folder / checkpoint.FINAL),
            state="will run",
        )
        if given:
            entry.state = "given checkpoint"
        elif (folder / checkpoint.FINAL).exists():
            entry.state = "cache hit"
        else:
            if (folder / checkpoint.LAST).exists():
                entry.state = "will resume"
            entry.seconds, entry.basis = pretrain_estimate(spec.model, recipe, records)
        out[key] = entry
    return list(out.values())


def pretrain_estimate(model: str, recipe: dict, records: list[dict]) -> tuple[float | None, str]:
    """Seconds for ``recipe``'s steps at the seconds per step of this model's earlier
    pretrainings (on this host) of the same batch size and window, each checkpoint once."""
    seen: dict[str, float] = {}
    for r in records:
        p = r.get("pretrained") or {}
        budget = p.get("budget") or {}
        if (
            r["model"] == model
            and p.get("steps")
            and p.get("pretrain_seconds")
            and budget.get("batch_size") == recipe["batch_size"]
            and budget.get("window") == recipe["data"].get("length")
        ):
            seen[str(p.get("checkpoint") or p.get("recipe_hash"))] = (
                p["pretrain_seconds"] / p["steps"]
            )
    if not seen:
        return None, UNKNOWN
    n = len(seen)
    basis = f"from {n} earlier pretraining{'' if n == 1 else 's'} of {model}"
    return statistics.mean(seen.values()) * recipe["steps"], basis


def estimate(plan: Any, ctx: Any, records: Sequence[dict]) -> Cost:
    """The cost of ``plan``'s runs to do (``suite.Plan``), from ``records`` of the results
    folder; ``ctx`` gives the catalog, data root and cache (``runner.RunContext``)."""
    host = platform.node()
    mine = host_records(records, host)
    cost = Cost(host=host, pretrainings=pretraining(plan.todo, mine, Path(ctx.cache_dir)))
    basis = Basis.of(mine)
    cost.runs = {spec.run_id: basis.run(spec, ctx) for spec in plan.todo}
    return cost
