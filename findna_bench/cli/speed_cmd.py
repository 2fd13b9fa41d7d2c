"""``findna-bench speed``: parameters, MACs, throughput, memory and GEMM efficiency side by side.

Measurement lives in ``findna_bench.hardware.speed``; this module parses options, runs one measurement
per (model, length) (each in a fresh process by default), adds the ratios and renders the table
and the JSON report.
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


def add_ratios(rows: list[dict], gemm_gflops: float) -> list[dict]:
    """Fraction of the GEMM rate, ratios against the first model at the same length, and memory
    per token relative to the model's shortest length (1.0 = memory linear in length)."""
    first_model = rows[0]["model"] if rows else None
    ok = [r for r in rows if r["status"] == "ok"]
    base = {r["length"]: r for r in ok if r["model"] == first_model}
    shortest: dict[str, dict] = {}
    for r in sorted(ok, key=lambda r: r["length"]):
        shortest.setdefault(r["model"], r)
    for r in ok:
        r["train_fraction_of_gemm"] = r["train_gflops"] / gemm_gflops
        r["infer_fraction_of_gemm"] = r["infer_gflops"] / gemm_gflops
        ref = base.get(r["length"])
        r["vs_first"] = (
            None
            if ref is None
            else {
                "train_tokens_per_s": r["train_tokens_per_s"] / ref["train_tokens_per_s"],
                "infer_tokens_per_s": r["infer_tokens_per_s"] / ref["infer_tokens_per_s"],
                "train_peak_bytes": _ratio(r["train_peak_bytes"], ref["train_peak_bytes"]),
            }
        )
        low = shortest[r["model"]]
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

    first = rows[0]["model"] if rows else ""
    table = Table(
        title=f"speed on {report['device']} (batch {report['settings']['batch_size']}, "
        f"median of {report['settings']['steps']} steps; ratios vs {first})",
        caption=f"dense GEMM {report['gemm']['gflops']:.1f} GFLOP/s "
        f"({report['gemm']['dtype']} {report['gemm']['n']}³); load average "
        f"{report['machine']['loadavg_before']} -> {report['machine']['loadavg_after']}",
        header_style="bold",
    )
    for col in (
        "model",
        "L",
        "params",
        "GMACs/seq",
        "train tok/s",
        "infer tok/s",
        "train mem MiB",
        "infer mem MiB",
        "mem/L vs shortest",
        "train GFLOP/s",
        "% GEMM",
        "train ×",
        "mem ×",
    ):
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    for r in rows:
        if r["status"] != "ok":
            table.add_row(r["model"], str(r["length"]), Text(r["status"], style="red"), *[""] * 10)
            continue
        vs = r["vs_first"] or {}
        table.add_row(
            r["model"],
            str(r["length"]),
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
AMP = typer.Option(True, "--amp/--no-amp", help="bf16 autocast on CUDA (as training does)")
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
    amp: bool = AMP,
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
    load_before = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    gemm_dtype = torch.bfloat16 if amp and dev.type == "cuda" else torch.float32
    n = 8192 if dev.type == "cuda" else 2048
    ui.err.print(f"dense GEMM rate on {dev} ({n}³, {gemm_dtype}) ...")
    gflops = gemm_rate(dev, dtype=gemm_dtype, n=n)
    settings = {
        "profile": preset_profile,
        "batch_size": batch_size,
        "steps": steps,
        "warmup": warmup,
        "amp": amp,
        "isolate": isolate,
        "torch": torch.__version__,
    }
    rows = add_ratios(measure_all(engine, models, lengths, dev, settings, timeout), gflops)
    gemm = {"gflops": gflops, "n": n, "dtype": str(gemm_dtype).replace("torch.", "")}
    show(rows, make_report(rows, dev, gemm, settings, load_before), json_path)


def measure_all(
    engine, models: list[str], lengths: list[int], dev, settings: dict, timeout: float | None
) -> list[dict]:
    """One row per (model, length), each measured in a fresh process unless ``isolate`` is off."""
    from findna_bench import ui
    from findna_bench.hardware.speed import measure_isolated, measure_one

    rows = []
    for name in models:
        for length in lengths:
            ui.err.print(f"measuring {name} at L={length} ...")
            request = {
                "registry": str(engine.registry.path),
                "model": name,
                "length": length,
                "device": str(dev),
                **{k: settings[k] for k in ("profile", "batch_size", "steps", "warmup", "amp")},
            }
            isolated = settings["isolate"]
            rows.append(
                measure_isolated(request, timeout=timeout) if isolated else measure_one(request)
            )
    return rows


def make_report(rows: list[dict], dev, gemm: dict, settings: dict, load_before: str) -> dict:
    """The JSON report: device, GEMM rate, settings, machine load before and after, rows."""
    import torch

    return {
        "device": torch.cuda.get_device_name(dev)
        if dev.type == "cuda"
        else f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)",
        "gemm": gemm,
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
