"""Resume finds a run's own records only (issue 21): a model whose name contains another run's
``<run id>__code-`` does not make that run look recorded, and a truncated record of the same
code is reported as unreadable, not as a record of other code."""

from __future__ import annotations

import json

from test_store_safety import run_args


def plan_of(cli, data_root, results, *extra: str) -> dict:
    result = cli(*run_args(data_root, results), "--dry-run", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_model_named_like_another_runs_record_does_not_resume_it(
    cli, tmp_path, data_root, monkeypatch
):
    results = tmp_path / "r"
    (cnn,) = plan_of(cli, data_root, results)["runs"]
    spoof = f"{cnn['run_id']}__code-{cnn['code']}"  # a legal model name
    (tmp_path / "registry.yaml").write_text(f"models:\n  {spoof}: {{backbone: {{use: cnn}}}}\n")
    monkeypatch.chdir(tmp_path)
    args = run_args(data_root, results)
    spoofed = cli(*[spoof if a == "cnn" else a for a in args])
    assert spoofed.exit_code == 0, spoofed.output
    assert len(list(results.glob("[!.]*.json"))) == 1
    for reuse in ("same-code", "any-code"):
        (run,) = plan_of(cli, data_root, results, "--reuse-records", reuse)["runs"]
        assert run["state"] == "to run", reuse
    line = cli(*args, "--dry-run", "--reuse-records", "any-code").output
    assert "recorded only by other code" not in line


def test_a_truncated_record_of_this_code_is_unreadable_not_other_code(cli, tmp_path, data_root):
    results = tmp_path / "r"
    (run,) = plan_of(cli, data_root, results)["runs"]
    results.mkdir()
    torn = results / f"{run['run_id']}__code-{run['code']}.json"
    torn.write_text('{"run_id": "' + run["run_id"][:10])  # killed mid-copy
    result = cli(*run_args(data_root, results), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"warning: {torn}: unreadable record" in result.output
    assert "other code" not in result.output
