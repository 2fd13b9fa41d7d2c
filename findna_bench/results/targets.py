"""Targets a benchmark README declares, judged met or missed from the records, with the margin.

A README declares its targets in the opening marker of its ``targets`` block, as YAML::

    <!-- summarize:targets
    - target: the best model reaches DNABERT-2's published mean
      check: best mean >= 68.4
    -->

An unfinished comparison may declare ``- planned runs: N``: while fewer ``ok`` runs are in, the
table says it is provisional. A quantity the issue asks to see without a bound is declared
``report: QUANTITY`` instead of ``check``: its verdict is *reported*. A check is
``QUANTITY OP NUMBER`` (``>=``, ``<=``, ``>``, ``<``), in the units the quantity is shown in.
Quantities (``measure``): ``best mean`` and ``mean MODEL`` (a leaderboard row's mean over tasks,
×100), ``score MODEL on TASK`` (one cell's mean over seeds, ×100),
``hours on N cores of M1,M2,...`` (those models' summed run wall time divided by N, the
processes that ran side by side, plus their pretraining hours), ``lowest run`` (the lowest main
test metric of any run, ×100), ``A - B`` (the mean advantage of A over B from ``compare``,
×100, judged with its interval: while the interval holds the bound the verdict is *undecided*,
whichever side the estimate falls), ``elapsed hours`` (the runs' wall-clock union plus
pretraining) and ``runs stopped on REASON``. Pure: the numbers come from a ``Summary``; nothing
is printed.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pandas as pd
import yaml

from findna_bench.errors import ConfigError
from findna_bench.results import summary_facts
from findna_bench.results.leaderboard import tidy, to_markdown

if TYPE_CHECKING:
    from findna_bench.results.comparison import Comparison
    from findna_bench.results.leaderboard import Board


class Summary(Protocol):
    """What a target reads of ``summarize.Summary`` (declared here: summarize imports this)."""

    records: list[dict]

    @property
    def board(self) -> tuple[Board, list]: ...

    @property
    def training(self) -> pd.DataFrame: ...

    def comparison(self, a: str, b: str) -> Comparison: ...


OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
CHECK = re.compile(r"^(?P<what>.+?)\s*(?P<op>>=|<=|>|<)\s*(?P<bound>[-+]?\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Reading:
    """A quantity's value, the sentence that shows it and, for a difference, its interval."""

    value: float
    shown: str
    interval: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A declared target; a reported quantity has no ``op`` and no ``bound``."""

    label: str
    what: str
    op: str = ""
    bound: float = math.nan

    @property
    def check(self) -> str:
        """The check as declared (``best mean >= 68.4``), or the reported quantity alone."""
        return f"{self.what} {self.op} {self.bound:g}" if self.op else self.what


def _items(spec: str) -> list:
    try:
        items = yaml.safe_load(spec) or []
    except yaml.YAMLError as exc:
        raise ConfigError(f"targets: not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(items, list):
        raise ConfigError("targets: declare a YAML list of {target: ..., check: ...}")
    return items


def planned_runs(spec: str) -> int | None:
    """The run count an unfinished comparison declares (``- planned runs: 273``), if any."""
    for item in _items(spec):
        if isinstance(item, dict) and set(item) == {"planned runs"}:
            value = item["planned runs"]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"targets: planned runs {value!r}: give a count, e.g. 273")
            return value
    return None


def parse(spec: str) -> list[Target]:
    """The declared targets; one line saying what is wrong with a declaration."""
    out = []
    for item in _items(spec):
        if isinstance(item, dict) and set(item) == {"planned runs"}:
            continue
        if isinstance(item, dict) and set(item) == {"target", "report"}:
            out.append(Target(str(item["target"]), str(item["report"]).strip()))
            continue
        if not isinstance(item, dict) or set(item) != {"target", "check"}:
            raise ConfigError(
                f"targets: {item!r} needs a 'target' and either a 'check' or a 'report'"
            )
        found = CHECK.match(str(item["check"]).strip())
        if not found:
            raise ConfigError(
                f"targets: check {item['check']!r} is not 'QUANTITY >=|<=|>|< NUMBER'"
            )
        out.append(Target(str(item["target"]), found["what"], found["op"], float(found["bound"])))
    return out


def _lowest_run(summary: Summary) -> Reading:
    frame = tidy(summary.records)
    ok = frame[frame.status == "ok"]
    lowest = ok.groupby("row")["value"].min().sort_values()
    text = ", ".join(f"{row} {100 * v:.2f}" for row, v in lowest.items())
    return Reading(100 * float(lowest.iloc[0]), f"lowest test metric of any run: {text}")


def _means(summary: Summary) -> pd.Series:
    """Our rows' means over the tasks they scored (×100), published rows left out."""
    cells = summary.board[0].cells
    ours = cells[~cells["published"].fillna(False).astype(bool)] if "published" in cells else cells
    return 100 * ours[ours.n > 0].groupby("row")["mean"].mean()


def _score(spec: str, summary: Summary) -> Reading:
    """``MODEL on TASK``: the cell's mean over seeds, ×100."""
    model, sep, task = (part.strip() for part in spec.partition(" on "))
    cells = summary.board[0].cells
    if not sep or model not in set(cells["row"]):
        raise ConfigError(f"targets: no leaderboard row for 'score {spec}' (score MODEL on TASK)")
    cell = cells[(cells["row"] == model) & (cells["task"] == task)]
    if cell.empty or not cell["n"].iloc[0]:  # an unfinished comparison: not run yet
        return Reading(math.nan, f"{model} on {task}: no run yet")
    mean, n = 100 * float(cell["mean"].iloc[0]), int(cell["n"].iloc[0])
    return Reading(mean, f"{model} on {task}: {mean:.2f} (mean of {n} seeds)")


