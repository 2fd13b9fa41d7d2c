"""The facts a benchmark README states in sentences, read from its records.

What was run (status), with what code, environment and protocol values (setup), how the
findna-style models were pretrained (pretraining), why runs stopped and how far the runs that hit
their step budget were still climbing (stops), and what the runs cost (cost, elapsed). Each
function returns Markdown; the protocol values are read from the records' resolved configs, so a
README can no longer say 5 where the runs used 10. Pure: no printing.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

import pandas as pd

from findna_bench.results.leaderboard import to_markdown, usable
from findna_bench.results.training import training_table

PLATEAU = "patience"
LATE = 0.2  # the share of a run's steps whose dev gain the stops table reports


def ok_runs(records: list[dict]) -> list[dict]:
    return [r for r in records if usable(r) and r["status"] == "ok"]


def _join(items) -> str:
    return ", ".join(map(str, items))


def status(records: list[dict]) -> str:
    """One bold line: records, ok or failed, and models × tasks × seeds (complete or not)."""
    runs = [r for r in records if usable(r)]
    ok = ok_runs(runs)
    models = sorted({r["model"] for r in runs})
    tasks = sorted({r["task"] for r in runs})
    seeds = sorted({r["seed"] for r in runs})
    present = {(r["model"], r["task"], r["seed"]) for r in ok}
    expected = len(models) * len(tasks) * len(seeds)
    complete = len(present) == expected
    state = "complete" if complete else f"incomplete: {len(present)} of {expected} cells x seeds"
    failed = len(runs) - len(ok)
    return (
        f"**Status: {state}: {len(ok)} of {len(runs)} records `ok`"
        f"{f', {failed} failed' if failed else ''}.** {len(models)} models ({_join(models)}) × "
        f"{len(tasks)} tasks × {len(seeds)} seeds ({_join(seeds)})."
    )


def _config(record: dict, path: str):
    value = record.get("config") or {}
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _short(task: str) -> str:
    return task.split("/", 1)[-1]


def spread(runs: list[dict], get: Callable[[dict], object]) -> str:
    """The value most runs have, then each other value with the tasks whose runs have it."""
    count: Counter = Counter()
    tasks: dict[str, set] = defaultdict(set)
    for r in runs:
        value = str(get(r))
        count[value] += 1
        tasks[value].add(_short(r["task"]))
    main, *others = [value for value, _ in count.most_common()]
    return "; ".join([main, *(f"{v} on {_join(sorted(tasks[v]))}" for v in others)])


def _environment(record: dict) -> str:
    env = record.get("environment") or {}
    packages = env.get("packages") or {}
    return (
        f"{env.get('device', '?')}; torch {packages.get('torch', '?')}; "
        f"python {packages.get('python', '?')}"
    )


def _code(runs: list[dict]) -> str:
    """A model's code files fingerprint(s) and how many run identities (cells) its runs have."""
    codes = [r.get("code") or {} for r in runs]
    files = sorted({str(c.get("files_fingerprint", c.get("fingerprint"))) for c in codes})
    cells = len({c.get("fingerprint") for c in codes})
    return f"code files `{'`, `'.join(files)}`; {cells} run identit{'y' if cells == 1 else 'ies'}"


PROTOCOL = {
    "max steps": "finetune.max_steps",
    "min steps": "finetune.min_steps",
    "eval every (steps)": "finetune.eval_every",
    "patience (evaluations)": "finetune.patience",
    "lr": "finetune.lr",
    "batch": "finetune.batch_size",
    "selection": "finetune.selection",
}


def setup(records: list[dict]) -> str:
    """Bullets on code and environment, then the protocol table (values from the configs)."""
    runs = ok_runs(records)
    shas = Counter(str((r.get("environment") or {}).get("git_sha", "?"))[:7] for r in runs)
    envs = Counter(_environment(r) for r in runs)
    by_model: dict[str, list[dict]] = defaultdict(list)
    for r in runs:
        by_model[r["model"]].append(r)
    lines = [
        f"- Git: {_join(f'`{sha}` ({n} runs)' for sha, n in shas.most_common())}.",
        *(f"- {m}: {_code(by_model[m])}." for m in sorted(by_model)),
        f"- Recorded environment: {_join(f'{env} ({n} runs)' for env, n in envs.most_common())}.",
    ]
    table = pd.DataFrame(
        {
            label: [spread(by_model[m], lambda r, p=path: _config(r, p)) for m in sorted(by_model)]
            for label, path in PROTOCOL.items()
        },
        index=pd.Index(sorted(by_model), name="model"),
    )
    return "\n".join(lines) + "\n\n" + to_markdown(table)


