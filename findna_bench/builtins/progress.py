"""Progress display as a plugin on the lifecycle hooks: rich bars on a terminal, plain lines
otherwise, nothing with ``quiet``. Registered by the CLI, not by the engine.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from findna_bench import hookimpl


def _main(record: dict) -> str:
    if record.get("status") != "ok":
        return f"FAILED: {record.get('error')}"
    metric = record["main_metric"]
    return (f"test {metric} {record['metrics']['test'][metric]:.4f} (valid "
            f"{record['metrics']['valid'].get(metric, float('nan')):.4f}, epoch {record['best_epoch']:.2f}, "
            f"{record['wall_seconds']:.1f}s)")


class ProgressPlugin:
    def __init__(self, console: Console, *, live: bool, quiet: bool) -> None:
        self.console, self.live, self.quiet = console, live and not quiet, quiet
        self.progress: Progress | None = None
        self.suite_bar = self.step_bar = None

    @hookimpl
    def on_suite_start(self, specs: list, skipped: list) -> None:
        if self.quiet:
            return
        if skipped:
            self.console.print(f"resume: {len(skipped)} run(s) already recorded, {len(specs)} to run")
        if self.live:
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                                     console=self.console, transient=False)
            self.progress.start()
            self.suite_bar = self.progress.add_task("suite", total=len(specs), info="")

    @hookimpl
    def on_run_start(self, spec) -> None:  # noqa: ANN001
        if self.progress:
            if self.step_bar is not None:
                self.progress.remove_task(self.step_bar)
            self.step_bar = self.progress.add_task(f"{spec.model} {spec.task} s{spec.seed}", total=None, info="")

    @hookimpl
    def on_train_step(self, spec, stage: str, step: int, total_steps: int, metrics: dict) -> None:  # noqa: ANN001
        if self.progress and self.step_bar is not None:
            info = " ".join(f"{k} {v:.4g}" for k, v in metrics.items())
            self.progress.update(self.step_bar, total=total_steps, completed=step, info=f"{stage} {info}")

    @hookimpl
    def on_run_end(self, spec, record: dict) -> None:  # noqa: ANN001
        if self.quiet:
            return
        line = f"{spec.model} {spec.task} seed {spec.seed}: {_main(record)}"
        if self.progress:
            self.progress.console.print(line)
            self.progress.advance(self.suite_bar)
        else:
            self.console.print(line)

    @hookimpl
    def on_suite_end(self, records: list) -> None:
        if self.progress:
            self.progress.stop()
            self.progress = None
