"""Shared fixtures: the real shared data root, the repository registry, a CLI runner, and one
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
