"""A cell is (model, task, resolved config, code fingerprint): resume and --rerun honour it."""

from __future__ import annotations

import json

from findna_bench.fingerprint import Fingerprinter
from findna_bench.results.store import ResultsStore


def _success(results) -> list:
    return sorted(p for p in results.glob("*.json") if ".failed-" not in p.name)


def test_fingerprint_covers_training_code_and_plugins_not_the_cli(registry, catalog):
    from findna_bench.run.config import expand

    spec = expand(registry, models=["cnn"], tasks=["gue/mouse_2"], seeds=[0], profile="smoke")[0]
    code = Fingerprinter(catalog).for_spec(spec)
    assert code == Fingerprinter(catalog).for_spec(spec)  # deterministic
    files = set(code["files"])
    assert {
        "findna_bench/run/train.py",
        "findna_bench/run/runner.py",
        "cnn/cnn.py",
        "gue/gue.py",
        "findna_bench/builtins/metrics.py",
    } <= files
    assert not any(f.startswith(("findna_bench/cli/", "findna_bench/pretrain/")) for f in files)
    assert not files & {
        "findna_bench/results/leaderboard.py",
        "findna_bench/results/store.py",
        "findna_bench/results/locks.py",
        "findna_bench/results/report.py",
    }
    pretrained = expand(
        registry, models=["findna"], tasks=["gue/mouse_2"], seeds=[0], profile="smoke"
    )[0]
    more = set(Fingerprinter(catalog).for_spec(pretrained)["files"])
    assert {
        "findna_bench/pretrain/loop.py",
        "chordmixer/model.py",
        "self_distill/self_distill.py",
        "augmentations/augmentations.py",
    } <= more


def test_editing_a_plugin_reruns_it_and_keeps_the_old_record(cli, toy):
    first = cli(*toy.args())
    assert first.exit_code == 0, first.output
    (old,) = _success(toy.results)
    old_bytes = old.read_bytes()
    record = json.loads(old_bytes)
    assert record["code"]["files"]["toy_backbone/toy_backbone.py"]
    assert old.name == f"{record['run_id']}__code-{record['code']['fingerprint']}.json"
    again = cli(*toy.args())
    assert "plan: 0 to run, 1 already recorded" in again.output

    toy.plugin.write_text(toy.plugin.read_text() + "\n# a changed plugin\n")
    edited = cli(*toy.args())
    assert edited.exit_code == 0, edited.output
    assert "plan: 1 to run, 0 already recorded" in edited.output
    assert "1 recorded only by other code or config, not reused" in edited.output
    assert len(_success(toy.results)) == 2 and old.read_bytes() == old_bytes  # beside, untouched

    toy.plugin.write_text(toy.plugin.read_text() + "\n# changed again\n")
    accepted = cli(*toy.args("--reuse-records", "any-code"))
    assert "plan: 0 to run, 1 already recorded" in accepted.output
    assert "records reused: any-code" in accepted.output

    rerun = cli(*toy.args("--rerun"))
    assert "plan: 1 to run, 0 already recorded" in rerun.output and "none (--rerun)" in rerun.output
    assert len(_success(toy.results)) == 3 and old.read_bytes() == old_bytes

    board = cli("leaderboard", "--results", toy.results, "-f", "md")
    assert board.exit_code == 0
    rows = [
        line.split("|")[1].strip() for line in board.output.splitlines() if line.startswith("| toy")
    ]
    assert len(rows) == 3 and all(r.startswith("toy [code ") for r in rows)  # never pooled
    assert "never averaged" in board.output


def test_duplicate_models_run_once_and_the_plan_says_so(cli, toy):
    args = toy.args()
    args[args.index("-m") + 1] = "toy,toy"
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert "plan: 1 to run, 0 already recorded" in result.output  # (the CLI may drop it first)
    assert len(_success(toy.results)) == 1 and ResultsStore(toy.results).read_all()[1] == []


def test_the_suite_runs_identical_specs_once(toy, tmp_path):
    import torch

    from findna_bench.catalog import Catalog
    from findna_bench.plugins import make_plugin_manager
    from findna_bench.registry import load_registry
    from findna_bench.run.config import expand
    from findna_bench.run.runner import RunContext
    from findna_bench.run.suite import run_suite

    registry = load_registry(toy.registry)
    pm = make_plugin_manager(plugin_paths=registry.plugins, root=registry.root, entrypoints=False)
    ctx = RunContext(
        catalog=Catalog.from_plugin_manager(pm),
        hook=pm.hook,
        data_root=toy.data,
        device=torch.device("cpu"),
        cache_dir=tmp_path,
    )
    specs = expand(
        registry, models=["toy", "toy"], tasks=["gue/mouse_2"], seeds=[0, 0, 1], profile="smoke"
    )
    said: list[str] = []
    outcome = run_suite(specs, ctx, ResultsStore(toy.results), notify=said.append)
    assert len(specs) == 6 and outcome.plan.duplicates == 4 and len(outcome.records) == 2
    assert "4 duplicate spec(s) dropped" in outcome.plan.line()
    assert len(_success(toy.results)) == 2