def _hours_on_cores(spec: str, summary: Summary) -> Reading:
    """``N cores of M1,M2``: the models' run hours over N processes, plus their pretraining."""
    found = re.fullmatch(r"(\d+) cores? of (.+)", spec.strip())
    if not found:
        raise ConfigError(f"targets: 'hours on {spec}': say hours on N cores of MODEL,MODEL")
    cores, models = int(found[1]), [m.strip() for m in found[2].split(",")]
    runs = [r for r in summary_facts.ok_runs(summary.records) if r["model"] in models]
    run_hours = sum(float(r.get("wall_seconds") or 0.0) for r in runs) / 3600
    table = summary.training
    pre = sum(float(table.loc[m, "pretrain h"]) for m in models if m in table.index)
    value = run_hours / cores + pre
    return Reading(
        value,
        f"{len(runs)} runs, {run_hours:.2f} h of run time / {cores} cores + {pre:.2f} h "
        f"pretraining ({', '.join(models)})",
    )


def _difference(a: str, b: str, summary: Summary) -> Reading:
    """``A - B``: the mean advantage over tasks from ``compare``, ×100, with its interval."""
    result = summary.comparison(a, b)
    m, n = result.across, len(result.tasks)
    wins = sum(t.better == "A" for t in result.tasks)
    return Reading(
        100 * m.difference,
        f"mean advantage over {n} tasks {100 * m.difference:+.2f}, "
        f"{100 * (1 - result.alpha):g}% CI [{100 * m.low:.2f}, {100 * m.high:.2f}]; "
        f"{a} significantly better on {wins} of {n} tasks ({result.adjust}-adjusted p)",
        (100 * m.low, 100 * m.high),
    )


def measure(what: str, summary: Summary) -> Reading:
    """The quantity's value, the sentence that shows it and its interval where it has one."""
    if what == "best mean":
        means = _means(summary)
        return Reading(float(means.max()), f"{means.idxmax()} {means.max():.2f}")
    if what.startswith("mean "):
        model = what.removeprefix("mean ")
        means = _means(summary)
        if model not in means:
            raise ConfigError(
                f"targets: no leaderboard row '{model}'; rows: {', '.join(means.index)}"
            )
        return Reading(float(means[model]), f"{model} {means[model]:.2f}")
    if what.startswith("score "):
        return _score(what.removeprefix("score "), summary)
    if what.startswith("hours on "):
        return _hours_on_cores(what.removeprefix("hours on "), summary)
    if what == "lowest run":
        return _lowest_run(summary)
    if what == "elapsed hours":
        runs = summary_facts.elapsed_hours(summary.records)
        pre = float(summary.training.loc["total", "pretrain h"])
        return Reading(runs + pre, f"{runs:.2f} h of runs + {pre:.2f} h pretraining")
    if what.startswith("runs stopped on "):
        reason = what.removeprefix("runs stopped on ")
        runs = summary_facts.ok_runs(summary.records)
        n = sum(str(r.get("stop_reason")) == reason for r in runs)
        return Reading(float(n), f"{n} of {len(runs)} runs")
    if " - " in what:
        a, b = (side.strip() for side in what.split(" - ", 1))
        return _difference(a, b, summary)
    raise ConfigError(
        f"targets: unknown quantity '{what}'; use best mean, mean MODEL, score MODEL on TASK, "
        "hours on N cores of MODELS, lowest run, A - B, elapsed hours or runs stopped on REASON"
    )


def verdict(reading: Reading, target: Target) -> str:
    """Met or missed with the margin; undecided while a difference's interval holds the bound."""
    value = reading.value
    if math.isnan(value):
        return "not measured"
    if not target.op:
        return "reported"
    margin = abs(value - target.bound)
    passes = OPS[target.op](value, target.bound)
    if reading.interval is not None:
        low, high = reading.interval
        if low <= target.bound <= high:
            side = "over" if passes else "short"
            return (
                f"**undecided**: the estimate is {side} by {margin:.2f}, "
                f"but its interval holds {target.bound:g}"
            )
    if passes:
        return f"met (by {margin:.2f})"
    return f"**missed by {margin:.2f}**"


def table(spec: str, summary: Summary) -> str:
    """The targets as a Markdown table: what, the check, the value read, met or missed."""
    rows = []
    for target in parse(spec):
        reading = measure(target.what, summary)
        rows.append(
            {
                "target": target.label,
                "check": target.check,
                "value": f"{reading.value:.2f}",
                "read from the records": reading.shown,
                "verdict": verdict(reading, target),
            }
        )
    if not rows:
        raise ConfigError("targets: the block declares no target")
    text = to_markdown(pd.DataFrame(rows).set_index("target"))
    planned, done = planned_runs(spec), len(summary_facts.ok_runs(summary.records))
    if planned is None or done >= planned:
        return text
    return (
        f"**Provisional: {done} of the {planned} planned runs are in;** every value and verdict "
        "below is read from those alone and may change as the rest arrive.\n\n" + text
    )
