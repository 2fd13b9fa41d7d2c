"""The progress display: ETAs, one plain line per validation off a terminal, the live bars on
one, silence with --quiet, and where pretrained weights came from (once per checkpoint)."""

from __future__ import annotations

import io
import json
import re

from rich.console import Console

from findna_bench.builtins.eta import RunClock, SuiteClock, duration

TINY = ["-p", "smoke", "--seeds", "0,", "finetune.max_train=1024", "finetune.evals_per_epoch=2"]
DURATION = r"(\?|\d+s|\d+m\d\ds|\d+h\d\dm)"
EVAL_LINE = re.compile(
    r"^cnn gue/mouse_3 s0 step (\d+)/(\d+) ep ([\d.]+) valid mcc (-?[\d.]+) "
    rf"\(best (-?[\d.]+) @(\d+)\) \| run ETA {DURATION} \| suite 1/1 ETA {DURATION}$"
)


def test_duration_reads_at_a_glance():
    assert [duration(s) for s in (None, 42, 130, 3720)] == ["?", "42s", "2m10s", "1h02m"]


def test_suite_eta_from_the_run_in_progress_then_from_finished_runs():
    suite, run = SuiteClock(total=3, last_end=90.0), RunClock(started=100.0)
    assert suite.left(run, 100.0) is None  # no step yet: no basis
    run.report("finetune", 10, 100, now=110.0)  # 10 steps in the 10 s since the run began
    assert run.stage_left(110.0) == 90.0
    assert suite.left(run, 110.0) == 90.0 + 2 * 100.0  # this run's projection stands in
    suite.run_ended(200.0)  # 110 s since the suite began
    run = RunClock(started=200.0)
    run.report("finetune", 50, 100, now=250.0)
    assert suite.left(run, 250.0) == 50.0 + 1 * 110.0


def test_pretraining_inside_a_run_is_left_out_of_the_mean_and_counted_when_running():
    suite = SuiteClock(total=2, last_end=0.0)
    suite.run_ended(1000.0, pretrain_seconds=900.0)
    assert suite.per_run() == 100.0
    run = RunClock(started=1000.0)
    run.report("pretrain", 5, 30, now=1010.0)  # may have resumed part-way: no rate yet
    assert run.stage_left(1010.0) is None and suite.left(run, 1010.0) is None
    run.report("pretrain", 10, 30, now=1020.0)
    assert run.stage_left(1020.0) == 40.0
    assert suite.left(run, 1020.0) == 40.0 + 100.0  # its fine-tuning is still ahead


def only_record(folder) -> dict:
    (path,) = [p for p in folder.glob("*.json")]
    return json.loads(path.read_text())


def test_off_a_terminal_one_line_per_validation_with_the_best_so_far(cli, data_root, tmp_path):
    common = ["run", "-m", "cnn", "-t", "gue/mouse_3", *TINY, "--data-root", data_root]
    result = cli(*common, "--results", tmp_path / "r")
    assert result.exit_code == 0, result.output
    lines = [m for line in result.stderr.splitlines() if (m := EVAL_LINE.match(line))]
    curve = only_record(tmp_path / "r")["curve"]
    assert [int(m[1]) for m in lines] == [point["step"] for point in curve]
    assert [float(m[4]) for m in lines] == [round(point["mcc"], 3) for point in curve]
    best = max(range(len(curve)), key=lambda i: (curve[i]["mcc"], -i))  # first of the best
    assert (float(lines[-1][5]), int(lines[-1][6])) == (
        round(curve[best]["mcc"], 3),
        curve[best]["step"],
    )
    quiet = cli(*common, "--results", tmp_path / "q", "-q")
    assert quiet.exit_code == 0 and "ETA" not in quiet.output and not quiet.stderr.strip()


def test_on_a_terminal_the_bars_show_epoch_validation_and_etas(
    cli, data_root, tmp_path, monkeypatch
):
    from findna_bench import ui

    screen = io.StringIO()
    monkeypatch.setattr(ui, "err", Console(file=screen, force_terminal=True, width=300))
    monkeypatch.setattr(ui, "interactive", lambda: True)
    result = cli(
        "run",
        "-m",
        "cnn",
        "-t",
        "gue/mouse_3",
        *TINY,
        "--data-root",
        data_root,
        "--results",
        tmp_path / "r",
    )
    assert result.exit_code == 0, result.output
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue()).replace("\r", "\n")
    record = only_record(tmp_path / "r")
    last = record["curve"][-1]
    run_bar = [line for line in text.splitlines() if line.startswith("cnn gue/mouse_3 s0 ")][-1]
    assert f"{last['step']}/{last['step']} finetune ep {last['epoch']:.2f} loss" in run_bar
    best = f"(best {record['metrics']['valid']['mcc']:.3f} @{record['best_step']})"
    assert f"| valid mcc {last['mcc']:.3f} {best} | run ETA 0s" in run_bar
    suite_bar = [line for line in text.splitlines() if line.startswith("suite ")][-1]
    assert re.search(rf"1/1 +ETA {DURATION}", suite_bar)


def test_where_pretrained_weights_came_from_once_per_checkpoint(cli, data_root, tmp_path):
    common = [
        "run",
        "-m",
        "findna",
        "-t",
        "gue/tf_0",
        "-p",
        "smoke",
        "--data-root",
        data_root,
        "pretrain.steps=4",
        "finetune.max_train=128",
        "finetune.max_valid=64",
    ]
    first = cli(*common, "--seeds", "2", "--results", tmp_path / "r1")
    assert first.exit_code == 0, first.output
    said = [line for line in first.stderr.splitlines() if line.startswith("pretrained weights")]
    assert len(said) == 1, first.stderr  # seed 1 hit the same checkpoint: not said again
    final = json.loads(next((tmp_path / "r1").glob("*seed0*.json")).read_text())["pretrained"]
    assert said[0].startswith("pretrained weights: pretrained now (4 steps, ")
    assert said[0].endswith(f"cached in {final['checkpoint']}")
    again = cli(*common, "--seeds", "0,", "--results", tmp_path / "r2")
    assert f"pretrained weights: cache hit {final['checkpoint']} (4 steps)" in again.stderr
    assert (
        "pretrained weights"
        not in cli(*common, "--seeds", "0,", "-q", "--rerun", "--results", tmp_path / "r2").output
    )


def test_leakage_the_warn_policy_kept_is_one_line_per_pair():
    from findna_bench.builtins.progress_text import warn_lines

    leakage = {
        "policy": {"leakage": "warn", "rc_leakage": "warn", "single_class": "warn"},
        "exact": {"train-valid": 358, "train-test": 0, "valid-test": 0},
        "reverse_complement": {"train-test": 1},
        "near_single_class": ["test"],
        "majority_share": {"test": 0.97},
        "train_test_duplicates": 0,
    }
    record = {"task": "gue/tf_4", "data": {"validation": {"leakage": leakage}}}
    assert warn_lines(record) == [
        "data warning: gue/tf_4: 358 valid rows are train sequences, kept (data.policy.leakage=warn)",
        "data warning: gue/tf_4: 1 test rows are reverse complements of train sequences, kept "
        "(data.policy.rc_leakage=warn)",
        "data warning: gue/tf_4: the test split is near single-class (97% one class)",
    ]
    leakage["policy"]["leakage"] = "fix"
    assert not any("358" in line for line in warn_lines(record))
