"""Published reference rows: loading ``references.yaml`` and placing them beside our board.

The YAML ships inside the package. Each row is a model's published numbers from one source,
with that source's protocol. Rows are shown only for tasks our records cover and only where the
published metric is the task's main metric. They are marked "published, not re-run" in the row
label and in every cell, and they are left out of the rank column unless ``rank=True``.
Pure functions of records and YAML (pandas only); rendering is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from findna_bench.errors import ConfigError
from findna_bench.results import leaderboard, record

DEFAULT_PATH = Path(__file__).resolve().parent / "references.yaml"
NOT_RANKED = "not ranked"


@dataclass(frozen=True, kw_only=True, slots=True)
class Source:
    key: str
    short: str
    title: str
    metric: str
    protocol: str
    url: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Reference:
    """One model's published numbers from one source (values in %, optional standard error)."""

    model: str
    source: Source
    values: dict[str, tuple[float, float | None]]
    metrics: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.model} [published: {self.source.short}; not re-run]"

    def metric(self, task: str) -> str:
        return self.metrics.get(task, self.source.metric)

    def value(self, task: str, metric: str) -> tuple[float, float | None] | None:
        """(mean, se) as fractions when the row reports ``task`` with ``metric``; else None."""
        if task not in self.values or self.metric(task) != metric:
            return None
        mean, se = self.values[task]
        return mean / 100, (se / 100 if se is not None else None)


@dataclass(frozen=True, kw_only=True, slots=True)
class References:
    sources: dict[str, Source]
    rows: list[Reference]
    group_means: dict


def _value(raw: object, where: str) -> tuple[float, float | None]:
    if isinstance(raw, (int, float)):
        return float(raw), None
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, (int, float)) for v in raw):
        return float(raw[0]), float(raw[1])
    raise ConfigError(f"{where}: a value must be a number or [mean, standard error]")


def load(path: Path | None = None) -> References:
    """Parse the references YAML (the packaged one by default)."""
    path = Path(path) if path else DEFAULT_PATH
    raw = yaml.safe_load(path.read_text()) or {}
    try:
        sources = {key: Source(key=key, **spec) for key, spec in raw["sources"].items()}
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: sources need short, title, metric, protocol ({exc})") from exc
    rows = []
    for i, row in enumerate(raw.get("rows") or []):
        where = f"{path}: rows[{i}] ({row.get('model')})"
        if row.get("source") not in sources:
            raise ConfigError(f"{where}: source '{row.get('source')}' is not under sources:")
        values = {
            task: _value(v, f"{where} {task}") for task, v in (row.get("values") or {}).items()
        }
        rows.append(
            Reference(
                model=row["model"],
                source=sources[row["source"]],
                values=values,
                metrics=dict(row.get("metrics") or {}),
            )
        )
    return References(sources=sources, rows=rows, group_means=raw.get("group_means") or {})


def main_metrics(cells: pd.DataFrame) -> dict[str, str]:
    """Task -> the main metric our records use for it."""
    known = cells.dropna(subset=["metric"])
    return dict(zip(known["task"], known["metric"]))


def matching(refs: References, metrics: dict[str, str]) -> list[Reference]:
    """Rows with at least one published value for these tasks, in the same metric."""
    return [r for r in refs.rows if any(r.value(t, m) for t, m in metrics.items())]


def cell_text(mean: float, se: float | None) -> str:
    spread = f" ± {100 * se:.2f} SE" if se is not None else ""
    return f"{100 * mean:.2f}{spread} (pub.)"


def _hits(rows: list[Reference], metrics: dict[str, str]):
    """``(ref, task, metric, mean, se)`` for every published value in the shown metric."""
    for ref in rows:
        for task, metric in metrics.items():
            hit = ref.value(task, metric)
            if hit:
                yield ref, task, metric, hit[0], hit[1]


def reference_cells(rows: list[Reference], metrics: dict[str, str]) -> pd.DataFrame:
    """Tidy published cells in the layout of ``Board.cells`` plus source columns."""
    return pd.DataFrame(
        [
            {
                "row": ref.label,
                "task": task,
                "metric": metric,
                "mean": mean,
                "std": None,
                "se": se,
                "n": None,
                "failed": 0,
                "higher_is_better": True,
                "published": True,
                "source": ref.source.title,
                "protocol": ref.source.protocol,
            }
            for ref, task, metric, mean, se in _hits(rows, metrics)
        ]
    )


