"""The records a results command reads and the metrics it recomputes from them.

``selected_records``: the store filtered by the ``--model/--suite/--task/--profile`` options
(leaderboard, compare, report, training, certify); ``resolver``: a metric name -> its function
and direction, builtins without loading plugins.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from findna_bench.cli.common import split_list


def select(
    records: list[dict], *, models: list[str], tasks: list[str], profile: str | None
) -> list[dict]:
    return [
        r
        for r in records
        if (not models or r.get("model") in models)
        and (not tasks or any(fnmatch.fnmatchcase(str(r.get("task")), t) for t in tasks))
        and (profile is None or r.get("profile") == profile)
    ]


def selected_records(
    engine,
    results: Path,
    *,
    model: list[str] | None,
    suite: list[str] | None,
    task: list[str] | None,
    profile: str | None,
) -> list[dict]:
    """Records of the store filtered by the CLI's model/suite/task/profile options; warns about
    unreadable files on stderr and raises when nothing matches."""
    from findna_bench import ui
    from findna_bench.errors import ConfigError
    from findna_bench.results.store import ResultsStore

    records, problems = ResultsStore(results).read_all()
    for problem in problems:  # unreadable or malformed files: one line each, never a KeyError
        ui.err.print(f"warning: {problem}", highlight=False, markup=False, soft_wrap=True)
    tasks = split_list(task)
    for name in split_list(suite):
        tasks += engine.registry.suite(name).get("tasks") or []
    chosen = select(records, models=split_list(model), tasks=tasks, profile=profile)
    if not chosen:
        raise ConfigError(f"no records in {results} match; run `findna-bench run ...` first")
    return chosen


def resolver(engine):
    """Metric name -> (function, higher is better): builtins without loading plugins, else the
    catalog (plugin metrics)."""
    from findna_bench.builtins import metrics as builtin

    def resolve(name: str):
        fn = getattr(builtin, name, None)
        if name in ("accuracy", "mcc", "f1_macro", "f1_micro", "auroc") and fn is not None:
            return fn, True
        entry = engine.catalog.get("metric", name)
        return entry.factory, entry.options["higher_is_better"]

    return resolve
