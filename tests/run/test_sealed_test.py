"""``run --sealed-test``: runs store their test predictions but no command shows a test number
until ``unseal``, which computes exactly what an unsealed run records."""

from __future__ import annotations

import json

ARGS = ("-m", "cnn", "-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "0,")
ARGS += ("finetune.max_train=512",)


def only_record(results):
    (path,) = [p for p in results.glob("*__code-*.json")]
    return json.loads(path.read_text())


def test_sealed_runs_show_no_test_number_until_unsealed(cli, data_root, tmp_path):
    root = data_root
    sealed, plain = tmp_path / "sealed", tmp_path / "plain"
    run = cli("run", *ARGS, "--data-root", root, "--results", sealed, "--sealed-test")
    assert run.exit_code == 0, run.output
    assert "test sealed" in run.output and "test mcc" not in run.output
    record = only_record(sealed)
    assert record["sealed_test"] is True and record["metrics"]["test"] == {}
    assert set(record["sealed_metrics"]) == {"accuracy", "auroc", "f1_macro", "mcc"}
    assert record["predictions"]["rows"] > 0  # the evidence is kept
    board = cli("leaderboard", "--results", sealed, "-f", "md")
    assert "sealed test split" in board.output and "| cnn" not in board.output
    valid = cli("leaderboard", "--results", sealed, "--split", "valid", "-f", "md")
    assert "| cnn" in valid.output

    unsealed = cli("unseal", "--results", sealed)
    assert unsealed.exit_code == 0 and "unsealed 1 run(s)" in unsealed.output
    revealed = only_record(sealed)
    assert revealed["sealed_test"].startswith("unsealed ")
    reference = cli("run", *ARGS, "--data-root", root, "--results", plain)
    assert reference.exit_code == 0, reference.output
    assert revealed["metrics"]["test"] == only_record(plain)["metrics"]["test"]  # exactly
    assert "sealed_metrics" not in revealed
    assert "| cnn" in cli("leaderboard", "--results", sealed, "-f", "md").output