def _display_rows(
    rows: list[Reference], metrics: dict[str, str], columns: list[str]
) -> pd.DataFrame:
    table = pd.DataFrame(
        "-", index=pd.Index([r.label for r in rows], name="model"), columns=columns, dtype=object
    )
    for ref in rows:
        means = []
        for task in columns:
            hit = ref.value(task, metrics[task]) if task in metrics else None
            if hit:
                table.loc[ref.label, task] = cell_text(*hit)
                means.append(hit[0])
        if "mean" in table.columns:
            table.loc[ref.label, "mean"] = f"{100 * sum(means) / len(means):.2f}" if means else "-"
        if "rank" in table.columns:
            table.loc[ref.label, "rank"] = NOT_RANKED
    return table


def _pseudo_records(
    rows: list[Reference], metrics: dict[str, str], directions: dict[str, bool], profile: str | None
) -> list[dict]:
    return [
        dict(
            record.published(
                source=ref.source.key,
                model=ref.model,
                label=ref.label,
                task=task,
                metric=metric,
                value=mean,
                higher_is_better=directions.get(task, True),
                profile=profile,
            )
        )
        for ref, task, metric, mean, _ in _hits(rows, metrics)
    ]


def with_references(
    records: list[dict],
    refs: References,
    *,
    split: str = "test",
    expected_seeds: int | None = None,
    unavailable: dict[str, str] | None = None,
    rank: bool = False,
    metric: str | None = None,
    higher_is_better: bool = True,
) -> tuple[leaderboard.Board, list[Reference]]:
    """Our board with the matching published rows added, and the rows used.

    Without ``rank`` the published rows sit below ours with "not ranked"; with it they take part
    in the per-task ranks (as single numbers) but stay labelled as published. ``metric``
    shows that metric instead of each task's main one (published rows only where they report it).
    """
    if split != "test":
        raise ConfigError("published references are test-split numbers; drop --split valid")
    ours = leaderboard.build(
        records,
        split=split,
        expected_seeds=expected_seeds,
        unavailable=unavailable,
        metric=metric,
        higher_is_better=higher_is_better,
    )
    metrics = main_metrics(ours.cells)
    rows = matching(refs, metrics)
    if not rows:
        return ours, rows
    extra = reference_cells(rows, metrics)
    cells = pd.concat([ours.cells.assign(published=False), extra], ignore_index=True)
    if not rank:
        table = pd.concat([ours.table, _display_rows(rows, metrics, list(ours.table.columns))])
        return leaderboard.Board(cells=cells, table=table, notes=ours.notes), rows
    directions = dict(zip(ours.cells["task"], ours.cells["higher_is_better"].astype(bool)))
    profiles = {r.get("profile") for r in records}
    profile = next(iter(profiles)) if len(profiles) == 1 else "published"
    ranked = leaderboard.build(
        records + _pseudo_records(rows, metrics, directions, profile),
        split=split,
        expected_seeds=expected_seeds,
        unavailable=unavailable,
        metric=metric,
        higher_is_better=higher_is_better,
    )
    table = ranked.table[list(ours.table.columns)].copy()
    for ref in rows:
        label = next(i for i in table.index if i.startswith(ref.label))
        shown = _display_rows([ref], metrics, list(table.columns))
        for task in metrics:
            if task in table.columns:
                table.loc[label, task] = shown.loc[ref.label, task]
    return leaderboard.Board(cells=cells, table=table, notes=ranked.notes), rows


def legend(rows: list[Reference]) -> list[str]:
    """One line per source used: what it is and its protocol."""
    seen: dict[str, Source] = {}
    for ref in rows:
        seen.setdefault(ref.source.key, ref.source)
    return [
        f"(pub.) {s.short}: {s.title}{' <' + s.url + '>' if s.url else ''}. Protocol: {s.protocol}"
        for s in seen.values()
    ]


def board_markdown(board: leaderboard.Board, rows: list[Reference]) -> str:
    """The board as a Markdown table with one "- (pub.) ..." legend line per source used."""
    return leaderboard.to_markdown(board.table) + "\n" + "".join(f"\n- {x}" for x in legend(rows))
