"""Helpers for the evaluation tests: hand-made records and a tiny real-data run setup."""

from __future__ import annotations

import pytest


def record(
    model: str,
    task: str,
    seed: int,
    value: float | None,
    *,
    status: str = "ok",
    metric: str = "mcc",
    profile: str = "cpu",
    mode: str = "full",
) -> dict:
    """A minimal record as the runner (status ok) or the suite (status failed) writes it."""
    from findna_bench.results import record as record_mod

    outcome = (
        {"metrics": {"test": {metric: value}, "valid": {metric: value}}}
        if status == "ok"
        else {"error": "NonFiniteLoss: fine-tuning loss became nan at step 1"}
    )
    return record_mod.new(
        run_id=f"{model}__{task.replace('/', '-')}__seed{seed}__fixture",
        status=status,
        model=model,
        task=task,
        seed=seed,
        profile=profile,
        finetune_mode=mode,
        main_metric=metric,
        higher_is_better=True,
        started_at=f"2024-01-01T00:00:{seed:02d}Z",
        **outcome,
    )


@pytest.fixture()
def make_record():
    return record


def write_task(root, name: str = "mouse_2", *, rows: int = 64, lowercase: int = 0) -> None:
    """A tiny GUE-layout task of random 101-bp sequences; ``lowercase`` rows per split soft-masked."""
    import random

    rng = random.Random(name)
    folder = root / "gue" / name
    folder.mkdir(parents=True)
    for split in ("train", "dev", "test"):
        seqs = ["".join(rng.choice("ACGT") for _ in range(101)) for _ in range(rows)]
        seqs = [s.lower() if i < lowercase else s for i, s in enumerate(seqs)]
        lines = ["sequence,label"] + [f"{s},{i % 2}" for i, s in enumerate(seqs)]
        (folder / f"{split}.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture()
def toy(tmp_path):
    """A workspace: a registry with the one-file toy GRU plugin (a copy the test may edit), a
    tiny gue/mouse_2 task, and ``args(*extra)`` for a seconds-long ``run`` into ``results``."""
    from pathlib import Path
    from types import SimpleNamespace

    repo = Path(__file__).resolve().parents[2]
    plugin = tmp_path / "toy_backbone.py"
    plugin.write_text((repo / "tests/fixtures/plugins/toy_backbone.py").read_text())
    registry = tmp_path / "registry.yaml"
    registry.write_text(f"""
plugins: [{repo / "plugins/datasets/gue.py"}, toy_backbone.py]
models:
  toy: {{backbone: {{use: toy-gru, hidden: 4}}}}
suites: {{}}
profiles:
  smoke: {{finetune: {{epochs: 1, max_train: 64, max_valid: 32, batch_size: 32}}}}
""")
    data = tmp_path / "data"
    write_task(data)
    results = tmp_path / "results"

    def args(*extra: str) -> list[str]:
        return [
            "--registry",
            str(registry),
            "run",
            "-m",
            "toy",
            "-t",
            "gue/mouse_2",
            "-p",
            "smoke",
            "--seeds",
            "0,",
            "--device",
            "cpu",
            "--data-root",
            str(data),
            "--results",
            str(results),
            *extra,
        ]

    return SimpleNamespace(
        plugin=plugin,
        registry=registry,
        data=data,
        results=results,
        args=args,
        write_task=write_task,
    )
