"""The report's tables as DataFrames: efficiency, machines and compute, the table of every run,
published GUE group means.

Pure functions of records, ``findna-bench speed`` JSON rows and the references YAML; the
HTML page (``report.py``) renders them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from findna_bench.errors import ConfigError
from findna_bench.results import leaderboard, references, rows

RUN_COLUMNS = [
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
    "code",
    "git sha",
    "device",
    "torch",
    "started",
    "error",
]


def efficiency(records: list[dict]) -> pd.DataFrame:
    """Per leaderboard row: parameters (with the head) and mean seconds per run, from records."""
    usable = [r for r in records if leaderboard.usable(r)]
    labels = rows.row_labels(usable)  # the leaderboard's rows: never pooled across configs
    frame = pd.DataFrame(
        [
            {
                "row": label,
                "parameters": r.get("parameters"),
                "train s/run": r.get("train_seconds"),
                "wall s/run": r.get("wall_seconds"),
            }
            for r, label in zip(usable, labels)
            if r.get("status") == "ok"
        ]
    )
    if frame.empty:
        return frame
    table = frame.groupby("row").agg(
        parameters=("parameters", "median"),
        runs=("parameters", "size"),
        **{"train s/run": ("train s/run", "mean"), "wall s/run": ("wall s/run", "mean")},
    )
    table["parameters"] = table["parameters"].map(
        lambda v: f"{v / 1e6:.3f} M" if pd.notna(v) else "-"
    )
    for col in ("train s/run", "wall s/run"):
        table[col] = table[col].map(lambda v: f"{v:.1f}")
    return table


# findna-bench speed row key -> (column title, formatter)
PROFILE_COLUMNS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "status": ("status", str),
    "params": ("backbone params", lambda v: f"{v / 1e6:.3f} M"),
    "macs_per_seq": ("MACs/seq", lambda v: f"{v / 1e9:.3f} G"),
    "train_tokens_per_s": ("train tokens/s", lambda v: f"{v:,.0f}"),
    "infer_tokens_per_s": ("infer tokens/s", lambda v: f"{v:,.0f}"),
    "train_peak_bytes": ("train peak", lambda v: f"{v / 2**20:.1f} MiB"),
    "train_fraction_of_gemm": ("train % of GEMM rate", lambda v: f"{100 * v:.1f}%"),
}


def profile_table(rows: list[dict]) -> pd.DataFrame:
    """``findna-bench speed`` rows, one line per (model, profile of its sizes, length, device)."""
    out = {}
    for row in rows:
        sizes = f"{row['profile']} profile" if row.get("profile") else "profile not recorded"
        label = f"{row['model']} ({sizes}) @ L={row.get('length', '?')} ({row.get('device', '?')})"
        out[label] = {
            title: fmt(row[key]) if row.get(key) is not None else "-"
            for key, (title, fmt) in PROFILE_COLUMNS.items()
        }
    return pd.DataFrame.from_dict(out, orient="index").rename_axis(
        "model (profile of its sizes) @ length (device)"
    )


def load_profile_rows(paths: list[Path]) -> list[dict]:
    """Rows of ``findna-bench speed --json`` files (``{"device", "settings", "results": [...]}``),
    each with the device and the profile whose backbone sizes were measured."""
    rows: list[dict] = []
    for path in paths:
        data = json.loads(Path(path).read_text())
        results = data.get("results") if isinstance(data, dict) else data
        device = data.get("device") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise ConfigError(f"{path}: not a `findna-bench speed --json` file (no results list)")
        settings = (data.get("settings") if isinstance(data, dict) else None) or {}
        shared = {"device": device, "profile": settings.get("profile")}
        rows += [{**shared, **r} for r in results if isinstance(r, dict) and "model" in r]
    return rows


def _machine(record: dict) -> tuple[str, str]:
    env = record.get("environment") or {}
    if not env:
        return "not recorded", "not recorded (failed runs carry no environment)"
    return str(env.get("host", "?")), str(env.get("device", "?"))


def machines(records: list[dict]) -> pd.DataFrame:
    """Per machine (host, device as the records' environment block describes it): runs and
    hours of wall-clock and training time, summed from the records."""
    usable = [r for r in records if leaderboard.usable(r)]
    frame = pd.DataFrame(
        [
            (*_machine(r), float(r.get("wall_seconds") or 0), float(r.get("train_seconds") or 0))
            for r in usable
        ],
        columns=["host", "device", "wall", "train"],
    )
    if frame.empty:
        return frame
    table = frame.groupby(["host", "device"]).agg(
        runs=("wall", "size"), wall=("wall", "sum"), train=("train", "sum")
    )
    table["wall h"] = (table.pop("wall") / 3600).map(lambda v: f"{v:.3f}")
    table["train h"] = (table.pop("train") / 3600).map(lambda v: f"{v:.3f}")
    return table.reset_index().set_index("host")


def compute_hours(records: list[dict]) -> dict[str, float]:
    """Wall-clock hours of the runs by kind of device: ``cpu``, ``gpu`` (CUDA) and ``unknown``
    (runs whose record names no device, as failed runs)."""
    hours = {"cpu": 0.0, "gpu": 0.0, "unknown": 0.0}
    for r in records:
        if not leaderboard.usable(r):
            continue
        device = str((r.get("environment") or {}).get("device", ""))
        kind = (
            "gpu" if device.startswith("cuda") else "cpu" if device.startswith("cpu") else "unknown"
        )
        hours[kind] += float(r.get("wall_seconds") or 0) / 3600
    return hours


def run_table(records: list[dict]) -> pd.DataFrame:
    """One line per record with what is needed to reproduce or audit it."""
    out = []
    usable = [r for r in records if leaderboard.usable(r)]
    for r in sorted(usable, key=lambda r: (str(r["task"]), str(r["model"]), str(r["seed"]))):
        env = r.get("environment") or {}
        proto = r.get("protocol") or {}
        main = r.get("main_metric")
        test = (r.get("metrics") or {}).get("test", {}).get(main)
        out.append(
            dict(
                zip(
                    RUN_COLUMNS,
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
                        (r.get("code") or {}).get("fingerprint", ""),
                        env.get("git_sha", ""),
                        env.get("device", ""),
                        (env.get("packages") or {}).get("torch", ""),
                        r.get("started_at", ""),
                        (r.get("error") or "")[:160],
                    ],
                )
            )
        )
    return pd.DataFrame(out, columns=RUN_COLUMNS)


def group_means_table(refs: references.References) -> pd.DataFrame:
    groups = refs.group_means.get("groups") or []
    rows = refs.group_means.get("rows") or {}
    frame = pd.DataFrame(
        [[f"{v:.2f}" for v in values] for values in rows.values()],
        index=pd.Index(list(rows), name="model (published, not re-run)"),
        columns=groups,
    )
    return frame
