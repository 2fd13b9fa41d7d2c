"""Lifecycle hooks fire in order during a real run, and register_commands adds CLI commands."""

from __future__ import annotations

import torch
import typer

from findna_bench import hookimpl
from findna_bench.results.store import ResultsStore
from findna_bench.run.config import expand
from findna_bench.run.runner import RunContext
from findna_bench.run.suite import run_suite


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def on_suite_start(self, specs, skipped):
        self.calls.append(f"suite_start:{len(specs)}:{len(skipped)}")

    @hookimpl
    def on_run_start(self, spec):
        self.calls.append(f"run_start:{spec.seed}")

    @hookimpl
    def on_train_step(self, stage, step, total_steps, metrics):
        assert stage == "finetune" and 0 < step <= total_steps and metrics["loss"] > 0
        if not self.calls[-1].startswith("step"):
            self.calls.append("step")

    @hookimpl
    def on_evaluate(self, split, metrics):
        assert "mcc" in metrics
        self.calls.append(f"evaluate:{split}")

    @hookimpl
    def on_run_end(self, record):
        self.calls.append(f"run_end:{record['status']}")

    @hookimpl
    def on_suite_end(self, records):
        self.calls.append(f"suite_end:{len(records)}")


def test_hooks_fire_in_order(tmp_path, registry, catalog, data_root):
    from findna_bench.plugins import make_plugin_manager

    pm = make_plugin_manager(entrypoints=False)
    recorder = Recorder()
    pm.register(recorder)
    specs = expand(
        registry,
        models=["cnn"],
        tasks=["gue/mouse_3"],
        seeds=[0],
        profile="smoke",
        overrides={"finetune": {"epochs": 1, "max_train": 640}},
    )
    ctx = RunContext(
        catalog=catalog,
        hook=pm.hook,
        data_root=data_root,
        device=torch.device("cpu"),
        cache_dir=tmp_path,
    )
    store = ResultsStore(tmp_path)
    run_suite(specs, ctx, store)
    assert recorder.calls == [
        "suite_start:1:0",
        "run_start:0",
        "step",
        "evaluate:valid",
        "evaluate:test",
        "run_end:ok",
        "suite_end:1",
    ]
    recorder.calls.clear()
    run_suite(specs, ctx, store)  # resumed: nothing runs again
    assert recorder.calls == ["suite_start:0:1", "suite_end:0"]


class CommandPlugin:
    @hookimpl
    def register_commands(self, app: typer.Typer) -> None:
        @app.command()
        def hello(name: str = "dna") -> None:
            """Say hello."""
            typer.echo(f"hello {name}")


def test_register_commands_adds_a_command(cli, monkeypatch):
    from findna_bench import plugins

    real = plugins.make_plugin_manager

    def with_command(**kwargs):
        pm = real(**kwargs)
        pm.register(CommandPlugin(), name="hello-plugin")
        return pm

    monkeypatch.setattr(plugins, "make_plugin_manager", with_command)
    result = cli("hello", "--name", "tf")
    assert result.exit_code == 0 and result.output.strip() == "hello tf"
    assert "hello" in cli("plugins").output
