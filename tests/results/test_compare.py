"""``findna-bench compare`` on hand-made records with stored predictions, and end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from findna_bench.results import predictions

TASKS = ("gue/t1", "gue/t2", "gue/t3")


def synthetic(n: int, accuracy: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    pred = np.where(rng.random(n) < accuracy, labels, 1 - labels)
    probs = np.full((n, 2), 0.2)
    probs[np.arange(n), pred] = 0.8
    return labels, probs


def write_model(
    root: Path, model: str, accuracy: float, *, stored: bool = True, offset: int = 0
) -> None:
    """Two seeds on three tasks; each record's test MCC is computed from its predictions."""
    from findna_bench.results.stats import mcc

    root.mkdir(exist_ok=True)
    for t, task in enumerate(TASKS):
        for seed in (0, 1):
            labels, probs = synthetic(400, accuracy, seed=100 * t + seed + offset)
            run_id = f"{model}__{task.replace('/', '_')}__seed{seed}"
            record = {
                "run_id": run_id,
                "status": "ok",
                "model": model,
                "task": task,
                "seed": seed,
                "profile": "smoke",
                "main_metric": "mcc",
                "higher_is_better": True,
                "started_at": "2025-01-01T00:00:00Z",
                "metrics": {"test": {"mcc": mcc(labels, probs.argmax(1), probs)}},
            }
            if stored:
                record["predictions"] = predictions.save(root, run_id, probs, labels)
            (root / f"{run_id}.json").write_text(json.dumps(record))


