"""Shared fixtures: the real shared data root, the repository registry, a CLI runner, hand-made
records (``make_record``), a tiny real-layout task (``tiny_task``, ``toy``), and one
thread for torch in every test and every subprocess a test starts (small ops on a shared 2-core
machine run far faster so: the resume test took 357 s with all threads, 49 s with one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
# absolute: tests that change directory (monkeypatch.chdir) must still find the data
SHARED_DATA = Path(os.environ.get("FINDNA_BENCH_DATA", REPO.parent / "shared" / "data")).resolve()
# Inherited by every subprocess the tests start (CLI runs, torchrun, submitit-local jobs); tests
# that pass their own ``env=`` add ``**ONE_THREAD``.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
os.environ.update(ONE_THREAD)


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread in-process for every test (restored after)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def private_cache(monkeypatch, tmp_path):
    """Pretrained checkpoints of a test go to its own folder, never the user-level cache."""
    monkeypatch.setenv("FINDNA_BENCH_CACHE", str(tmp_path / "findna-cache"))


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The real benchmark data (../shared/data in CI), used in place, never copied."""
    if not (SHARED_DATA / "gue").is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; set FINDNA_BENCH_DATA")
    return SHARED_DATA


@pytest.fixture(scope="session")
def registry():
    from findna_bench.registry import load_registry

    return load_registry(REPO / "registry.yaml")


@pytest.fixture(scope="session")
def catalog(registry):
    from findna_bench.catalog import Catalog
    from findna_bench.plugins import make_plugin_manager

    pm = make_plugin_manager(plugin_paths=registry.plugins, root=registry.root, entrypoints=False)
    return Catalog.from_plugin_manager(pm)


@pytest.fixture()
def cli(monkeypatch):
    """``cli(*args) -> Result`` running the real Typer app in-process."""
    from findna_bench.cli import make_app

    monkeypatch.delenv("FINDNA_BENCH_REGISTRY", raising=False)
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(make_app(), [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` skip cleanly on machines without CUDA (CI has none)."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


# --- hand-made records and tiny tasks (the results, run and data tests share them)


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

    repo = Path(__file__).resolve().parents[1]
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


@pytest.fixture()
def tiny_task():
    """``write_task(root, name="mouse_2", rows=64, lowercase=0)``: a tiny GUE-layout task."""
    return write_task
