"""``findna-bench sweep``: a declared grid on real GUE rows, the choice made on validation only,
and the test numbers of the chosen point alone revealed."""

from __future__ import annotations

import json

ARGS = ("-m", "cnn", "-t", "gue/mouse_2,gue/mouse_3", "--profile", "smoke", "--seeds", "0,")
ARGS += ("--grid", "finetune.lr=3e-4,3e-3", "finetune.max_train=256")


def records(folder) -> list[dict]:
    return [json.loads(p.read_text()) for p in folder.glob("*__code-*.json")]


def test_the_point_with_the_best_validation_mean_is_chosen_and_only_it_is_revealed(
    cli, data_root, tmp_path
):
    results = tmp_path / "sweep"
    done = cli("sweep", *ARGS, "--data-root", data_root, "--results", results, "-q")
    assert done.exit_code == 0, done.output
    runs = records(results)
    assert len(runs) == 4  # 2 learning rates x 2 tasks (one family, gue/mouse)
    means = {}
    for lr in ("0.0003", "0.003"):
        mine = [r for r in runs if str(r["config"]["finetune"]["lr"]) == lr]
        means[lr] = sum(r["metrics"]["valid"]["mcc"] for r in mine) / len(mine)
    best = max(means, key=lambda k: means[k])
    for r in runs:
        chosen = str(r["config"]["finetune"]["lr"]) == best
        assert (r["sealed_test"] == "unsealed by sweep") is chosen
        assert bool(r["metrics"]["test"]) is chosen and ("sealed_metrics" in r) is not chosen
        assert r["sweep"]["family"] == "gue/mouse" and r["sweep"]["tasks"] == [
            "gue/mouse_2",
            "gue/mouse_3",
        ]
    (summary,) = json.loads((results / "sweeps.json").read_text())
    assert summary["chosen"] == [f"finetune.lr={'3e-3' if best == '0.003' else '3e-4'}"]
    assert [p["valid_mean"] for p in summary["points"]] == [
        means["0.0003"],
        means["0.003"],
    ]
    assert "chosen, test revealed" in done.output
    # the numbers revealed by this call are printed after the reveal, per task
    for task in ("gue/mouse_2", "gue/mouse_3"):
        (value,) = [
            r["metrics"]["test"]["mcc"]
            for r in runs
            if r["task"] == task and str(r["config"]["finetune"]["lr"]) == best
        ]
        assert f"test mcc ×100 on {task}: {100 * value:.2f} ± 0.00 (n=1)" in done.output
    # the leaderboard shows the chosen point only; sweeps.json is not read as a record
    board = cli("leaderboard", "--results", results, "-f", "md")
    assert "not a findna-bench record" not in board.output and "| cnn" in board.output
    assert "2 run(s) of grid points a sweep did not choose keep their test" in board.output
    assert "unseal` reveals" not in board.output  # unsealing them would defeat the sweep
    again = cli("sweep", *ARGS, "--data-root", data_root, "--results", results, "-q")
    assert again.exit_code == 0 and len(records(results)) == 4  # resumed, nothing re-run


def test_a_malformed_grid_exits_2_before_any_run(cli, data_root, tmp_path):
    for grid in ("finetune.lr", "finetune.lr=", "finetune.lr=1e-3,1e-3", "finetune.lrr=1e-3"):
        args = ("-m", "cnn", "-t", "gue/mouse_2", "-p", "smoke", "--grid", grid)
        result = cli("sweep", *args, "--data-root", data_root, "--results", tmp_path / "r")
        assert result.exit_code == 2, (grid, result.output)
        assert not (tmp_path / "r").exists()
    args = ("-m", "cnn", "-t", "gue/mouse_2", "-p", "smoke", "--grid", "finetune.lr=1e-3,3e-3")
    both = cli("sweep", *args, "finetune.lr=1e-2", "--data-root", data_root)
    assert both.exit_code == 2 and "both an override and a --grid key" in both.output


def test_grid_values_keep_commas_inside_brackets():
    from findna_bench.cli.sweep_cmd import parse_grid

    grid = parse_grid(["backbone.channels=[16,8,4],[64,64,64]", "finetune.lr=1e-3, 3e-3"])
    assert grid == {
        "backbone.channels": ["[16,8,4]", "[64,64,64]"],
        "finetune.lr": ["1e-3", "3e-3"],
    }


def test_a_process_that_stops_early_never_overwrites_the_finished_choice(tmp_path):
    """Two processes share a sweep: the one that runs out of runs first writes "no choice yet";
    the one that finishes the last run chooses. Whatever the order, the choice stays."""
    from findna_bench.results.sweep import Choice, Point, write_summary

    grid = {"finetune.lr": ["1e-3", "2e-3"]}
    low, high = Point(("finetune.lr=1e-3",)), Point(("finetune.lr=2e-3",))

    def choice(chosen, missing=0):
        return Choice(
            model="cnn",
            family="gue/mouse",
            tasks=["gue/mouse_0"],
            seeds=[0, 1, 2],
            grid=grid,
            means={low: 0.60, high: None if missing else 0.62},
            missing={low: 0, high: missing},
            chosen=chosen,
            metric="mcc",
        )

    write_summary(tmp_path, [choice(high)])
    write_summary(tmp_path, [choice(None, missing=1)])
    (kept,) = json.loads((tmp_path / "sweeps.json").read_text())
    assert kept["chosen"] == ["finetune.lr=2e-3"]
    other = {"finetune.lr": ["1e-3", "2e-3", "4e-3"]}  # another grid: the new state is written
    fresh = choice(None, missing=1)
    fresh.grid = other
    write_summary(tmp_path, [fresh])
    (kept,) = json.loads((tmp_path / "sweeps.json").read_text())
    assert kept["chosen"] is None and kept["grid"] == other
