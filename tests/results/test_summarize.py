"""``findna-bench summarize``: the committed READMEs are what their records give (a drifted number
fails here), a drifted block is named and rewritten while the prose is kept, the facts match the
raw records, targets carry their margin, and malformed markers are one line with exit 2."""

import os
import re
from pathlib import Path

import pytest

from findna_bench.errors import ConfigError
from findna_bench.results import markers, summary_facts
from findna_bench.results.store import ResultsStore

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks" / "cpu-gue13"


@pytest.fixture(scope="module")
def records():
    """The run records, as every command reads them (certificate.json is not one)."""
    found, problems = ResultsStore(BENCH).read_all()
    assert not problems and found
    return found


def test_the_benchmark_readme_is_what_its_records_give(cli, data_root):
    result = cli("summarize", "--results", BENCH, "--data-root", data_root, "--check")
    assert result.exit_code == 0, result.output


def test_the_project_readme_quote_is_what_the_records_give(cli):
    result = cli("summarize", "--results", BENCH, "--readme", REPO / "README.md", "--check")
    assert result.exit_code == 0, result.output


def test_a_drifted_block_is_named_then_rewritten_with_the_prose_kept(cli, tmp_path, data_root):
    committed = (BENCH / "README.md").read_text()
    compare = next(b for b in markers.blocks(committed) if b.name == "compare")
    body = committed[compare.start : compare.end]
    drifted = body.replace("findna is significantly better", "findna is better", 1)
    assert drifted != body
    readme = tmp_path / "README.md"
    readme.write_text(committed[: compare.start] + drifted + committed[compare.end :] + "\nmine\n")

    check = cli(
        "summarize", "--results", BENCH, "--readme", readme, "--check", "--data-root", data_root
    )
    assert check.exit_code == 1
    assert "block 'compare findna chordmixer' differs" in check.output
    assert len(check.output.strip().splitlines()) == 1
    assert "findna is better" in readme.read_text()  # --check writes nothing

    assert (
        cli("summarize", "--results", BENCH, "--readme", readme, "--data-root", data_root).exit_code
        == 0
    )
    assert readme.read_text() == committed + "\nmine\n"


def test_facts_match_the_raw_records(records):
    """The four claims the hand-typed README got wrong, read from the records here directly."""
    patience = {(r["task"], r["config"]["finetune"]["patience"]) for r in records}
    setup = summary_facts.setup(records)
    main = max({p for _, p in patience}, key=lambda p: sum(q == p for _, q in patience))
    others = sorted({t.split("/")[1] for t, p in patience if p != main})
    assert f"| {main}; 5 on {', '.join(others)} |" in setup  # 10, except where the configs say 5

    fasta = {
        f
        for r in records
        if r["model"] == "findna"
        for f in r["config"]["pretrain"]["data"]["fasta"]
    }
    pretraining = summary_facts.pretraining(records)
    assert all(f"`{f}`" in pretraining for f in fasta) and f"({len(fasta)} file" in pretraining
    assert "chrX" not in pretraining

    budget = [r for r in records if r["stop_reason"] == "step budget"]
    stops = summary_facts.stops(records)
    assert (
        f"Of the {len(records)} runs, " in stops
        and f"{len(budget)} stopped on step budget" in stops
    )
    pair = [r for r in budget if r["model"] in ("findna", "chordmixer")]
    rows = re.findall(r"^\| \S+ \| (findna|chordmixer) \| step budget \| (\d+) \|", stops, re.M)
    assert sum(int(n) for _, n in rows) == len(pair)


def test_late_gain_is_the_rise_of_the_best_dev_score_in_the_last_fifth():
    run = {
        "main_metric": "mcc",
        "curve": [{"step": s, "mcc": v} for s, v in ((100, 0.5), (400, 0.6), (500, 0.65))],
    }
    assert summary_facts.late_gain(run) == pytest.approx(5.0)  # 65 - 60, x100
    assert summary_facts.late_gain({**run, "higher_is_better": False}) == pytest.approx(0.0)


