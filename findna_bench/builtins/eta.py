"""Time left for the run in progress and for the suite, for the progress display.

Pure bookkeeping on times the caller passes in (``now``), so it is tested without a clock:

* a run's time left is its step rate in the current stage (pretraining or fine-tuning), times
  the steps still planned; fine-tuning's rate counts from its start, pretraining's (which may
  resume part-way) from its first report, so it is unknown (None) until a second report;
* the suite's time left is the current run's plus, for each run still to start, the mean wall
  time of the runs finished in this invocation (pretraining done inside a run is left out of
  that mean: it happens once per recipe); before any run has finished, the current run's own
  projected length stands in. With neither, it is unknown and shown as ``?``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRETRAIN = "pretrain"


def duration(seconds: float | None) -> str:
    """``42s``, ``2m10s``, ``1h02m``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass(kw_only=True)
class RunClock:
    """One run (or one ``findna-bench pretrain``): when it started and its current stage's rate."""

    started: float
    stage: str | None = None
    step: int = 0
    total: int = 0
    first: tuple[int, float] | None = None  # (step, time) the current stage's rate counts from
    last: float | None = None  # time of the last report

    def report(self, stage: str, step: int, total: int, now: float) -> None:
        """Steps done in ``stage`` at ``now``. Fine-tuning starts at step 0 right after the
        previous event (the run's start or pretraining's last report), so its rate counts from
        there; pretraining may resume part-way, so its rate counts from its first report."""
        if stage != self.stage or self.first is None or step < self.first[0]:
            since = self.started if self.last is None else self.last
            self.first = (step, now) if stage == PRETRAIN else (0, since)
            self.stage = stage
        self.step, self.total, self.last = step, total, now

    def stage_left(self, now: float) -> float | None:
        """Seconds until the current stage's last planned step, or None without a rate yet."""
        if self.first is None or self.step <= self.first[0]:
            return None
        rate = (now - self.first[1]) / (self.step - self.first[0])
        return rate * max(0, self.total - self.step)


@dataclass(kw_only=True)
class SuiteClock:
    """The runs of one invocation: how many, how many finished, and how long they took."""

    total: int
    finished: int = 0
    last_end: float = 0.0
    run_seconds: list[float] = field(default_factory=list)

    def run_ended(self, now: float, pretrain_seconds: float = 0.0) -> None:
        """A run ended; its wall time (since the previous end) less any pretraining it did."""
        wall = now - self.last_end
        self.run_seconds.append(max(0.0, wall - min(pretrain_seconds, wall)))
        self.finished, self.last_end = self.finished + 1, now

    def per_run(self) -> float | None:
        return sum(self.run_seconds) / len(self.run_seconds) if self.run_seconds else None

    def left(self, run: RunClock | None, now: float) -> float | None:
        """Seconds until the last run ends, or None with no basis for an estimate."""
        per_run = self.per_run()
        if run is None:
            return None if per_run is None else per_run * (self.total - self.finished)
        later = max(0, self.total - self.finished - 1)
        stage_left = run.stage_left(now)
        if stage_left is None:
            return None
        if run.stage == PRETRAIN:  # the run's fine-tuning is still ahead of it
            return None if per_run is None else stage_left + per_run * (later + 1)
        if per_run is None:
            per_run = now - run.started + stage_left
        return stage_left + per_run * later
