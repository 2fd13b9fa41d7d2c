"""A NaN-producing model is recorded as failed with its reason; the suite and leaderboard go on."""

from __future__ import annotations

import dataclasses
import json

import torch
from torch import nn

from findna_bench import hookimpl
from findna_bench.catalog import Catalog
from findna_bench.plugins import make_plugin_manager
from findna_bench.results.leaderboard import build
from findna_bench.results.store import ResultsStore
from findna_bench.run.config import expand
from findna_bench.run.runner import RunContext
from findna_bench.run.suite import run_suite


class NaNBackbone(nn.Module):
    """Valid shapes, NaN values: the loss is NaN from the first step."""

    def __init__(self, *, dim: int = 4) -> None:
        super().__init__()
        self.proj = nn.Linear(5, dim)
        self.dim = dim

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.proj(x) * float("nan")


class NaNPlugin:
    @hookimpl
    def register_backbones(self, register) -> None:
        register("nan-fixture", NaNBackbone, description="test fixture: outputs NaN")


class Recorder:
    def __init__(self) -> None:
        self.ended: list[str] = []

    @hookimpl
    def on_run_end(self, spec, record) -> None:
        self.ended.append(f"{spec.model}:{record['status']}")


def test_nan_model_fails_alone_and_the_suite_goes_on(registry, data_root, tmp_path, cli):
    pm = make_plugin_manager(plugin_paths=registry.plugins, root=registry.root, entrypoints=False)
    pm.register(NaNPlugin(), name="nan-fixture")
    recorder = Recorder()
    pm.register(recorder, name="recorder")
    reg = dataclasses.replace(
        registry, models={**registry.models, "nan-model": {"backbone": {"use": "nan-fixture"}}}
    )
    specs = expand(
        reg,
        models=["nan-model", "cnn"],
        tasks=["gue/prom_core_tata"],
        seeds=[0],
        profile="smoke",
        overrides={"finetune": {"max_train": 128, "max_valid": 128}},
    )
    ctx = RunContext(
        catalog=Catalog.from_plugin_manager(pm),
        hook=pm.hook,
        data_root=data_root,
        device=torch.device("cpu"),
        cache_dir=tmp_path,
    )
    store = ResultsStore(tmp_path / "results")
    outcome = run_suite(specs, ctx, store)

    assert recorder.ended == ["nan-model:failed", "cnn:ok"]  # the run after the failure still ran
    failed = outcome.records[0]
    assert failed["error"].startswith("NonFiniteLoss: fine-tuning loss became nan")
    assert failed["protocol"]["test"].startswith("scored once")
    files = sorted(p.name for p in (tmp_path / "results").glob("*.json"))
    assert len(files) == 2 and any(".failed-" in f for f in files)
    board = build(store.read_all()[0])
    assert board.table.loc["nan-model", "gue/prom_core_tata"] == "failed (1)"
    assert board.table.loc["cnn", "gue/prom_core_tata"].startswith(
        f"{100 * outcome.records[1]['metrics']['test']['mcc']:.2f}"
    )
    shown = cli("leaderboard", "--results", tmp_path / "results", "--format", "md")
    assert "| nan-model | failed (1) |" in shown.output
    assert json.loads(store.success_files(specs[1].run_id)[0].read_text())["status"] == "ok"
