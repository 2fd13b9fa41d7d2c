"""The plan states its cost before the work (run/cost.py): ``run --dry-run`` and the first lines
of a real run say whether each pretraining will run or hit the cache, and estimate the wall time
from earlier records of the same cells, else of the same model on other tasks scaled by training
rows, else say it is unknown. Real smoke runs: FinDNA's smoke pretraining takes seconds."""

from __future__ import annotations

import json
import re

import pytest

from findna_bench.run.cost import SAME_CELL, SCALED, UNKNOWN, clock


def test_pretraining_will_run_then_hits_the_cache_and_an_estimate_appears(cli, data_root, tmp_path):
    results = tmp_path / "r"
    base = ["run", "-m", "findna", "-p", "smoke", "--data-root", data_root, "--results", results]
    one = [*base, "-t", "gue/mouse_3", "--seeds", "0,"]

    before = cli(*one, "--dry-run")
    assert before.exit_code == 0, before.output
    cost = re.search(r"^cost: .*$", before.stdout, re.M).group(0)
    recipe = re.search(r"pretraining findna: will run \(recipe (\w{12}), 30 steps, unknown\)", cost)
    assert recipe, cost
    assert "runs: findna 1 run unknown" in cost and "wall time unknown" in cost

    done = cli(*one)  # not quiet: the plan line, then the cost line, before any training
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].startswith("plan: 1 to run") and lines[1] == cost
    record = json.loads(next(results.glob("findna*.json")).read_text())
    assert record["pretrained"]["cache_hit"] is False

    three = cli(*base, "-t", "gue/mouse_3,gue/mouse_4", "--seeds", "0,1", "--dry-run", "--json")
    assert three.exit_code == 0, three.output
    document = json.loads(three.stdout)
    (pretraining,) = document["plan"]["cost"]["pretraining"]
    assert pretraining["state"] == "cache hit" and pretraining["recipe_hash"] == recipe.group(1)
    assert pretraining["path"].endswith(f"pretrained/{recipe.group(1)}/final.pt")
    estimates = {(r["task"], r["seed"]): r["estimate"] for r in document["runs"]}
    assert estimates[("gue/mouse_3", 0)] is None  # recorded: nothing to estimate
    spent = record["wall_seconds"] - record["time_profile"]["seconds"]["pretraining"]
    assert estimates[("gue/mouse_3", 1)] == {"seconds": round(spent, 1), "basis": SAME_CELL}
    scaled = estimates[("gue/mouse_4", 0)]  # another task: this one's rate times its rows
    assert scaled["basis"] == SCALED
    assert scaled["seconds"] > 0 and scaled["seconds"] != pytest.approx(spent)
    assert document["plan"]["cost"]["unknown"] == 0
    assert document["plan"]["cost"]["estimated_seconds"] == pytest.approx(
        sum(e["seconds"] for e in estimates.values() if e), abs=0.2
    )

    line = cli(*base, "-t", "gue/mouse_3", "--seeds", "0,1", "--dry-run").stdout
    assert f"pretraining findna: cache hit (recipe {recipe.group(1)}, 30 steps, " in line
    assert f"runs: findna 1 run ~{clock(spent)} (1 same cell)" in line
    assert f"wall time ~{clock(spent)} on " in line

    longer = cli(*one, "pretrain.steps=60", "--dry-run").stdout  # another recipe: will run
    per_step = record["pretrained"]["pretrain_seconds"] / 30
    assert "will run (recipe " in longer and ", 60 steps, ~" in longer
    assert "(from 1 earlier pretraining of findna)" in longer
    assert f"~{clock(per_step * 60)} (from" in longer


def test_a_model_without_records_is_unknown_and_no_pretraining_is_claimed(cli, data_root, tmp_path):
    args = ["-p", "smoke", "--data-root", data_root, "--results", tmp_path / "r", "--dry-run"]
    document = json.loads(
        cli("run", "-m", "cnn", "-t", "gue/mouse_3", "--seeds", "0,", *args, "--json").stdout
    )
    cost = document["plan"]["cost"]
    assert cost["pretraining"] == [] and cost["unknown"] == 1
    assert document["runs"][0]["estimate"] == {"seconds": None, "basis": UNKNOWN}
