"""``findna-bench speed``: parameters, MACs, throughput, memory and GEMM efficiency side by side.

Measurement lives in ``findna_bench.hardware.speed``; this module parses options, runs one
measurement per (model, length, compute path) (each in a fresh process by default), adds the
ratios and renders the table and the JSON report. With one path, ratios compare each model with
the first model; with several (``--paths fp32,bf16``), each path with the first path of the same
model and length: the old and the new way on this machine, in one run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from findna_bench.cli.common import split_list

MIB = 1024**2


def parse_lengths(values: list[str]) -> list[int]:
    from findna_bench.errors import ConfigError

    try:
        lengths = [int(v) for v in split_list(values)]
    except ValueError:
        raise ConfigError(f"--length {','.join(values)}: give integers, e.g. 1024,4096") from None
    if not lengths or min(lengths) < 2:
        raise ConfigError("--length: give one or more lengths >= 2, e.g. --length 1024,4096")
    return lengths


def parse_paths(values: list[str], device_type: str) -> list[str]:
    """Compute paths to compare (``hardware.speed.PATHS``); none given: what training uses on
    the device by default (bf16 on CUDA, fp32 on a CPU)."""
    from findna_bench.errors import ConfigError
    from findna_bench.hardware.speed import PATHS

    paths = split_list(values) or ["bf16" if device_type == "cuda" else "fp32"]
    unknown = [p for p in paths if p not in PATHS]
    if unknown or len(set(paths)) < len(paths):
        raise ConfigError(
            f"--paths {','.join(paths)}: give distinct paths among {', '.join(PATHS)}, "
            "e.g. --paths fp32,bf16"
        )
    return paths


def _gemm_dtype(path: str) -> str:
    return "bfloat16" if path.startswith("bf16") else "float32"


def _base_key(r: dict, several_paths: bool) -> tuple:
    return (r["model"], r["length"]) if several_paths else (r["length"], r.get("path"))


def add_ratios(rows: list[dict], gemm: dict[str, float]) -> list[dict]:
    """Fraction of the GEMM rate of the row's dtype (``gemm``: GFLOP/s by dtype), ratios against
    the first path of the same model and length when several paths were measured (else the
    first model at the same length and path), and memory per token relative to the model's
    shortest length (1.0 = memory linear in length)."""
    several_paths = len({r.get("path") for r in rows}) > 1
    ok = [r for r in rows if r["status"] == "ok"]
    first_model = rows[0]["model"] if rows else None
    base: dict[tuple, dict] = {}
    for r in ok:
        if several_paths or r["model"] == first_model:
            base.setdefault(_base_key(r, several_paths), r)
    shortest: dict[tuple, dict] = {}
    for r in sorted(ok, key=lambda r: r["length"]):
        shortest.setdefault((r["model"], r.get("path")), r)
    for r in ok:
        rate = gemm[_gemm_dtype(r.get("path", "fp32"))]
        r["train_fraction_of_gemm"] = r["train_gflops"] / rate
        r["infer_fraction_of_gemm"] = r["infer_gflops"] / rate
        ref = base.get(_base_key(r, several_paths))
        r["vs_first"] = (
            None
            if ref is None
            else {
                "train_tokens_per_s": r["train_tokens_per_s"] / ref["train_tokens_per_s"],
                "infer_tokens_per_s": r["infer_tokens_per_s"] / ref["infer_tokens_per_s"],
                "train_peak_bytes": _ratio(r["train_peak_bytes"], ref["train_peak_bytes"]),
            }
        )
        low = shortest[(r["model"], r.get("path"))]
        per_token = _ratio(r["train_peak_bytes"], low["train_peak_bytes"])
        r["train_mem_per_token_vs_shortest"] = (
            None if per_token is None else per_token * low["length"] / r["length"]
        )
    return rows


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(rows: list[dict], report: dict):
    from rich.table import Table
    from rich.text import Text

    paths = report["settings"]["paths"]
    versus = f"path {paths[0]}" if len(paths) > 1 else (rows[0]["model"] if rows else "")
    gemm = "; ".join(
        f"{g['dtype']} {g['gflops']:.1f} GFLOP/s ({g['n']}³)" for g in report["gemm_by_dtype"]
    )
    table = Table(
        title=f"speed on {report['device']} (batch {report['settings']['batch_size']}, "
        f"median of {report['settings']['steps']} steps; ratios vs {versus})",
        caption=f"dense GEMM {gemm}; load average "
        f"{report['machine']['loadavg_before']} -> {report['machine']['loadavg_after']}",
        header_style="bold",
    )
    columns = ["model", "L", "path", "params", "GMACs/seq", "train tok/s", "infer tok/s"]
    columns += ["train mem MiB", "infer mem MiB", "mem/L vs shortest", "train GFLOP/s", "% GEMM"]
    columns += ["train ×", "mem ×"]
    for col in columns:
        table.add_column(col, justify="left" if col in ("model", "path") else "right", no_wrap=True)
    for r in rows:
        head = (r["model"], str(r["length"]), r.get("path", ""))
        if r["status"] != "ok":
            table.add_row(*head, Text(r["status"], style="red"), *[""] * 10)
            continue
        vs = r["vs_first"] or {}
        table.add_row(
            *head,
            f"{r['params']:,}",
            f"{r['macs_per_seq'] / 1e9:.3g}",
            f"{r['train_tokens_per_s']:,.0f}",
            f"{r['infer_tokens_per_s']:,.0f}",
            _fmt(r["train_peak_bytes"] and r["train_peak_bytes"] / MIB, ",.0f"),
            _fmt(r["infer_peak_bytes"] and r["infer_peak_bytes"] / MIB, ",.0f"),
            _fmt(r["train_mem_per_token_vs_shortest"], ".2f"),
            f"{r['train_gflops']:.1f}",
            f"{100 * r['train_fraction_of_gemm']:.1f}%",
            _fmt(vs.get("train_tokens_per_s"), ".2f"),
            _fmt(vs.get("train_peak_bytes"), ".2f"),
        )
    return table


MODEL = typer.Option(..., "--model", "-m", help="registry models, e.g. chordmixer,transformer")
LENGTH = typer.Option(
    ["1024,4096"], "--length", "-L", help="sequence lengths, e.g. 1024,4096,16384"
)
PRESET_PROFILE = typer.Option("cpu", "--profile", "-p", help="profile whose backbone sizes to use")
BATCH_SIZE = typer.Option(1, "--batch-size", "-b", help="sequences per step (fixed across lengths)")
WARMUP = typer.Option(1, "--warmup", help="untimed steps before timing (after the counted step)")
PATHS = typer.Option(
    [],
    "--paths",
    help="compute paths side by side: fp32, bf16 (autocast), compile, bf16+compile "
    "(default: bf16 on CUDA, fp32 on a CPU, as training)",
)
ISOLATE = typer.Option(
    True,
    "--isolate/--no-isolate",
    help="a fresh process per measurement (honest CPU memory, OOM-safe)",
)
TIMEOUT = typer.Option(None, "--timeout", help="seconds per measurement (isolated only)")
JSON_PATH = typer.Option(None, "--json", help="also write the report as JSON here")


DEVICE = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N")
STEPS = typer.Option(3, "--steps", help="timed steps per measurement (median reported)")


def speed(
    ctx: typer.Context,
    model: list[str] = MODEL,
    length: list[str] = LENGTH,
    preset_profile: str = PRESET_PROFILE,
    device: str = DEVICE,
    batch_size: int = BATCH_SIZE,
    steps: int = STEPS,
    warmup: int = WARMUP,
    paths: list[str] = PATHS,
    isolate: bool = ISOLATE,
    timeout: float | None = TIMEOUT,
    json_path: Path | None = JSON_PATH,
) -> None:
    """Parameters, MACs/sequence, train/inference tokens/s, peak memory and % of GEMM rate."""
    import torch

    from findna_bench import ui
    from findna_bench.cli.common import resolve_device
    from findna_bench.errors import ConfigError
    from findna_bench.hardware.speed import gemm_rate

    engine = ctx.obj
    models = split_list(model)
    for name in models:
        engine.registry.model(name)  # unknown names fail here, with suggestions
    engine.registry.profile(preset_profile)
    lengths = parse_lengths(length)
    if batch_size < 1 or steps < 1 or warmup < 0:
        raise ConfigError("--batch-size and --steps must be >= 1 and --warmup >= 0")
    dev = resolve_device(device)
    chosen = parse_paths(paths, dev.type)
    load_before = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    n = 8192 if dev.type == "cuda" else 2048
    gemm = {}
    for dtype in dict.fromkeys(_gemm_dtype(p) for p in chosen):
        ui.err.print(f"dense GEMM rate on {dev} ({n}³, {dtype}) ...")
        gemm[dtype] = gemm_rate(dev, dtype=getattr(torch, dtype), n=n)
    settings = {
        "profile": preset_profile,
        "batch_size": batch_size,
        "steps": steps,
        "warmup": warmup,
        "paths": chosen,
        "isolate": isolate,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    rows = add_ratios(measure_all(engine, models, lengths, dev, settings, timeout), gemm)
    by_dtype = [{"gflops": v, "n": n, "dtype": k} for k, v in gemm.items()]
    show(rows, make_report(rows, dev, by_dtype, settings, load_before), json_path)


def measure_all(
    engine, models: list[str], lengths: list[int], dev, settings: dict, timeout: float | None
) -> list[dict]:
    """One row per (model, length), each measured in a fresh process unless ``isolate`` is off."""
    from findna_bench import ui
    from findna_bench.hardware.speed import PATHS, measure_isolated, measure_one

    rows = []
    for name in models:
        for length in lengths:
            for path in settings["paths"]:
                ui.err.print(f"measuring {name} at L={length} ({path}) ...")
                amp, compiled = PATHS[path]
                request = {
                    "registry": str(engine.registry.path),
                    "model": name,
                    "length": length,
                    "device": str(dev),
                    "path": path,
                    "amp": amp,
                    "compile": compiled,
                    **{k: settings[k] for k in ("profile", "batch_size", "steps", "warmup")},
                }
                isolated = settings["isolate"]
                rows.append(
                    measure_isolated(request, timeout=timeout) if isolated else measure_one(request)
                )
    return rows


def make_report(rows: list[dict], dev, gemm: list[dict], settings: dict, load_before: str) -> dict:
    """The JSON report: device, GEMM rate per dtype (``gemm``: the first path's), settings,
    machine load before and after, rows."""
    import torch

    return {
        "device": torch.cuda.get_device_name(dev)
        if dev.type == "cuda"
        else f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)",
        "gemm": gemm[0],
        "gemm_by_dtype": gemm,
        "settings": settings,
        "machine": {
            "loadavg_before": load_before,
            "loadavg_after": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        },
        "results": rows,
    }


def show(rows: list[dict], report: dict, json_path: Path | None) -> None:
    """The table on stdout (full width when not a terminal: ``ui``) and the JSON file if asked."""
    from findna_bench import ui

    ui.out.print(render(rows, report))
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=1))
        ui.err.print(f"wrote {json_path}")


def register(app: typer.Typer) -> None:
    app.command()(speed)
