"""``gpu-check.md``: the GPU readiness report (``gpu_check.run``'s dict) as Markdown."""

from __future__ import annotations

from findna_bench.hardware import memory


def _gib(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**30:.2f}"


def _num(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def render_md(report: dict) -> str:
    """The report as Markdown (tables per check)."""
    env = report["environment"]
    lines = [
        f"# gpu-check on {env.get('name')} ({env['device']})",
        "",
        (
            f"torch {env['torch']}, CUDA {env.get('cuda', '-')}, cuDNN {env.get('cudnn', '-')}, "
            f"NCCL {env.get('nccl', '-')}, bf16 {env.get('bf16', '-')}, memory {env.get('memory_gib', '-')} GiB; "
            f"profile `{report['plan']['profile']}`{' (quick)' if report['quick'] else ''}."
        ),
        "",
    ]
    lines += _speed_md(report.get("speed"))
    lines += _bench_md("Pretraining (findna recipe)", report.get("pretrain"), "recipe_steps")
    lines += _bench_md(
        "Fine-tuning (chordmixer, paper recipe)", report.get("finetune"), "planned_steps"
    )
    smoke = report.get("torchrun") or {}
    lines += [
        "## torchrun smoke (1 process)",
        "",
        f"{'ok' if smoke.get('ok') else 'FAILED'}: backend {smoke.get('backend')}, "
        f"{smoke.get('seconds')} s" + (f"; {smoke['error']}" if smoke.get("error") else ""),
        "",
    ]
    lines += memory.render_md(report.get("memory"))
    return "\n".join(lines) + "\n"


def _speed_md(rows: list | dict | None) -> list[str]:
    out = ["## Profile: chordmixer vs transformer", ""]
    if not isinstance(rows, list):
        return [*out, f"error: {(rows or {}).get('error')}", ""]
    out += [
        "| model | L | status | params | train tok/s | infer tok/s | train peak GiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['model']} | {r['length']} | {r['status']} | {r.get('params', '-')} | "
            f"{_num(r.get('train_tokens_per_s'), ',.0f')} | {_num(r.get('infer_tokens_per_s'), ',.0f')} | "
            f"{_gib(r.get('train_peak_bytes'))} |"
        )
    return [*out, ""]


def _bench_md(title: str, bench: dict | None, total_key: str) -> list[str]:
    out = [f"## {title}", ""]
    if not bench or "error" in bench:
        return [*out, f"error: {(bench or {}).get('error')}", ""]
    out += [
        "| steps run | batch | steps/s | peak GiB | steps planned | projected hours |",
        "|---|---|---|---|---|---|",
        (
            f"| {bench['steps_run']} | {bench['batch_size']} | {_num(bench['steps_per_s'], '.3f')} | "
            f"{_gib(bench['peak_bytes'])} | {bench[total_key]:,} | {_num(bench['projected_hours'])} |"
        ),
    ]
    return [*out, ""]