def test_targets_are_judged_with_their_margin(cli, tmp_path, records):
    readme = tmp_path / "README.md"
    readme.write_text(
        "<!-- summarize:targets\n"
        "- {target: high, check: best mean >= 99}\n"
        "- {target: low, check: lowest run > 0}\n"
        "-->\n<!-- /summarize:targets -->\n"
    )
    assert cli("summarize", "--results", BENCH, "--readme", readme).exit_code == 0
    text = readme.read_text()
    lowest = min(100 * r["metrics"]["test"]["mcc"] for r in records)
    assert f"| low | lowest run > 0 | {lowest:.2f} |" in text and f"met (by {lowest:.2f})" in text
    best = re.search(r"\| high \| best mean >= 99 \| ([\d.]+) \|", text)
    assert best and f"**missed by {99 - float(best[1]):.2f}**" in text


def test_a_difference_is_judged_with_its_interval_not_its_estimate_alone(cli, tmp_path):
    """findna - chordmixer on the 13 tasks: the interval clears 0 but holds 2, so a bound of 2
    is undecided (the estimate alone would call it met) and the reversed pair is missed."""
    readme = tmp_path / "README.md"
    readme.write_text(
        "<!-- summarize:targets\n"
        "- {target: margin, check: findna - chordmixer >= 2}\n"
        "- {target: ahead, check: findna - chordmixer > 0}\n"
        "- {target: behind, check: chordmixer - findna > 0}\n"
        "-->\n<!-- /summarize:targets -->\n"
    )
    assert cli("summarize", "--results", BENCH, "--readme", readme).exit_code == 0
    rows = {
        found[1]: (float(found[2]), float(found[3]), float(found[4]), found[5])
        for found in re.finditer(
            r"^\| (\w+) \| .+? \| (-?[\d.]+) \| .+?CI \[(-?[\d.]+), (-?[\d.]+)\].+? \| (.+) \|$",
            readme.read_text(),
            re.M,
        )
    }
    value, low, high, verdict = rows["margin"]
    assert low <= 2 <= high and value > 2  # the committed records: 2.28 in [0.15, 4.55]
    assert (
        verdict
        == f"**undecided**: the estimate is over by {value - 2:.2f}, but its interval holds 2"
    )
    value, low, _, verdict = rows["ahead"]
    assert low > 0 and verdict == f"met (by {value:.2f})"
    value, _, high, verdict = rows["behind"]
    assert high < 0 and verdict == f"**missed by {-value:.2f}**"


def test_a_cell_score_and_the_hours_of_some_models_are_read_from_the_records(
    cli, tmp_path, records
):
    readme = tmp_path / "README.md"
    readme.write_text(
        "<!-- summarize:targets\n"
        "- {target: cell, check: score convnova on gue/prom_core_all >= 67.4}\n"
        "- {target: cost, check: 'hours on 2 cores of cnn,convnova <= 3'}\n"
        "- {target: beside it, report: 'hours on 2 cores of cnn'}\n"
        "-->\n<!-- /summarize:targets -->\n"
    )
    assert cli("summarize", "--results", BENCH, "--readme", readme).exit_code == 0
    text = readme.read_text()
    cell = [
        100 * r["metrics"]["test"]["mcc"]
        for r in records
        if r["model"] == "convnova" and r["task"] == "gue/prom_core_all"
    ]
    assert (
        f"| {sum(cell) / 3:.2f} | convnova on gue/prom_core_all: {sum(cell) / 3:.2f} (mean" in text
    )
    seconds = sum(r["wall_seconds"] for r in records if r["model"] in ("cnn", "convnova"))
    assert (
        f"| {seconds / 3600 / 2:.2f} | 78 runs, {seconds / 3600:.2f} h of run time / 2 cores"
        in text
    )
    cnn = sum(r["wall_seconds"] for r in records if r["model"] == "cnn") / 3600
    reported = f"| beside it | hours on 2 cores of cnn | {cnn / 2:.2f} | 39 runs, {cnn:.2f} h"
    assert reported in text and text.split(reported)[1].split("\n")[0].endswith("| reported |")


