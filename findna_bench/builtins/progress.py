"""Progress display as a builtin plugin on the lifecycle hooks: rich bars on a terminal, plain
lines otherwise, nothing with ``quiet``. Registered with every plugin manager (``plugins.py``) and
silent until a command points it at a console (``configure``), so the engine never prints.
Used by ``run`` (suite, run and step bars) and ``pretrain`` (``on_train_step`` with no spec:
one bar, or one line per logged step, showing whatever metrics the objective returns).

Data rows changed under the ``warn`` policy get one summary line per split (also with
``quiet``: they are warnings), once per task and data config.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from findna_bench import hookimpl
from findna_bench.data.policy import DEFAULTS

WARN_EFFECT = {
    "invalid_chars": "dropped (invalid characters)",
    "lowercase": "upper-cased",
    "empty": "dropped (empty)",
    "too_long": "dropped (too long)",
    "unknown_label": "dropped (unknown label)",
}


def warn_lines(record: dict) -> list[str]:
    """One line per split whose rows the ``warn`` policy changed, with the counts."""
    data = record.get("data") or {}
    overrides = ((record.get("config") or {}).get("data") or {}).get("policy") or {}
    actions = {**DEFAULTS, **overrides}
    lines = []
    for split, counts in (data.get("validation") or {}).items():
        if split == "leakage":
            shared = counts.get("train_test_duplicates", 0)
            if shared and actions["leakage"] == "warn":
                lines.append(
                    f"data warning: {record.get('task')}: {shared} sequence(s) in both train and "
                    "test, kept (data.policy.leakage=warn)"
                )
            continue
        changed = [
            f"{counts[rule]} {WARN_EFFECT[rule]}"
            for rule in WARN_EFFECT
            if counts.get(rule) and actions.get(rule) == "warn"
        ]
        if changed:
            lines.append(
                f"data warning: {record.get('task')} {split}: {', '.join(changed)} "
                f"(rows {counts.get('rows_in')} -> {counts.get('rows_out')}; data.policy=warn)"
            )
    return lines


def _main(record: dict) -> str:
    if record.get("status") != "ok":
        return f"FAILED: {record.get('error')}"
    metric = record["main_metric"]
    return (
        f"test {metric} {record['metrics']['test'][metric]:.4f} (valid "
        f"{record['metrics']['valid'].get(metric, float('nan')):.4f}, epoch {record['best_epoch']:.2f}, "
        f"{record['wall_seconds']:.1f}s)"
    )


def metrics_text(metrics: dict) -> str:
    return " ".join(f"{k} {v:.4g}" for k, v in metrics.items())


class ProgressPlugin:
    def __init__(
        self, console: Console | None = None, *, live: bool = False, quiet: bool = False
    ) -> None:
        self.progress: Progress | None = None
        self.suite_bar = self.step_bar = None
        self.configure(console, live=live, quiet=quiet)

    def configure(
        self, console: Console | None, *, live: bool = False, quiet: bool = False
    ) -> None:
        """Show progress on ``console`` (None: silent, the default), as bars when ``live``."""
        self.stop()
        self.console, self.live, self.quiet = console, live and not quiet, quiet or console is None
        self.warned: set[tuple] = set()

    def stop(self) -> None:
        if self.progress:
            self.progress.stop()
        self.progress, self.suite_bar, self.step_bar = None, None, None

    def _bars(self) -> Progress:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        return self.progress

    @hookimpl
    def on_suite_start(self, specs: list, skipped: list) -> None:
        if self.quiet:
            return
        if skipped:
            self.console.print(
                f"resume: {len(skipped)} run(s) already recorded, {len(specs)} to run"
            )
        if self.live:
            self.suite_bar = self._bars().add_task("suite", total=len(specs), info="")

    @hookimpl
    def on_run_start(self, spec) -> None:
        if self.progress:
            if self.step_bar is not None:
                self.progress.remove_task(self.step_bar)
            self.step_bar = self.progress.add_task(
                f"{spec.model} {spec.task} s{spec.seed}", total=None, info=""
            )

    @hookimpl
    def on_train_step(self, spec, stage: str, step: int, total_steps: int, metrics: dict) -> None:
        if spec is None:
            self._pretrain_step(step, total_steps, metrics)
        elif self.progress and self.step_bar is not None:
            info = metrics_text(metrics)
            self.progress.update(
                self.step_bar, total=total_steps, completed=step, info=f"{stage} {info}"
            )

    def _pretrain_step(self, step: int, total_steps: int, metrics: dict) -> None:
        """``findna-bench pretrain``: one bar, or a plain line per logged step."""
        if self.quiet:
            return
        if not self.live:
            self.console.print(
                f"pretrain step {step}/{total_steps} {metrics_text(metrics)}", highlight=False
            )
            return
        if self.step_bar is None:
            self.step_bar = (self.progress or self._bars()).add_task(
                "pretrain", total=None, info=""
            )
        self.progress.update(
            self.step_bar, completed=step, total=total_steps, info=metrics_text(metrics)
        )

    def _say(self, line: str) -> None:
        console = self.progress.console if self.progress else self.console
        console.print(line, markup=False, highlight=False)

    def _warn_data(self, record: dict) -> None:
        if self.console is None:
            return
        key = (record.get("task"), repr((record.get("config") or {}).get("data")))
        if key not in self.warned:
            self.warned.add(key)
            for line in warn_lines(record):
                self._say(line)

    @hookimpl
    def on_run_end(self, spec, record: dict) -> None:
        self._warn_data(record)
        if self.quiet:
            return
        self._say(f"{spec.model} {spec.task} seed {spec.seed}: {_main(record)}")
        if self.progress:
            self.progress.advance(self.suite_bar)

    @hookimpl
    def on_suite_end(self, records: list) -> None:
        self.stop()
