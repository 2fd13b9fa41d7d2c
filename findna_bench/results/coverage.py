"""Which suites the records cover, and which of their tasks could not be run for lack of data.

A suite counts as run when every one of its tasks that has data has a record (and at least one
does): running ``-s gue`` on a machine with 13 of GUE's 28 tasks leaves 13 tasks recorded and 15
without data, so gue was run and its 15 other tasks are listed as unavailable, with the reason;
a single ``-t gue/tf_0`` run does not make gue a suite that was run. Pure: the caller finds the
missing data (``split_files`` under the data root).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def suites_run(
    suites: Mapping[str, list[str]], recorded: Iterable[str], missing: Mapping[str, str]
) -> list[str]:
    """The suites (name -> task names) whose every task with data has a record."""
    done = set(recorded)
    return [
        name
        for name, tasks in suites.items()
        if any(t in done for t in tasks) and all(t in done or t in missing for t in tasks)
    ]


def unavailable(
    suites: Mapping[str, list[str]], recorded: Iterable[str], missing: Mapping[str, str]
) -> dict[str, str]:
    """Task -> why it has no data, for the unrecorded tasks of the suites that were run."""
    done = set(recorded)
    out: dict[str, str] = {}
    for name in suites_run(suites, done, missing):
        for task in suites[name]:
            if task not in done and task in missing:
                out.setdefault(task, missing[task])
    return out
