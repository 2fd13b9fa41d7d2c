"""Renders ``run --dry-run``: what ``run`` would do, from the engine's own planning
(``Engine.plan``: resume, data availability, code fingerprints), which reads the data root and the
results store and trains nothing.

Without ``--json``: a table on stdout, per model the runs to run, already recorded in
``--results`` and unavailable (no data), the plan line, and each unavailable task with its
reason, after the cost line (``run/cost.py``: each pretraining's cache hit or run, and the
estimated wall time). With ``--json``: exactly one JSON document on stdout, ``{"plan": {...},
"runs": [...]}``, the plan with its ``cost``, each run with its run id, state, resolved config
and estimated seconds. Engine warnings go to stderr.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from findna_bench import ui
from findna_bench.cli.suite_output import say
from findna_bench.run.settings import SuiteSettings

if TYPE_CHECKING:
    from findna_bench.run.cost import Cost

STATES = {"to run": "to_run", "recorded": "recorded", "unavailable": "unavailable"}


def by_model(plan) -> dict[str, dict]:
    """Model -> runs per state (``to_run``, ``recorded``, ``unavailable``) and the names of its
    unavailable tasks."""
    models: dict[str, dict] = {}
    for spec in plan.specs:
        row = models.setdefault(
            spec.model, {**{key: 0 for key in STATES.values()}, "unavailable_tasks": []}
        )
        state = plan.state(spec)
        row[STATES[state]] += 1
        if state == "unavailable" and spec.task not in row["unavailable_tasks"]:
            row["unavailable_tasks"].append(spec.task)
    return models


def plan_document(plan, settings: SuiteSettings, cost: Cost) -> dict:
    """The plan with its cost, and every run (run id, state, code fingerprint, resolved
    config, estimated seconds and their basis when it is to run)."""
    costs = cost.as_dict()
    summary = {
        "data_root": str(settings.data_root),
        "results": str(settings.results),
        **{key: sum(plan.state(s) == state for s in plan.specs) for state, key in STATES.items()},
        "duplicates_dropped": plan.duplicates,
        "unavailable_tasks": plan.unavailable,
        "code": sorted({c["fingerprint"] for c in plan.codes.values()}),
        "reuse": "none (--rerun)" if plan.rerun else plan.reuse,
        "models": by_model(plan),
        "cost": {k: v for k, v in costs.items() if k != "runs"},
    }
    runs = [
        {
            "run_id": s.run_id,
            "model": s.model,
            "task": s.task,
            "seed": s.seed,
            "profile": s.profile,
            "state": plan.state(s),
            "code": (plan.codes.get(s.run_id) or {}).get("fingerprint"),
            "config": s.config,
            "config_sources": s.sources,  # which layer set each key (README: precedence)
            "estimate": costs["runs"].get(s.run_id),
        }
        for s in plan.specs
    ]
    return {"plan": summary, "runs": runs}


def plan_table(plan):
    """Per model: runs to run, already recorded, unavailable tasks (counted)."""
    from rich.table import Table

    table = Table(header_style="bold")
    for name in ("model", "to run", "already recorded", "unavailable tasks"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for model, row in by_model(plan).items():
        table.add_row(
            model, str(row["to_run"]), str(row["recorded"]), str(len(row["unavailable_tasks"]))
        )
    return table


def show_plan(engine, specs: list, settings: SuiteSettings, *, as_json: bool) -> None:
    """Plan ``specs`` as ``run`` would and print the table (or the JSON document)."""
    plan = engine.plan(specs, settings, notify=say, read_only=True)
    cost = engine.cost(plan, settings)
    if as_json:
        typer.echo(json.dumps(plan_document(plan, settings, cost), indent=1))
        return
    ui.out.print(plan.line())
    ui.out.print(cost.line(), highlight=False, markup=False, soft_wrap=True)
    ui.out.print(plan_table(plan))
    for task, reason in plan.unavailable.items():
        ui.out.print(f"unavailable: {task}: {reason}")
    say("dry run: nothing was run; --dry-run --json prints every run's resolved config")
