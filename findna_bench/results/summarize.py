"""A benchmark README's generated blocks, each written from the records alone.

``Summary`` holds the records of one results folder and renders a block (``markers.Block``) by
its name, through the functions the commands use: ``leaderboard`` (``leaderboard --references
-f md``), ``intervals`` (``leaderboard --ci``), ``compare A B`` (``compare A B -f md``) and
``compare-summary A B`` (its mean over tasks and verdict), ``training`` (``training -f md``, or
``training by-task``), ``leakage`` (the audit the records carry, per task), ``certificate``
(``certificate.md`` beside the records), ``cost``, ``targets`` (declared in the marker,
``targets.py``) and the facts of ``summary_facts``: ``status``, ``setup``, ``pretraining``,
``stops``; ``paired-valid OTHER`` (this folder's runs against the same runs of another
folder, validation split only: ``paired_valid``); ``sweeps`` (``sweeps.json``: each sweep's
points, validation means and choice; ``sweeps by-task``: every swept run's validation score); ``speed FILE`` (a ``findna-bench speed --json`` report, relative to the results
folder); and ``config-keys``, the one block not read from the records: the engine's config keys
from their declaration (``findna_bench.config_keys``). Bootstrap seeds are fixed (0, the
commands' default), so the same records always give the same text. Pure: returns strings,
prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from findna_bench import config_keys
from findna_bench.errors import ConfigError
from findna_bench.results import (
    comparison_table,
    paired_valid,
    pretraining_seeds,
    rescore,
    speed_table,
    stopping,
    summary_facts,
    sweep,
    targets,
)
from findna_bench.results import time_profile as phases
from findna_bench.results.comparison import Comparison, compare
from findna_bench.results.intervals import intervals, with_intervals
from findna_bench.results.leaderboard import Board, build, tidy, to_markdown, usable
from findna_bench.results.markers import Block
from findna_bench.results.references import board_markdown, load, with_references
from findna_bench.results.report_leakage import leakage_table
from findna_bench.results.store import ResultsStore
from findna_bench.results.training import formatted, training_table

CERTIFICATE_MD = "certificate.md"
N_BOOT = 10_000
SEED = 0


def _notes(board: Board) -> str:
    return "".join(f"\n{note}" for note in board.notes)


class Summary:
    """The records of ``results`` and the blocks a README can ask of them."""

    def __init__(
        self,
        records: list[dict],
        *,
        results: Path,
        resolve: Callable,
        catalog: Any = None,
        data_root: Path | None = None,
    ) -> None:
        self.records = [r for r in records if usable(r)]
        self.results = Path(results)
        self.resolve = resolve
        self.catalog, self.data_root = catalog, data_root  # for blocks that read the data
        self._comparisons: dict[tuple[str, str], Comparison] = {}
        self.blocks: dict[str, tuple[int, Callable[..., str]]] = {  # name -> (arguments, render)
            "status": (0, lambda: summary_facts.status(self.records)),
            "setup": (0, lambda: summary_facts.setup(self.records)),
            "pretraining": (0, lambda: summary_facts.pretraining(self.records)),
            "stops": (0, lambda: summary_facts.stops(self.records)),
            "cost": (0, lambda: summary_facts.cost(self.records)),
            "runs": (0, self.runs),
            "gap": (2, self.gap),
            "leaderboard": (0, self.leaderboard),
            "intervals": (0, self.intervals),
            "compare": (2, lambda a, b: comparison_table.markdown(self.comparison(a, b))),
            "compare-summary": (2, self.compare_summary),
            "training": (-1, self.training_block),
            "leakage": (0, self.leakage),
            "certificate": (0, self.certificate),
            "stopping": (0, self.stopping_block),
            "dedup": (0, self.dedup),
            "pretraining-seeds": (-1, self.pretraining_seeds_block),
            "config-keys": (0, config_keys.markdown),
            "speed": (1, lambda file: speed_table.markdown(self.results / file)),
            "sweeps": (-1, self.sweeps_block),
            "paired-valid": (
                1,
                lambda other: paired_valid.markdown(self.records, self.results / other),
            ),
        }

    def render(self, block: Block) -> str:
        """The content of ``block``; one line when its name or arguments are wrong."""
        if block.name == "targets":
            return targets.table(block.spec, self)
        if block.name not in self.blocks:
            known = ", ".join(sorted([*self.blocks, "targets"]))
            raise ConfigError(f"<!-- summarize:{block.title} -->: unknown block; known: {known}")
        count, render = self.blocks[block.name]
        if count >= 0 and len(block.args) != count:
            raise ConfigError(
                f"<!-- summarize:{block.title} -->: {block.name} takes {count} argument(s)"
            )
        return render(*block.args)

    @cached_property
    def board(self):
        """Our leaderboard with the published rows (``leaderboard --references``)."""
        return with_references(self.records, load())

    @cached_property
    def training(self) -> pd.DataFrame:
        return training_table(self.records)

    def comparison(self, a: str, b: str) -> Comparison:
        if (a, b) not in self._comparisons:
            self._comparisons[(a, b)] = compare(
                self.records,
                a,
                b,
                results_root=self.results,
                resolve=self.resolve,
                n_boot=N_BOOT,
                seed=SEED,
            )
        return self._comparisons[(a, b)]

    def leaderboard(self) -> str:
        board, used = self.board
        return board_markdown(board, used) + _notes(board)

    def intervals(self) -> str:
        board = build(self.records)
        found = intervals(
            self.records, results_root=self.results, resolve=self.resolve, n_boot=N_BOOT, seed=SEED
        )
        board = with_intervals(board, found)
        return to_markdown(board.table) + _notes(board)

    def compare_summary(self, a: str, b: str) -> str:
        result = self.comparison(a, b)
        return f"> {comparison_table.across_line(result)}\n>\n> {result.verdict}"

    def sweeps_block(self, *args: str) -> str:
        """``sweeps`` (the choices of ``sweeps.json``) or ``sweeps by-task`` (every swept
        run's validation score)."""
        if args not in ((), ("by-task",)):
            raise ConfigError("<!-- summarize:sweeps -->: takes no argument or by-task")
        return sweep.by_task_markdown(self.records) if args else sweep.markdown(self.results)

    def training_block(self, *args: str) -> str:
        """``training``, ``training by-task`` or ``training time-profile`` (where the wall time
        went, per model: ``training --time-profile``)."""
        if args not in ((), ("by-task",), ("time-profile",)):
            raise ConfigError(
                "<!-- summarize:training -->: takes no argument, by-task or time-profile"
            )
        if args == ("time-profile",):
            return to_markdown(phases.formatted(phases.time_profile_table(self.records)))
        table = self.training if not args else training_table(self.records, by_task=True)
        return to_markdown(formatted(table))

    def dedup(self) -> str:
        """The runs re-scored on the de-duplicated test split (``rescore``); needs the data."""
        if self.data_root is None or not Path(self.data_root).is_dir():
            raise ConfigError(
                f"<!-- summarize:dedup -->: re-scoring reads the test splits; no data root at "
                f"{self.data_root}: pass --data-root DIR or set FINDNA_BENCH_DATA"
            )
        rescorer = rescore.Rescorer(self.catalog, self.data_root, self.results)
        return rescore.markdown(rescorer.table(self.records))

    def pretraining_seeds_block(self, model: str = "", *more: str) -> str:
        """Pretraining-seed spread beside fine-tuning-seed spread of ``model``; ``more``: other
        result folders (relative to this one) whose records join, e.g. the default seed's."""
        if not model:
            raise ConfigError(
                "<!-- summarize:pretraining-seeds MODEL [FOLDER ...] -->: name a model"
            )
        records = list(self.records)
        for folder in more:
            extra, _ = ResultsStore(self.results / folder).read_all()
            records += [r for r in extra if usable(r)]
        return pretraining_seeds.markdown(pretraining_seeds.spread(records, model))

    def stopping_block(self) -> str:
        """``findna-bench stopping``'s table: smaller rules replayed on the validation curves."""
        return to_markdown(stopping.shown(stopping.table(self.records, *stopping.GRID)))

    def runs(self) -> str:
        """Two sentences: how the runs stopped and what they took."""
        return f"{summary_facts.stop_line(self.records)} {summary_facts.elapsed_line(self.records)}"

    def gap(self, a: str, b: str) -> str:
        """Row ``a`` minus the row starting with ``b`` (ours or published), per task, largest
        first; and ``a``'s best seed per task averaged (chosen on test: a ceiling, not a score)."""
        cells = self.board[0].cells
        labels = list(dict.fromkeys(cells["row"]))
        found = [
            next((x for x in labels if x == name or x.startswith(name + " ")), None)
            for name in (a, b)
        ]
        if None in found:
            raise ConfigError(f"<!-- summarize:gap {a} {b} -->: rows are {', '.join(labels)}")
        means = cells.pivot_table(index="task", columns="row", values="mean")
        gaps = 100 * (means[found[0]] - means[found[1]]).dropna().sort_values(ascending=False)
        frame = tidy(self.records)
        best = frame[(frame.row == a) & (frame.status == "ok")].groupby("task")["value"].max()
        return (
            f"{a} − {found[1]} per task (×100): "
            + ", ".join(f"{task.split('/')[-1]} {v:+.2f}" for task, v in gaps.items())
            + f". The best of {a}'s seeds on each task, chosen on test (a ceiling, not a score), "
            f"averages {100 * best.mean():.2f} over {len(best)} tasks."
        )

    def leakage(self) -> str:
        """The audit per task where the records carry it; for records written before the audit,
        the one count they have (test rows that are training sequences)."""
        audited, _ = leakage_table(self.records)
        older: dict[str, set] = {}
        for r in self.records:
            block = ((r.get("data") or {}).get("validation") or {}).get("leakage") or {}
            if "exact" not in block and r["task"] not in set(audited["task"]):
                older.setdefault(r["task"], set()).add(block.get("train_test_duplicates", "-"))
        parts = []
        if not audited.empty:
            parts.append(to_markdown(audited.set_index("task")))
        if older:
            frame = pd.DataFrame(
                {
                    "test=train (records before the full audit)": [
                        ", ".join(map(str, sorted(v, key=str))) for v in older.values()
                    ]
                },
                index=pd.Index(list(older), name="task"),
            ).sort_index()
            parts.append(to_markdown(frame))
        return "\n\n".join(parts) or "No record carries a leakage count."

    def certificate(self) -> str:
        path = self.results / CERTIFICATE_MD
        if not path.is_file():
            return f"No `{CERTIFICATE_MD}` beside these records: `findna-bench certify` writes one."
        lines = path.read_text().strip().splitlines()
        return "\n".join("##" + line if line.startswith("#") else line for line in lines)