def test_a_known_difference_is_significant_on_every_task_after_holm(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    out = json.loads(
        cli(
            "compare", "good", "bad", "--results", results, "-f", "json", "--bootstrap", "2000"
        ).output
    )
    assert [t["task"] for t in out["tasks"]] == list(TASKS) and out["adjust"] == "holm"
    for task in out["tasks"]:
        test = task["test"]
        assert test["p_value"] == pytest.approx(2 / 2001)  # every replicate favours good
        assert task["p_adjusted"] == pytest.approx(3 * 2 / 2001) and not task["fragile"]
        assert test["low"] <= test["difference"] <= test["high"]
        assert task["better"] == "A" and test["method"].startswith("hierarchical bootstrap")
        assert abs(test["difference"] - (task["mean_a"] - task["mean_b"])) < 1e-12
    across = out["across"]
    assert across["low"] > 0 and across["p_value"] == pytest.approx(2 / 2001)
    assert out["wilcoxon"] == {"statistic": 0.0, "p_value": 0.25, "n": 3}  # exact: 2 / 2^3
    assert out["verdict"] == (
        "good is significantly better than bad on 3 of 3 tasks (gue/t1, gue/t2, gue/t3) by "
        "Holm-adjusted p < 0.05; the mean over tasks favours good; Wilcoxon p=0.25 over 3 tasks"
    )


def test_identical_predictions_no_difference_and_the_table(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "twin", 0.9)
    args = ("compare", "good", "twin", "--results", results, "--bootstrap", "500")
    out = json.loads(cli(*args, "-f", "json").output)
    for task in out["tasks"]:  # seeds drawn independently per side: draws differ, not the mean
        test = task["test"]
        assert test["difference"] == 0 and test["low"] < 0 < test["high"]
        assert task["p_adjusted"] == 1.0 and task["better"] is None
    assert out["wilcoxon"]["p_value"] == 1.0 and out["across"]["difference"] == 0
    assert out["verdict"].startswith("no task differs significantly between good and twin (by Holm")
    table = cli(*args).output
    assert "gue/t2" in table and "no task differs significantly between" in table
    assert "mean advantage of good over twin on 3 tasks: +0.00 (95% CI [" in table


def test_the_adjustment_is_chosen_and_a_bad_one_exits_2(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.85, offset=7)
    args = ("compare", "good", "bad", "--results", results, "--bootstrap", "400", "-f", "json")
    found = {a: json.loads(cli(*args, "--adjust", a).output) for a in ("holm", "bh", "none")}
    raw = [t["test"]["p_value"] for t in found["none"]["tasks"]]
    assert [t["p_adjusted"] for t in found["none"]["tasks"]] == raw
    for name in ("holm", "bh"):
        assert all(t["p_adjusted"] >= t["test"]["p_value"] for t in found[name]["tasks"])
    assert "Benjamini-Hochberg-adjusted p < 0.05" in found["bh"]["verdict"]
    assert "p < 0.05, not adjusted for 3 tasks" in found["none"]["verdict"]
    wrong = cli(*args[:-2], "--adjust", "bonferroni")
    assert wrong.exit_code == 2
    assert wrong.output.strip() == "error: --adjust bonferroni: choose one of holm, bh, none"


def test_without_stored_predictions_falls_back_to_seeds_and_says_so(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9, stored=False)
    write_model(results, "bad", 0.6, stored=True, offset=3)
    result = cli("compare", "good", "bad", "--results", results, "-t", "gue/t1")
    assert result.exit_code == 0, result.output
    assert "gue/t1: no stored predictions (A seed 0, A seed 1); seed-level test" in result.output
    out = json.loads(
        cli("compare", "good", "bad", "--results", results, "-t", "gue/t1", "-f", "json").output
    )
    assert out["tasks"][0]["test"]["method"].startswith("seed-level") and len(out["tasks"]) == 1


def test_markdown_and_csv_carry_the_rows_and_the_interval_level(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    args = ("compare", "good", "bad", "--results", results, "--bootstrap", "200")
    md = cli(*args, "-f", "md", "--alpha", "0.1").output
    assert (
        "| task | metric | good | bad | A - B | 90% CI | p | p (holm) | MC error | better | "
        "resampled |" in md
    )
    assert md.count("| gue/t") == 3 and "good is significantly better than bad" in md
    csv = cli(*args, "-f", "csv").output.splitlines()
    header = "task,metric,good,bad,A - B,95% CI,p,p (holm),MC error,better,resampled"
    assert csv[0] == header and len(csv) == 4
    rows = json.loads(cli(*args, "-f", "json").output)["tasks"]
    assert [line.split(",")[4] for line in csv[1:]] == [
        f"{100 * t['test']['difference']:.2f}" for t in rows
    ]


def test_user_errors_exit_2(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    result = cli("compare", "good", "nosuch", "--results", results)
    assert result.exit_code == 2 and "no successful records of model 'nosuch'" in result.output
    assert cli("compare", "good", "good", "--results", results, "-f", "xml").exit_code == 2


@pytest.mark.slow
def test_two_models_three_gue_tasks_end_to_end(cli, tmp_path, data_root):
    results = tmp_path / "r"
    run = cli(
        "run",
        "-m",
        "cnn,dilated-cnn",
        "-t",
        "gue/mouse_2",
        "-t",
        "gue/mouse_3",
        "-t",
        "gue/prom_core_tata",
        "--profile",
        "smoke",
        "--seeds",
        "2",
        "--data-root",
        data_root,
        "--results",
        results,
        "-q",
        "finetune.max_train=512",
        "finetune.max_valid=128",
        "finetune.epochs=1",
    )
    assert run.exit_code == 0, run.output
    records = [json.loads(p.read_text()) for p in results.glob("*.json")]
    assert len(records) == 12 and all(r["predictions"]["rows"] > 0 for r in records)
    out = json.loads(
        cli("compare", "cnn", "dilated-cnn", "--results", results, "-f", "json").output
    )
    assert len(out["tasks"]) == 3 and out["wilcoxon"]["n"] == 3
    for task in out["tasks"]:
        test = task["test"]
        assert test["method"].startswith("hierarchical bootstrap") and 0 < test["p_value"] <= 1
        assert test["low"] <= test["difference"] <= test["high"]
        assert task["seeds_a"] == task["seeds_b"] == [0, 1]
    table = cli("compare", "cnn", "dilated-cnn", "--results", results).output
    assert "Wilcoxon p=" in table and "gue/prom_core_tata" in table


def test_a_missing_predictions_file_falls_back_on_that_task_only(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    record = json.loads((results / "bad__gue_t2__seed1.json").read_text())
    (results / record["predictions"]["file"]).unlink()  # not copied with its record
    result = cli("compare", "good", "bad", "--results", results, "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    assert f"gue/t2: {results / record['predictions']['file']}: stored predictions not found" in (
        result.output.replace("\n", "")
    )
    rows = json.loads(cli("compare", "good", "bad", "--results", results, "-f", "json").output)
    methods = {t["task"]: t["test"]["method"] for t in rows["tasks"]}
    assert methods["gue/t2"].startswith("seed-level")
    assert methods["gue/t1"].startswith("hierarchical bootstrap")


def test_a_predictions_file_outside_the_results_folder_is_refused(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    path = results / "bad__gue_t1__seed0.json"
    record = json.loads(path.read_text())
    outside = tmp_path / record["predictions"]["file"]
    (results / record["predictions"]["file"]).rename(outside)  # intact, beside the folder
    record["predictions"]["file"] = f"../{outside.name}"
    path.write_text(json.dumps(record))
    out = json.loads(cli("compare", "good", "bad", "--results", results, "-f", "json").output)
    (t1,) = [t for t in out["tasks"] if t["task"] == "gue/t1"]
    assert t1["test"]["method"].startswith("seed-level")
    assert "is not a .preds.npz file name beside the record; refused" in t1["note"]


def test_a_model_compared_with_itself_is_refused(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    result = cli("compare", "good", "good", "--results", results)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: compare needs two different models; A and B are both 'good'"
    )


def test_the_verdict_names_a_models_failed_task(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    failed = {
        "run_id": "bad__gue_t3__seed2",
        "status": "failed",
        "model": "bad",
        "task": "gue/t3",
        "seed": 2,
        "profile": "smoke",
        "started_at": "2025-01-02T00:00:00Z",
        "error": "NonFiniteLoss: fine-tuning loss became nan at step 1",
    }
    (results / "bad__gue_t3__seed2.failed-x.json").write_text(json.dumps(failed))
    out = json.loads(cli("compare", "good", "bad", "--results", results, "-f", "json").output)
    assert out["verdict"].endswith("; bad has failed runs on gue/t3")
    assert out["failed_b"] == ["gue/t3"] and out["failed_a"] == []


def test_another_bootstrap_seed_moves_the_numbers_not_the_verdict(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    args = ("compare", "good", "bad", "--results", results, "--bootstrap", "2000", "-f", "json")
    first, second = (json.loads(cli(*args, "--bootstrap-seed", s).output) for s in ("0", "1"))
    assert first["tasks"][0]["test"]["low"] != second["tasks"][0]["test"]["low"]
    assert first["verdict"] == second["verdict"]


def test_too_few_resamples_for_holm_are_named_fragile(cli, tmp_path):
    # every replicate favours good, but 300 resamples cannot resolve p below 3 x 0.0066 +- 2 SE
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    out = cli("compare", "good", "bad", "--results", results, "--bootstrap", "300").output
    assert out.replace("\n", "").endswith(
        "fragile within Monte-Carlo error (another bootstrap seed may flip it): "
        "gue/t1, gue/t2, gue/t3"
    )
    assert "good (fragile)" in out


def test_a_single_seed_side_is_named_in_the_rows(cli, tmp_path):
    results = tmp_path / "r"
    write_model(results, "good", 0.9)
    write_model(results, "bad", 0.7, offset=7)
    for path in results.glob("bad__*seed1.json"):
        path.unlink()
    csv = cli("compare", "good", "bad", "--results", results, "--bootstrap", "500", "-f", "csv")
    rows = csv.output.splitlines()[1:]
    assert len(rows) == 3 and all(row.endswith(",400 ex.; one seed of B") for row in rows)


def test_the_committed_cpu_comparison_is_stable_across_bootstrap_seeds(cli):
    """findna vs chordmixer on the 13 GUE tasks of benchmarks/cpu-gue13: a task whose verdict
    differs between two bootstrap seeds is named fragile by at least one of them."""
    results = Path(__file__).parents[2] / "benchmarks" / "cpu-gue13"
    args = ("compare", "findna", "chordmixer", "--results", results, "--bootstrap", "3000")
    runs = [json.loads(cli(*args, "--bootstrap-seed", s, "-f", "json").output) for s in "01"]
    for run in runs:
        assert len(run["tasks"]) == 13 and run["adjust"] == "holm"
        assert all(t["test"]["method"].startswith("hierarchical") for t in run["tasks"])
        assert all(t["p_adjusted"] >= t["test"]["p_value"] for t in run["tasks"])
        assert run["across"]["low"] < run["across"]["difference"] < run["across"]["high"]
        assert sum(t["better"] == "A" for t in run["tasks"]) <= 1  # not "6 of 13"
    for first, second in zip(runs[0]["tasks"], runs[1]["tasks"]):
        if first["better"] != second["better"]:
            assert first["fragile"] or second["fragile"], first["task"]
    if not any(t["fragile"] for run in runs for t in run["tasks"]):
        assert runs[0]["verdict"] == runs[1]["verdict"]
    table = cli(*args).output
    assert "p (holm)" in table and "mean advantage of findna over chordmixer on 13 tasks" in table