def test_an_unfinished_comparison_says_its_targets_are_provisional(cli, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "<!-- summarize:targets\n- planned runs: 1000\n"
        "- {target: unrun, check: score cnn on gue/EMP_H3 >= 50}\n"
        "-->\n<!-- /summarize:targets -->\n"
    )
    assert cli("summarize", "--results", BENCH, "--readme", readme).exit_code == 0
    text = readme.read_text()
    assert "**Provisional: 156 of the 1000 planned runs are in;**" in text
    assert "cnn on gue/EMP_H3: no run yet | not measured |" in text
    readme.write_text(
        "<!-- summarize:targets\n- {target: t, check: score cnnn on gue/tf_0 >= 50}\n"
        "-->\n<!-- /summarize:targets -->\n"
    )
    typo = cli("summarize", "--results", BENCH, "--readme", readme)
    assert typo.exit_code == 2 and "no leaderboard row for 'score cnnn" in typo.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- summarize:status -->\nno end\n", "has no <!-- /summarize:status -->"),
        ("<!-- summarize:nonsense -->\n<!-- /summarize:nonsense -->\n", "unknown block"),
        ("<!-- summarize:compare findna -->\n<!-- /summarize:compare -->\n", "takes 2 argument"),
        ("<!-- summarize:targets\n- {check: x}\n-->\n<!-- /summarize:targets -->\n", "needs a"),
        ("<!-- summarize:targets\n- {target: t, check: best mean > 1, report: best mean}\n-->\n"
         "<!-- /summarize:targets -->\n", "either a 'check' or a 'report'"),
        ("<!-- summarize:targets\n- {target: t, check: speed >= 1}\n-->\n"
         "<!-- /summarize:targets -->\n", "unknown quantity 'speed'"),
        ("prose only, `<!-- summarize:status -->` quoted\n", "no <!-- summarize:NAME --> block"),
    ],
)  # fmt: skip
def test_bad_markers_are_one_line_exit_2(cli, tmp_path, text, message):
    readme = tmp_path / "README.md"
    readme.write_text(text)
    result = cli("summarize", "--results", BENCH, "--readme", readme)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert readme.read_text() == text


def test_blocks_keep_args_and_spec():
    text = (
        "x\n<!-- summarize:compare a 'b c'\nspec line\n-->\nold\n<!-- /summarize:compare -->\ny\n"
    )
    (block,) = markers.blocks(text)
    assert (block.title, block.spec) == ("compare a b c", "spec line\n")
    assert markers.fill(text, [block], ["new"]).endswith(
        "-->\nnew\n<!-- /summarize:compare -->\ny\n"
    )
    with pytest.raises(ConfigError, match="line 1"):
        markers.blocks("<!-- summarize:a -->\n<!-- summarize:b -->\n<!-- /summarize:b -->\n")


def test_a_block_from_another_folder_reads_that_folders_records(cli, tmp_path):
    """The project README quotes several benchmarks: from=FOLDER, relative to the README."""
    readme = tmp_path / "README.md"
    v2 = os.path.relpath(BENCH.parent / "cpu-gue13-v2", tmp_path)
    readme.write_text(
        "<!-- summarize:status -->\n<!-- /summarize:status -->\n"
        f"<!-- summarize:status from={v2} -->\n<!-- /summarize:status -->\n"
    )
    assert cli("summarize", "--results", BENCH, "--readme", readme).exit_code == 0
    text = readme.read_text()
    ours, theirs = (text[b.start : b.end].strip() for b in markers.blocks(text))
    assert ours.startswith("**Status: complete: 156 of 156 records `ok`.**")
    assert theirs.startswith("**Status: complete: 273 of 273 records `ok`.**")
    readme.write_text("<!-- summarize:status from=nowhere -->\n<!-- /summarize:status -->\n")
    missing = cli("summarize", "--results", BENCH, "--readme", readme)
    assert missing.exit_code == 2 and "nowhere is not a results folder" in missing.output
    assert len(missing.output.strip().splitlines()) == 1
    with pytest.raises(ConfigError, match="one from=FOLDER at most"):
        markers.blocks("<!-- summarize:status from=a from=b -->\n<!-- /summarize:status -->\n")


