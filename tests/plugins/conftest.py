"""Hub folders of tiny random models built once per test session from the real upstream code
(``hub_folders.py``); each test that runs Caduceus gets mamba_ssm's CPU stand-ins."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import hub_folders
import pytest

BUILDERS = {
    "dnabert2": hub_folders.dnabert2,
    "nt-v2": hub_folders.nt_v2,
    "nt-v1": hub_folders.nt_v1,
    "hyenadna": hub_folders.hyenadna,
    "caduceus": hub_folders.caduceus,
    "gpt2": hub_folders.gpt2_char,
}


@pytest.fixture(scope="session")
def hub(tmp_path_factory) -> dict[str, Path]:
    """family -> a hub folder (built lazily, once per session)."""
    if not hub_folders.UPSTREAM.is_dir():
        pytest.skip(f"upstream model code not found at {hub_folders.UPSTREAM}")
    pytest.importorskip("transformers")
    root = tmp_path_factory.mktemp("hub")

    class Lazy(dict):
        def __missing__(self, family: str) -> Path:
            if family == "caduceus" and importlib.util.find_spec("mamba_ssm") is None:
                pytest.skip("mamba-ssm is not installed (make install builds it without CUDA)")
            mp = pytest.MonkeyPatch()
            if family == "caduceus":
                hub_folders.cpu_mamba(mp)
            try:
                self[family] = BUILDERS[family](root / family)
            finally:
                mp.undo()
            return self[family]

    return Lazy()


@pytest.fixture()
def caduceus_on_cpu(monkeypatch, catalog):
    """Caduceus's pipeline on a CPU: mamba_ssm's reference functions for its CUDA kernels, and
    the plugin's CUDA requirement answered yes (only here: the product refuses it on a CPU)."""
    if importlib.util.find_spec("mamba_ssm") is None:
        pytest.skip("mamba-ssm is not installed")
    hub_folders.cpu_mamba(monkeypatch)
    package = catalog.get("backbone", "hf").factory.__module__.rsplit(".", 1)[0]
    monkeypatch.setattr(sys.modules[package + ".source"], "cuda_available", lambda: True)
