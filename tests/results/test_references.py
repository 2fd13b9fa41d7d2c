"""Published reference rows: faithful transcription, shown marked and unranked unless asked."""

from __future__ import annotations

import json

import pytest

from findna_bench.errors import ConfigError
from findna_bench.results import references


def test_transcription_reproduces_the_published_averages():
    refs = references.load()
    gue = {r.model: r for r in refs.rows if r.source.key == "dnabert2-gue"}
    for model, average in (
        ("DNABERT-2", 66.81),
        ("NT-2500M-multi", 66.93),
        ("DNABERT (3-mer)", 61.62),
    ):
        values = [m for m, _ in gue[model].values.values()]
        assert len(values) == 28
        assert sum(values) / 28 == pytest.approx(average, abs=0.01)
    # the per-task rows agree with the source's own group means (EMP yeast, TF mouse)
    groups = refs.group_means["groups"]
    dnabert2 = refs.group_means["rows"]["DNABERT-2 (117M)"]
    emp = [v for t, (v, _) in gue["DNABERT-2"].values.items() if t.startswith("gue/EMP_")]
    mouse = [v for t, (v, _) in gue["DNABERT-2"].values.items() if t.startswith("gue/mouse_")]
    assert sum(emp) / 10 == pytest.approx(dnabert2[groups.index("EMP yeast (10)")], abs=0.01)
    assert sum(mouse) / 5 == pytest.approx(dnabert2[groups.index("TF mouse (5)")], abs=0.01)
    assert gue["DNABERT-2"].metric("gue/virus_covid") == "f1_macro"


def test_every_reference_task_is_a_registered_task(catalog):
    known = set(catalog.names("task"))
    for ref in references.load().rows:
        assert set(ref.values) <= known, (ref.label, set(ref.values) - known)


def test_leaderboard_shows_published_rows_marked_and_unranked(cli, tmp_path, make_record):
    results = tmp_path / "results"
    results.mkdir()
    for seed, value in enumerate([0.41, 0.45, 0.43]):
        for task in ("gue/tf_0", "gue/prom_core_tata"):
            rec = make_record("cnn", task, seed, value)
            (results / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    out = cli("leaderboard", "--results", results, "--references", "--format", "md").output
    lines = {
        line.split(" | ")[0].lstrip("| "): line
        for line in out.splitlines()
        if line.startswith("| ")
    }
    dnabert2 = lines["DNABERT-2 [published: DNABERT-2 paper; not re-run]"]
    assert "71.99 (pub.)" in dnabert2 and "74.17 (pub.)" in dnabert2
    assert dnabert2.rstrip(" |").endswith("not ranked")
    assert lines["cnn"].rstrip(" |").endswith("1.00")  # ours alone are ranked
    assert "GenomicBenchmarks" not in out and "CNN (PyTorch)" not in out  # GB rows: other tasks
    assert "Protocol: GUE train/dev/test CSVs; one seed (42)" in out
    ranked = cli("leaderboard", "--results", results, "--rank-references", "--format", "md").output
    first_row = [line for line in ranked.splitlines() if line.startswith("| ")][2]
    assert first_row.startswith(("| DNABERT-2 [published", "| DNABERT (3-mer) [published"))
    assert "not ranked" not in ranked
    plain = cli("leaderboard", "--results", results, "--format", "md").output
    assert "published" not in plain


def test_references_are_test_split_numbers(make_record):
    with pytest.raises(ConfigError, match="test-split"):
        references.with_references(
            [make_record("cnn", "gue/tf_0", 0, 0.4)], references.load(), split="valid"
        )


def test_published_metric_must_match_our_main_metric(make_record):
    # our covid main metric is macro F1; a record scored in MCC gets no published covid row
    board, used = references.with_references(
        [make_record("cnn", "gue/virus_covid", 0, 0.5, metric="mcc")], references.load()
    )
    assert used == [] and list(board.table.index) == ["cnn"]
    board, used = references.with_references(
        [make_record("cnn", "gue/virus_covid", 0, 0.5, metric="f1_macro")], references.load()
    )
    assert (
        board.table.loc["DNABERT-2 [published: DNABERT-2 paper; not re-run]", "gue/virus_covid"]
        == "71.02 (pub.)"
    )


def test_gb_rows_carry_standard_errors(make_record):
    task = "genomic_benchmarks/human_enhancers_cohn"
    board, used = references.with_references(
        [make_record("cnn", task, 0, 0.7, metric="accuracy")], references.load()
    )
    assert (
        board.table.loc["HyenaDNA [published: GENERator (S2); not re-run]", task]
        == "72.50 ± 0.90 SE (pub.)"
    )
    assert (
        board.table.loc["CNN (PyTorch) [published: GB README (S1); not re-run]", task]
        == "69.50 (pub.)"
    )
    assert {r.source.key for r in used} == {"gb-s1", "gb-s2"}