OTHER_BENCHMARKS = sorted(
    p.parent.name
    for p in BENCH.parent.glob("*/README.md")
    if p.parent != BENCH and "<!-- summarize:" in p.read_text()
)


@pytest.mark.parametrize("folder", OTHER_BENCHMARKS)
def test_every_other_benchmark_readme_is_what_its_records_give(cli, data_root, folder):
    """cpu-gue13-pretrain-seeds, cpu-speed, cpu-amp-check, ...: each generated block."""
    result = cli(
        "summarize", "--results", BENCH.parent / folder, "--data-root", data_root, "--check"
    )
    assert result.exit_code == 0, result.output


def test_the_speed_block_is_the_speed_report(tmp_path):
    from findna_bench.results import speed_table

    report = {
        "device": "cpu (2 cores, 2 torch threads)",
        "settings": {"batch_size": 64, "torch": "2.13.0", "steps": 5},
        "gemm_by_dtype": [{"dtype": "float32", "gflops": 100.0, "n": 2048}],
        "results": [
            {"model": "convnova", "length": 101, "path": "fp32", "status": "ok",
             "train_tokens_per_s": 123456.7, "infer_tokens_per_s": 400000.0,
             "train_gflops": 12.34, "train_fraction_of_gemm": 0.1234,
             "vs_first": {"train_tokens_per_s": 1.0}},
            {"model": "convnova", "length": 101, "path": "bf16", "status": "oom"},
        ],
    }  # fmt: skip
    path = tmp_path / "speed.json"
    path.write_text(__import__("json").dumps(report))
    table = speed_table.markdown(path)
    assert "| convnova | 101 | fp32 | 123,457 | 400,000 | 12.3 | 12.3% | 1.00 |" in table
    assert "| convnova | 101 | bf16 | oom |" in table and "float32 100.0 GFLOP/s" in table
    path.write_text("{}")
    with pytest.raises(ConfigError, match="not a `findna-bench speed --json` report"):
        speed_table.markdown(path)


def test_paired_valid_is_the_mean_paired_difference_on_validation(records, tmp_path):
    """cpu-amp-check's block, recomputed from the raw records of both folders."""
    import statistics

    from findna_bench.results import paired_valid

    amp, _ = ResultsStore(BENCH.parent / "cpu-amp-check").read_all()
    fp32 = {(r["model"], r["task"], r["seed"]): r for r in records}
    table = paired_valid.markdown(amp, BENCH)
    for model in ("chordmixer", "findna"):
        diffs = [
            100 * (r["metrics"]["valid"]["mcc"] - fp32[key]["metrics"]["valid"]["mcc"])
            for r in amp
            if r["model"] == model and (key := (r["model"], r["task"], r["seed"])) in fp32
        ]
        assert len(diffs) == 9
        assert f"| {model} | 9 | {statistics.fmean(diffs):+.2f} |" in table
    with pytest.raises(ConfigError, match="no run there"):
        paired_valid.markdown(amp, tmp_path)


def test_a_speed_report_beside_records_is_neither_a_record_nor_a_warning():
    found, problems = ResultsStore(BENCH.parent / "cpu-speed").read_all()
    assert not problems and len(found) == 7 and all(isinstance(r, dict) for r in found)