def pretraining(records: list[dict]) -> str:
    """One bullet per pretrained checkpoint: recipe, budget, genome files, time, final losses."""
    used: dict[tuple, list[dict]] = defaultdict(list)
    for r in ok_runs(records):
        pre = r.get("pretrained") or {}
        if pre:
            key = (
                r["model"],
                pre.get("recipe_hash"),
                pre.get("weights_sha256", pre.get("checkpoint")),
            )
            used[key].append(r)
    if not used:
        return "No run of these records starts from pretrained weights."
    lines = []
    for (model, recipe, _), runs in sorted(used.items(), key=lambda item: str(item[0])):
        pre, first = runs[0]["pretrained"], runs[0]
        budget = pre.get("budget") or {}
        fasta = _config(first, "pretrain.data.fasta") or []
        final = pre.get("final_metrics") or {}
        finals = [
            f"{label} {final[key]:.3f}"
            for key, label in (("mnm_loss", "MNM loss"), ("mnm_acc", "MNM accuracy"))
            if isinstance(final.get(key), (int, float))
        ]
        lines.append(
            f"- {model}: recipe `{recipe}`, {budget.get('steps', pre.get('steps'))} steps × "
            f"{budget.get('batch_size')} windows × {budget.get('window')} bp of "
            f"{_join(f'`{f}`' for f in fasta) or 'an unrecorded genome'} "
            f"({len(fasta)} file{'s' * (len(fasta) != 1)}); "
            f"{float(pre.get('pretrain_seconds') or 0) / 60:.1f} min; "
            f"final {_join(finals) or 'losses not recorded'}; one checkpoint for {len(runs)} runs."
        )
    return "\n".join(lines)


def late_gain(record: dict) -> float:
    """How much the best dev main metric (×100) rose in the run's last ``LATE`` of steps."""
    name, sign = record["main_metric"], 1 if record.get("higher_is_better", True) else -1
    curve = [(p["step"], sign * p[name]) for p in record.get("curve") or [] if name in p]
    if not curve:
        return math.nan
    cut = (1 - LATE) * max(step for step, _ in curve)
    before = [v for step, v in curve if step <= cut]
    return 100 * (max(v for _, v in curve) - max(before)) if before else math.nan


def stop_line(records: list[dict]) -> str:
    """``Of the N runs, k stopped on patience (...), j on step budget.``"""
    runs = ok_runs(records)
    reasons = Counter(str(r.get("stop_reason") or "not recorded") for r in runs)
    return (
        f"Of the {len(runs)} runs, "
        + _join(f"{n} stopped on {reason}" for reason, n in reasons.most_common())
        + " (patience: the dev curve plateaued; a budget: it ended the run first)."
    )


def stops(records: list[dict]) -> str:
    """Runs by stop reason in one line, then the runs that did not stop on a plateau, per task
    and model, with the rise of their best dev metric over their last steps."""
    runs = ok_runs(records)
    line = stop_line(runs)
    if all(r.get("stop_reason") == PLATEAU for r in runs):
        return line
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for r in runs:
        if r.get("stop_reason") != PLATEAU:
            grouped[(r["task"], r["model"], str(r.get("stop_reason")))].append(r)
    gains = [late_gain(r) for group in grouped.values() for r in group]
    table = pd.DataFrame(
        [
            {
                "task": task,
                "model": model,
                "stop": reason,
                "runs": len(group),
                "steps": _join(sorted({r.get("steps") for r in group})),
                f"best dev gain in the last {LATE:.0%} of steps (×100)": _join(
                    f"{late_gain(r):.2f}" for r in sorted(group, key=lambda r: r["seed"])
                ),
            }
            for (task, model, reason), group in sorted(grouped.items())
        ]
    ).set_index("task")
    finite = [g for g in gains if math.isfinite(g)]
    rise = (
        f" In their last {LATE:.0%} of steps their best dev metric still rose by "
        f"{min(finite):.2f} to {max(finite):.2f} (mean {sum(finite) / len(finite):.2f}) ×100."
        if finite
        else ""
    )
    return f"{line}{rise}\n\n{to_markdown(table)}"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def elapsed_hours(records: list[dict]) -> float:
    """Hours of the union of the runs' wall-clock intervals (runs in parallel counted once)."""
    spans = sorted(
        (_time(r["started_at"]), _time(r["started_at"]) + timedelta(seconds=r["wall_seconds"]))
        for r in ok_runs(records)
        if r.get("started_at") and r.get("wall_seconds")
    )
    total, end = timedelta(), None
    for start, stop in spans:
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total.total_seconds() / 3600


def cost(records: list[dict]) -> str:
    """Per model: seconds per step, minutes per run and hours; then the elapsed time."""
    runs = ok_runs(records)
    hours = training_table(runs)
    frame = pd.DataFrame(
        [
            {
                "model": r["model"],
                "step": r["train_seconds"] / r["steps"] if r.get("steps") else math.nan,
                "run": float(r.get("wall_seconds") or 0) / 60,
            }
            for r in runs
        ]
    ).groupby("model")
    table = pd.DataFrame(
        {
            "runs": frame.size().map("{:d}".format),
            "median s/step": frame["step"].median().map("{:.3f}".format),
            "mean min/run": frame["run"].mean().map("{:.1f}".format),
            "process h": hours["wall h"].drop("total").map("{:.2f}".format),
            "pretrain h": hours["pretrain h"].drop("total").map("{:.2f}".format),
        }
    )
    table.index.name = "model"
    return f"{to_markdown(table)}\n\n{elapsed_line(runs)}"


def elapsed_line(records: list[dict]) -> str:
    """The runs' elapsed hours (wall-clock union), pretraining once, and process-hours."""
    runs = ok_runs(records)
    hours = training_table(runs)
    elapsed, pre = elapsed_hours(runs), float(hours.loc["total", "pretrain h"])
    return (
        f"Elapsed: {elapsed:.2f} h for the {len(runs)} runs (the union of their wall-clock "
        f"intervals) + {pre:.2f} h pretraining = {elapsed + pre:.2f} h; "
        f"{float(hours.loc['total', 'wall h']):.2f} process-hours of fine-tuning."
    )
