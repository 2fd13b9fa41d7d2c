"""The ``speed FILE`` block of a README: a ``findna-bench speed --json`` report as Markdown.

One row per (model, length, compute path): training and inference tokens/s, achieved GFLOP/s,
its share of the dense GEMM rate of the row's dtype, and the training speed-up over the first
path of the same model and length (``speed --paths``); the caption names the machine, the
GEMM rates, the batch, the threads and the torch version. Pure: returns a string.
"""

from __future__ import annotations

import json
from pathlib import Path

from findna_bench.errors import ConfigError


def markdown(path: Path) -> str:
    """The table of the report at ``path``; one clear line when it is missing or not one."""
    try:
        report = json.loads(Path(path).read_text())
        rows, settings = report["results"], report["settings"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: not a `findna-bench speed --json` report ({exc}); regenerate it"
        ) from None
    rates = report.get("gemm_by_dtype") or [report["gemm"]]  # one rate before --paths
    gemm = "; ".join(f"{g['dtype']} {g['gflops']:.1f} GFLOP/s" for g in rates)
    lines = [
        f"{report['device']}, batch {settings['batch_size']}, torch {settings['torch']}, "
        f"median of {settings['steps']} steps; dense GEMM {gemm}",
        "",
        "| model | length | path | train tokens/s | inference tokens/s | train GFLOP/s "
        "| % of GEMM rate | train × first path |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"| {r['model']} | {r['length']} | {r.get('path', '')} | {r['status']} |")
            continue
        speedup = (r.get("vs_first") or {}).get("train_tokens_per_s")
        lines.append(
            f"| {r['model']} | {r['length']} | {r.get('path', '')} | "
            f"{r['train_tokens_per_s']:,.0f} | {r['infer_tokens_per_s']:,.0f} | "
            f"{r['train_gflops']:.1f} | {100 * r['train_fraction_of_gemm']:.1f}% | "
            f"{'-' if speedup is None else f'{speedup:.2f}'} |"
        )
    return "\n".join(lines)
