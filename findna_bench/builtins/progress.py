"""Progress display as a builtin plugin on the lifecycle hooks: rich bars on a terminal, plain
lines otherwise, nothing with ``quiet``. Registered with every plugin manager (``plugins.py``) and
silent until a command points it at a console (``configure``), so the engine never prints.

``run`` on a terminal: a suite bar (runs done, suite ETA) and a bar for the run in progress
(stage, epoch, loss, the last validation main metric with the best so far, run ETA). Not on a
terminal (make, nohup, SLURM logs): one line per validation, e.g. ``cnn gue/mouse_0 s0 step
450/3000 ep 11.00 valid mcc 0.512 (best 0.530 @400) | run ETA 2m10s | suite 5/39 ETA 1h02m``
(``suite k/n``: the run in progress is the k-th of the n this invocation runs), a line per tenth
of a pretraining done inside a run, and one line per finished run. ETAs: ``eta.py``.
``pretrain`` (``on_train_step`` with no spec): one bar, or one line per logged step.

Also said once per invocation: where each run's pretrained weights came from (cache hit, given
checkpoint, or pretrained now, with steps and time), and data rows changed under the ``warn``
policy, one summary line per split (also with ``quiet``: they are warnings).
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from findna_bench import hookimpl
from findna_bench.builtins.eta import PRETRAIN, RunClock, SuiteClock, duration
from findna_bench.builtins.progress_text import (
    Validation,
    metrics_text,
    pretrained_line,
    result_text,
    warn_lines,
)


def _where(spec) -> str:
    return f"{spec.model} {spec.task} s{spec.seed}"


class ProgressPlugin:
    def __init__(
        self, console: Console | None = None, *, live: bool = False, quiet: bool = False
    ) -> None:
        self.progress: Progress | None = None
        self.suite_bar = self.step_bar = None
        self.configure(console, live=live, quiet=quiet)

    def configure(
        self,
        console: Console | None,
        *,
        live: bool = False,
        quiet: bool = False,
        higher_is_better: dict[str, bool] | None = None,
    ) -> None:
        """Show progress on ``console`` (None: silent, the default), as bars when ``live``;
        ``higher_is_better`` gives each metric's direction (default: higher is better)."""
        self.stop()
        self.console, self.live, self.quiet = console, live and not quiet, quiet or console is None
        self.higher = higher_is_better or {}
        self.warned: set[tuple] = set()
        self.checkpoints: set[str] = set()
        self.suite: SuiteClock | None = None
        self.run: RunClock | None = None
        self.valid: Validation | None = None
        self.epoch: float | None = None
        self.metrics: dict = {}  # the last step's loss, lr...
        self.pretrain_logged = 0  # tenths of a pretraining inside a run already logged

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

    def _say(self, line: str) -> None:
        console = self.progress.console if self.progress else self.console
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    # --- suite and run ------------------------------------------------------------------------

    @hookimpl
    def on_suite_start(self, specs: list, skipped: list) -> None:
        if self.quiet:
            return
        self.suite = SuiteClock(total=len(specs), last_end=time.monotonic())
        if skipped:
            self._say(f"resume: {len(skipped)} run(s) already recorded, {len(specs)} to run")
        if self.live:
            self.suite_bar = self._bars().add_task("suite", total=len(specs), info="ETA ?")

    @hookimpl
    def on_run_start(self, spec) -> None:
        if self.quiet:
            return
        self.run = RunClock(started=time.monotonic())
        self.valid, self.epoch, self.metrics, self.pretrain_logged = None, None, {}, 0
        if self.progress:
            if self.step_bar is not None:
                self.progress.remove_task(self.step_bar)
            self.step_bar = self.progress.add_task(_where(spec), total=None, info="")

    def _etas(self, now: float) -> str:
        """``run ETA 2m10s | suite 5/39 ETA 1h02m`` (the run in progress is the 5th of 39)."""
        suite, run = self.suite, self._run_eta(now)
        if suite is None:
            return run
        position = min(suite.finished + (self.run is not None), suite.total)
        return f"{run} | suite {position}/{suite.total} ETA {duration(suite.left(self.run, now))}"

    def _run_eta(self, now: float) -> str:
        label = "pretrain ETA" if self.run.stage == PRETRAIN else "run ETA"
        return f"{label} {duration(self.run.stage_left(now))}"

    @hookimpl
    def on_run_end(self, spec, record: dict) -> None:
        self._warn_data(record)
        if self.quiet:
            return
        now, pretrained = time.monotonic(), record.get("pretrained") or {}
        if self.suite is not None:
            fresh = not pretrained.get("cache_hit", True)
            self.suite.run_ended(now, pretrained.get("pretrain_seconds", 0.0) if fresh else 0.0)
        self.run = None
        line = pretrained_line(record)
        if line and pretrained["checkpoint"] not in self.checkpoints:
            self.checkpoints.add(pretrained["checkpoint"])
            self._say(line)
        self._say(f"{spec.model} {spec.task} seed {spec.seed}: {result_text(record)}")
        if self.progress and self.suite_bar is not None:
            self.progress.update(self.suite_bar, advance=1, info=f"ETA {self._suite_eta(now)}")

    def _suite_eta(self, now: float) -> str:
        return duration(self.suite.left(self.run, now)) if self.suite else "?"

    @hookimpl
    def on_suite_end(self, records: list) -> None:
        self.stop()

    # --- steps and evaluations ----------------------------------------------------------------

    @hookimpl
    def on_train_step(self, spec, stage: str, step: int, total_steps: int, metrics: dict) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        self.run = self.run or RunClock(started=now)  # `findna-bench pretrain`: no run start
        self.run.report(stage, step, total_steps, now)
        self.epoch = metrics.get("epoch", self.epoch) if stage != PRETRAIN else None
        self.metrics = metrics
        if spec is None:
            self._pretrain_step(step, total_steps, metrics, now)
        elif self.progress and self.step_bar is not None:
            self._update_bars(stage, step, total_steps, metrics, now)
        elif not self.live and stage == PRETRAIN:
            self._pretrain_in_run(spec, step, total_steps, metrics, now)

    def _update_bars(self, stage: str, step: int, total: int, metrics: dict, now: float) -> None:
        """The run bar: stage, epoch, loss and lr, last validation (best), run ETA."""
        shown = {k: v for k, v in metrics.items() if k != "epoch"}
        parts = [stage + (f" ep {self.epoch:.2f}" if self.epoch is not None else "")]
        parts[0] += f" {metrics_text(shown)}"
        if self.valid is not None and stage != PRETRAIN:
            parts.append(self.valid.text())
        parts.append(self._run_eta(now))
        self.progress.update(self.step_bar, total=total, completed=step, info=" | ".join(parts))
        if self.suite_bar is not None:
            self.progress.update(self.suite_bar, info=f"ETA {self._suite_eta(now)}")

    def _pretrain_in_run(self, spec, step: int, total: int, metrics: dict, now: float) -> None:
        """Plain output: one line per tenth of a pretraining done inside a run."""
        tenth = step * 10 // max(1, total)
        if tenth <= self.pretrain_logged:
            return
        self.pretrain_logged = tenth
        self._say(
            f"{_where(spec)} pretrain step {step}/{total} {metrics_text(metrics)} | "
            f"{self._etas(now)}"
        )

    def _pretrain_step(self, step: int, total: int, metrics: dict, now: float) -> None:
        """``findna-bench pretrain``: one bar, or a plain line per logged step."""
        eta = f"ETA {duration(self.run.stage_left(now))}"
        if not self.live:
            self._say(f"pretrain step {step}/{total} {metrics_text(metrics)} | {eta}")
            return
        if self.step_bar is None:
            self.step_bar = (self.progress or self._bars()).add_task(
                "pretrain", total=None, info=""
            )
        info = f"{metrics_text(metrics)} | {eta}"
        self.progress.update(self.step_bar, completed=step, total=total, info=info)

    @hookimpl
    def on_evaluate(self, spec, stage: str, split: str, metrics: dict) -> None:
        """A validation: remember it (and the best so far); a plain line when not live."""
        if self.quiet or split != "valid" or not metrics or self.run is None:
            return
        main = next(iter(metrics))  # the task's metrics in order: the first is the main one
        if self.valid is None or self.valid.metric != main:
            self.valid = Validation(metric=main, higher=self.higher.get(main, True))
        self.valid.observe(metrics[main], self.run.step)
        now = time.monotonic()
        if self.progress and self.step_bar is not None:
            self._update_bars(stage, self.run.step, self.run.total, self.metrics, now)
            return
        epoch = f" ep {self.epoch:.2f}" if self.epoch is not None else ""
        self._say(
            f"{_where(spec)} step {self.run.step}/{self.run.total}{epoch} {self.valid.text()} | "
            f"{self._etas(now)}"
        )

    def _warn_data(self, record: dict) -> None:
        if self.console is None:
            return
        key = (record.get("task"), repr((record.get("config") or {}).get("data")))
        if key not in self.warned:
            self.warned.add(key)
            for line in warn_lines(record):
                self._say(line)
