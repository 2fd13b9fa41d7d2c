"""The report's tables as DataFrames: efficiency, run manifest, published GUE group means.

Pure functions of records, ``findna-bench profile`` JSON rows and the references YAML; the
HTML page (``report.py``) renders them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from findna_bench import leaderboard, references

MANIFEST_COLUMNS = [
    "run_id",
    "status",
    "model",
    "task",
    "seed",
    "profile",
    "mode",
    "valid split",
    "selection",
    "best epoch",
    "main metric",
    "test",
    "parameters",
    "train s",
    "wall s",
    "config hash",
    "git sha",
    "device",
    "torch",
    "started",
    "error",
]


def efficiency(records: list[dict], profile_rows: list[dict]) -> pd.DataFrame:
    """Per row label: parameters and mean time per run from records; profile columns joined by model."""
    ok = [r for r in records if r.get("status") == "ok"]
    several = len({r.get("profile") for r in records}) > 1
    frame = pd.DataFrame(
        [
            {
                "row": leaderboard.row_label(r, several),
                "model": r["model"],
                "parameters": r.get("parameters"),
                "train s/run": r.get("train_seconds"),
                "wall s/run": r.get("wall_seconds"),
            }
            for r in ok
        ]
    )
    if frame.empty:
        return frame
    table = frame.groupby("row").agg(
        model=("model", "first"),
        parameters=("parameters", "median"),
        runs=("model", "size"),
        **{"train s/run": ("train s/run", "mean"), "wall s/run": ("wall s/run", "mean")},
    )
    table["parameters"] = table["parameters"].map(
        lambda v: f"{v / 1e6:.3f} M" if pd.notna(v) else "-"
    )
    for col in ("train s/run", "wall s/run"):
        table[col] = table[col].map(lambda v: f"{v:.1f}")
    if profile_rows:
        prof = pd.DataFrame(profile_rows)
        if "length" in prof.columns:
            prof = prof.sort_values("length").groupby("model").last()
        else:
            prof = prof.groupby("model").last()
        prof.columns = [f"profile: {c}" for c in prof.columns]
        table = table.join(prof, on="model")
    return table.drop(columns="model")


def load_profile_rows(paths: list[Path]) -> list[dict]:
    """Rows of ``findna-bench profile`` JSON files: a list of dicts with 'model', or {'rows': [...]}."""
    rows: list[dict] = []
    for path in paths:
        data = json.loads(Path(path).read_text())
        if isinstance(data, dict):
            data = next(
                (data[k] for k in ("rows", "results", "models") if isinstance(data.get(k), list)),
                [],
            )
        rows += [r for r in data if isinstance(r, dict) and "model" in r]
    return rows


def manifest(records: list[dict]) -> pd.DataFrame:
    """One line per record with what is needed to reproduce or audit it."""
    out = []
    for r in sorted(records, key=lambda r: (r["task"], r["model"], r["seed"])):
        env = r.get("environment") or {}
        proto = r.get("protocol") or {}
        main = r.get("main_metric")
        test = (r.get("metrics") or {}).get("test", {}).get(main)
        out.append(
            dict(
                zip(
                    MANIFEST_COLUMNS,
                    [
                        r["run_id"],
                        r.get("status"),
                        r["model"],
                        r["task"],
                        r.get("seed"),
                        r.get("profile"),
                        r.get("finetune_mode", ""),
                        proto.get("valid", ""),
                        proto.get("selection", ""),
                        r.get("best_epoch", ""),
                        main or "",
                        f"{100 * test:.2f}" if test is not None else "",
                        r.get("parameters", ""),
                        r.get("train_seconds", ""),
                        r.get("wall_seconds", ""),
                        r.get("config_hash", ""),
                        env.get("git_sha", ""),
                        env.get("device", ""),
                        (env.get("packages") or {}).get("torch", ""),
                        r.get("started_at", ""),
                        (r.get("error") or "")[:160],
                    ],
                )
            )
        )
    return pd.DataFrame(out, columns=MANIFEST_COLUMNS)


def group_means_table(refs: references.References) -> pd.DataFrame:
    groups = refs.group_means.get("groups") or []
    rows = refs.group_means.get("rows") or {}
    frame = pd.DataFrame(
        [[f"{v:.2f}" for v in values] for values in rows.values()],
        index=pd.Index(list(rows), name="model (published, not re-run)"),
        columns=groups,
    )
    return frame
