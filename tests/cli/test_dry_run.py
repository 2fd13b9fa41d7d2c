"""``run --dry-run``: the plan as the run would make it (per model: to run, already recorded,
unavailable with the reason), or one JSON document with every run's config; nothing trains."""

from __future__ import annotations

import json
import re


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_dry_run_plans_from_the_results_and_the_data_and_runs_nothing(cli, data_root, tmp_path):
    results = tmp_path / "r"
    tiny = ["-p", "smoke", "--data-root", data_root, "--results", results, "finetune.max_train=256"]
    done = cli("run", "-m", "cnn", "-t", "gue/mouse_3", "--seeds", "0,", "-q", *tiny)
    assert done.exit_code == 0, done.output
    before = files(results)
    plan = ["run", "-m", "cnn,transformer", "-t", "gue/mouse_3,gue/mouse_1", "--seeds", "2", *tiny]

    table = cli(*plan, "--dry-run")
    assert table.exit_code == 0, table.output
    rows = {
        m[1]: m.groups()[1:]
        for m in re.finditer(r"│ (\w+) +│ +(\d+) │ +(\d+) │ +(\d+) │", table.stdout)
    }
    assert rows == {"cnn": ("1", "1", "1"), "transformer": ("2", "0", "1")}
    assert "plan: 3 to run, 1 already recorded" in table.stdout
    assert f"unavailable: gue/mouse_1: no train split under {data_root}" in table.stdout

    document = json.loads(cli(*plan, "--dry-run", "--json").stdout)  # exactly one document
    states = {(r["model"], r["task"], r["seed"]): r["state"] for r in document["runs"]}
    assert states[("cnn", "gue/mouse_3", 0)] == "recorded"
    assert states[("transformer", "gue/mouse_3", 1)] == "to run"
    assert states[("cnn", "gue/mouse_1", 0)] == "unavailable"
    assert len(states) == 8 and all(
        r["config"]["finetune"]["max_train"] == 256 for r in document["runs"]
    )
    recorded = json.loads(next(results.glob("*.json")).read_text())
    assert recorded["run_id"] in {r["run_id"] for r in document["runs"]}
    assert document["plan"]["models"]["cnn"] == {
        "to_run": 1,
        "recorded": 1,
        "unavailable": 2,
        "unavailable_tasks": ["gue/mouse_1"],
    }
    assert files(results) == before  # planning trained and wrote nothing


def test_json_without_dry_run_is_refused(cli, tmp_path):
    result = cli("run", "-m", "cnn", "-t", "gue/tf_0", "--json", "--results", tmp_path / "r")
    assert result.exit_code == 2 and "--json goes with --dry-run" in result.output
    assert not (tmp_path / "r").exists()
