"""Malformed records, plugin hooks that raise or sys.exit, and the warn data policy on the console."""

from __future__ import annotations

import json

import pytest

from findna_bench.errors import PluginError
from findna_bench.plugins import make_plugin_manager


def test_malformed_and_truncated_records_are_skipped_with_one_warning_each(
    cli, tmp_path, make_record
):
    results = tmp_path / "results"
    results.mkdir()
    good = make_record("cnn", "gue/tf_0", 0, 0.5)
    (results / "good.json").write_text(json.dumps(good))
    (results / "no_model.json").write_text(
        json.dumps({k: v for k, v in good.items() if k != "model"})
    )
    (results / "truncated.json").write_text(json.dumps(good)[:40])
    for command in (["leaderboard", "-f", "md"], ["report", "--out", str(tmp_path / "report")]):
        shown = cli(*command, "--results", results)
        assert shown.exit_code == 0, shown.output
        assert "Traceback" not in shown.output and "KeyError" not in shown.output
        warnings = [line for line in shown.output.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 2
        assert "no_model.json: record without model" in warnings[0] + warnings[1]
        assert "truncated.json: unreadable record" in warnings[0] + warnings[1]


def test_an_unreadable_success_record_is_moved_aside_and_run_again(cli, toy):
    assert cli(*toy.args()).exit_code == 0
    (record,) = toy.results.glob("*.json")
    record.write_text(record.read_text()[:100])  # truncated, e.g. a full disk
    dry = cli(*toy.args(), "--dry-run")  # a dry run reports it and touches nothing
    assert dry.exit_code == 0 and "a real run would move it aside" in dry.output, dry.output
    assert not list(toy.results.glob("*.corrupt-*")) and len(record.read_text()) == 100
    again = cli(*toy.args())
    assert again.exit_code == 0, again.output
    assert f"{record.name}: unreadable record" in again.output and ".corrupt-" in again.output
    assert "plan: 1 to run, 0 already recorded" in again.output
    assert json.loads(record.read_text())["status"] == "ok"  # a new record in its place
    assert len(list(toy.results.glob(f"{record.name}.corrupt-*"))) == 1


HOOKS = {
    "raises": "@hookimpl\ndef on_suite_start(specs, skipped):\n    raise RuntimeError('kaput')\n",
    "exits": "@hookimpl\ndef on_run_end(spec, record):\n    sys.exit(3)\n",
    "import_exit": "sys.exit(3)\n",
}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("raises", "plugin 'bad_hook' failed in hook on_suite_start: RuntimeError: kaput"),
        ("exits", "plugin 'bad_hook' failed in hook on_run_end: it called sys.exit(3)"),
        ("import_exit", "bad_hook.py failed to import: it called sys.exit(3)"),
    ],
)
def test_a_plugin_that_raises_or_exits_is_one_line_naming_it(cli, toy, kind, message):
    bad = toy.registry.parent / "bad_hook.py"
    bad.write_text("import sys\n\nfrom findna_bench import hookimpl\n\n" + HOOKS[kind])
    toy.registry.write_text(
        toy.registry.read_text().replace("toy_backbone.py]", "toy_backbone.py, bad_hook.py]")
    )
    result = cli(*toy.args())
    assert result.exit_code not in (0, 3), result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_registration_hook_that_raises_names_its_plugin():
    from findna_bench import hookimpl
    from findna_bench.catalog import Catalog

    class Broken:
        @hookimpl
        def register_metrics(self, register) -> None:
            raise ValueError("no metric today")

    pm = make_plugin_manager(entrypoints=False)
    pm.register(Broken(), name="broken")
    with pytest.raises(
        PluginError, match="plugin 'broken' failed in hook register_metrics: ValueError"
    ):
        Catalog.from_plugin_manager(pm)


def test_warn_policy_prints_one_line_per_split_with_counts(cli, toy):
    import shutil

    shutil.rmtree(toy.data / "gue" / "mouse_2")
    toy.write_task(toy.data, lowercase=5)
    args = toy.args("-q", "data.policy.lowercase=warn")
    args[args.index("0,")] = "0,1"
    result = cli(*args)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("data warning:")]
    assert lines == [
        f"data warning: gue/mouse_2 {split}: 5 upper-cased (rows 64 -> 64; data.policy=warn)"
        for split in ("train", "valid", "test")
    ], result.output
