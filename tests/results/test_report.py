"""The HTML report: content, no matplotlib needed, and a clean render in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from findna_bench.builtins.metrics import accuracy, mcc
from findna_bench.results import coverage, predictions, references, report, report_tables
from findna_bench.results.report import Inputs
from findna_bench.results.report_curves import curves_svg
from findna_bench.results.report_svg import Bar, Series, bar_chart


def full_record(make_record, model, task, seed, value, **kw):
    rec = make_record(model, task, seed, value, **kw)
    rec.update(
        {
            "parameters": 4321,
            "train_seconds": 1.5,
            "wall_seconds": 2.0,
            "best_epoch": 2.0,
            "config_hash": "abc123",
            "environment": {
                "git_sha": "deadbeef",
                "device": "cpu: x86_64, 1 threads",
                "host": "box",
                "packages": {"torch": "2.13.0"},
            },
            "protocol": {
                "valid": "dev: gue/tf_0/dev.csv",
                "selection": "best epoch: highest validation mcc",
            },
            "curve": [{"epoch": 1.0, "mcc": (value or 0.0) - 0.1}, {"epoch": 2.0, "mcc": value}],
        }
    )
    return rec


@pytest.fixture()
def records(make_record):
    out = [
        full_record(make_record, m, t, s, v)
        for m, base in (("cnn", 0.40), ("chordmixer", 0.50))
        for t in ("gue/tf_0", "gue/prom_core_tata")
        for s, v in enumerate([base, base + 0.04, base + 0.02])
    ]
    failed = full_record(make_record, "findna", "gue/tf_0", 0, None, status="failed")
    del failed["environment"]  # as the suite writes failed records
    return [*out, failed]


def resolve(name):
    return {"mcc": mcc, "accuracy": accuracy}[name], True


def stored(make_record, root, model, task, seed, right, n=200):
    """A record whose test MCC comes from predictions (``right`` of ``n`` correct), stored."""
    labels = np.arange(n) % 2
    pred = labels.copy()
    pred[right:] = 1 - pred[right:]
    probs = np.full((n, 2), 0.1)
    probs[np.arange(n), pred] = 0.9
    rec = full_record(make_record, model, task, seed, mcc(labels, pred, probs))
    rec["predictions"] = predictions.save(root, rec["run_id"], probs, labels)
    (root / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    return rec


def three_models(make_record, root, tasks):
    root.mkdir(exist_ok=True)
    return [
        stored(make_record, root, model, task, seed, right + 3 * seed + t)
        for model, right in (("good", 190), ("mid", 160), ("poor", 130))
        for t, task in enumerate(tasks)
        for seed in (0, 1)
    ]


def test_page_has_every_section(records, tmp_path):
    profile = tmp_path / "profile.json"
    profile.write_text(
        json.dumps(
            {
                "device": "cpu (2 cores, 2 torch threads)",
                "settings": {"profile": "cpu"},
                "results": [
                    {
                        "model": "cnn",
                        "length": 1024,
                        "status": "ok",
                        "params": 14770,
                        "train_tokens_per_s": 12345.0,
                        "train_fraction_of_gemm": 0.0123,
                    },
                    {"model": "transformer", "length": 16384, "status": "oom"},
                ],
            }
        )
    )
    html = report.render(
        Inputs(
            records=records,
            refs=references.load(),
            expected_seeds=3,
            profile_rows=report_tables.load_profile_rows([profile]),
        )
    )
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "Leaderboard: test MCC × 100, mean ± std over seeds</h2>" in html  # no CI asked
    assert "42.00 ± 2.00 (n=3)" in html  # cnn on each task: 40, 44, 42
    assert (
        '<tr class="published"><td>DNABERT-2 [published: DNABERT-2 paper; not re-run]</td>' in html
    )
    assert '<td class="failed">failed (1)</td>' in html
    assert html.count("<svg") == 2  # the bar chart and the validation curves
    assert "<h2>Validation curves</h2>" in html
    assert "<td>cnn (cpu profile) @ L=1024 (cpu (2 cores, 2 torch threads))</td><td>ok</td>" in html
    assert "<td>12,345</td>" in html and "<td>1.2%</td>" in html and "<td>oom</td>" in html
    assert all(r["run_id"] in html for r in records)  # the table of every run
    assert "Published GUE group means" in html
    # 13 runs: 12 ok ones of 2 s and a failed one of 2 s without environment
    assert "Total: 0.007 CPU hours and 0.000 GPU hours" in html
    assert "0.001 h on machines not recorded" in html
    assert "<td>box</td><td>cpu: x86_64, 1 threads</td><td>12</td>" in html
    assert "<h2>How the runs trained</h2>" in html and "<td>total</td><td>12</td>" in html


def test_transposed_when_tasks_outnumber_models(make_record):
    tasks = [f"gue/tf_{i}" for i in range(5)]
    records = [
        full_record(make_record, m, t, 0, v) for m, v in (("cnn", 0.4), ("rnn", 0.3)) for t in tasks
    ]
    html = report.render(Inputs(records=records))
    board = html.split('<div id="leaderboard">')[1].split("</table>")[0]
    header = re.findall(r"<th[^>]*>([^<]*)</th>", board)
    assert header == ["task", "cnn", "rnn"]  # models are the columns
    row_names = re.findall(r"<tr[^>]*><td>([^<]*)</td>", board)
    assert row_names == [*tasks, "mean", "rank"]  # tasks, then the summary rows
    assert board.count('<tr class="summary">') == 2
    few = report.render(Inputs(records=records[:1] + records[5:6]))  # 1 task, 2 models
    assert re.findall(r"<th>([^<]*)</th>", few.split('<div id="leaderboard">')[1])[:2] == [
        "model",
        "gue/tf_0",
    ]


def test_unavailable_tasks_of_the_suites_run_are_listed(records):
    html = report.render(
        Inputs(
            records=records,
            unavailable={"gue/tf_9": "no train split under /data", "gue/x": "no test split"},
            suites=["gue"],
        )
    )
    assert "Unavailable: 2 of the 4 tasks of gue (no data here)" in html
    assert "<td>gue/tf_9</td><td>no train split under /data</td>" in html


def test_coverage_lists_only_suites_whose_available_tasks_all_ran():
    suites = {"gue": ["gue/a", "gue/b", "gue/c", "gue/d"], "gb": ["gb/a", "gb/b"]}
    missing = {"gue/c": "no train split", "gue/d": "no train and no test split", "gb/b": "x"}
    assert coverage.suites_run(suites, {"gue/a", "gue/b"}, missing) == ["gue"]
    assert coverage.unavailable(suites, {"gue/a", "gue/b"}, missing) == {
        "gue/c": "no train split",
        "gue/d": "no train and no test split",
    }
    assert coverage.unavailable(suites, {"gue/a"}, missing) == {}  # gue/b has data, not run
    assert coverage.suites_run(suites, {"gb/a"}, missing) == ["gb"]


def test_comparison_section_intervals_and_cd_diagram(make_record, tmp_path):
    root = tmp_path / "r"
    tasks = ["gue/tf_0", "gue/tf_1", "gue/tf_2", "gue/tf_3"]
    records = three_models(make_record, root, tasks)
    html = report.render(Inputs(records=records, results_root=root, resolve=resolve, n_boot=200))
    assert "Leaderboard: test MCC × 100, mean ± std over seeds [95% CI]</h2>" in html
    assert re.search(r'<span class="ci">\[\d+\.\d\d, \d+\.\d\d\]</span>', html)
    assert html.count('class="err"') == 12  # a solid interval whisker per bar
    assert "stroke-dasharray" not in html.split("<h2>Validation curves")[0]
    assert "<h3>good vs mid</h3>" in html and "<th>95% CI</th>" in html
    assert "good is significantly better than mid on 4 of 4 tasks" in html
    assert "Critical-difference diagram (3 models, 4 tasks)" in html
    assert 'aria-label="critical difference diagram"' in html
    assert "<th>p (holm)</th>" in html and "mean advantage of good over mid on 4 tasks" in html
    assert "Leave-one-task-out" in html


def test_a_cell_without_predictions_falls_back_to_a_dashed_std_bar(make_record, tmp_path):
    root = tmp_path / "r"
    records = three_models(make_record, root, ["gue/tf_0"])
    del records[0]["predictions"]  # good, seed 0
    html = report.render(Inputs(records=records, results_root=root, resolve=resolve, n_boot=200))
    assert "[no stored predictions]" in html
    assert html.count('stroke-dasharray="2,2"') == 1
    assert "gue/tf_0: no stored predictions (A seed 0); seed-level test" in html


def test_metric_phrase_names_the_exceptions(make_record):
    records = [
        full_record(make_record, "cnn", "gue/tf_0", 0, 0.4),
        full_record(make_record, "cnn", "gue/virus_covid", 0, 0.5, metric="f1_macro"),
        full_record(make_record, "cnn", "gue/tf_1", 0, 0.4),
    ]
    html = report.render(Inputs(records=records))
    assert "Leaderboard: test MCC (macro F1 on gue/virus_covid) × 100" in html


def test_bars_carry_interval_or_dashed_std_whiskers_in_the_series_colour():
    svg = bar_chart(
        ["t1"],
        [
            Series(label="a", values=[Bar(mean=50, low=40, high=60)], colour="#123456"),
            Series(label="b", values=[Bar(mean=30, low=25, high=35, kind="± std")]),
        ],
    )
    assert 'fill="#123456"' in svg and svg.count('class="err"') == 2
    assert svg.count("stroke-dasharray") == 1
    assert "a on t1: 50.00 [40.00, 60.00] (95% CI)" in svg


def test_curves_use_the_bar_colours_and_mark_the_selected_epoch(records):
    ok = [r for r in records if r["status"] == "ok"]
    rows = [r["model"] for r in ok]
    svg = curves_svg(ok, rows, {"cnn": "#4269d0", "chordmixer": "#efb118"})
    assert svg.count('stroke="#4269d0"') == 6 and svg.count('stroke="#efb118"') == 6
    assert svg.count("<circle") == 12  # best_epoch 2.0 on every curve
    assert svg.count("font-weight") == 2  # one panel per task


def test_write_without_matplotlib_gives_the_page_alone(records, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "matplotlib_available", lambda: False)
    files = report.write(tmp_path / "report", Inputs(records=records, refs=references.load()))
    assert [f.name for f in files] == ["index.html"]
    assert "<svg" in files[0].read_text()


def test_write_with_matplotlib_adds_pngs(records, tmp_path):
    pytest.importorskip("matplotlib")
    files = report.write(tmp_path / "report", Inputs(records=records, refs=references.load()))
    assert [f.name for f in files] == ["index.html", "bars.png", "curves.png"]
    assert all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files[1:])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--hide-scrollbars",
    "--window-size=1400,1800",
]
# appended to a copy of the page (the report has no script): widths where scrolling would show
MEASURE = (
    "<script>const d = document.querySelector('#leaderboard .scroll');"
    "document.title = [d.scrollWidth, d.clientWidth, document.documentElement.scrollWidth,"
    " window.innerWidth].join(' ');</script></body>"
)


def available_gue(catalog, data_root):
    return [
        name
        for name in catalog.names("task")
        if name.startswith("gue/")
        and all(
            catalog.get("task", name).factory().split_files(data_root).get(s)
            for s in ("train", "test")
        )
    ]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(make_record, tmp_path, cli, catalog, data_root):
    tasks = available_gue(catalog, data_root)
    assert len(tasks) == 13  # the shared data: 15 of GUE's 28 tasks have no training split
    results = tmp_path / "results"
    three_models(make_record, results, tasks)
    out = tmp_path / "report"
    made = cli(
        "report", "--results", results, "--out", out, "--seeds", "2", "--data-root", data_root
    )
    assert made.exit_code == 0, made.output
    html = (out / "index.html").read_text()
    assert "Unavailable: 15 of the 28 tasks of gue (no data here)" in html
    assert "<h3>good vs mid</h3>" in html and "Critical-difference diagram (3 models, 13" in html
    flags = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*flags, "--dump-dom", (out / "index.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == []
    assert "Leaderboard: test MCC" in dom.stdout and dom.stdout.count("<svg") == 3
    measured = out / "measured.html"
    measured.write_text(html.replace("</body>", MEASURE))
    widths = subprocess.run(
        [*flags, "--dump-dom", measured.as_uri()], capture_output=True, text=True, timeout=120
    )
    board_w, board_visible, page_w, window_w = map(
        int, re.search(r"<title>([\d ]+)</title>", widths.stdout).group(1).split()
    )
    assert board_w <= board_visible and page_w <= window_w  # 13 tasks: no horizontal scrolling
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [*flags, f"--screenshot={shot}", (out / "index.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (
        done.returncode == 0
        and shot.read_bytes()[:4] == b"\x89PNG"
        and shot.stat().st_size > 20_000
    )


@pytest.mark.slow
def test_report_reads_real_speed_json(records, tmp_path, cli):
    speed = tmp_path / "speed.json"
    made = cli(
        "speed",
        "-m",
        "cnn",
        "-L",
        "64",
        "--steps",
        "1",
        "--warmup",
        "0",
        "--no-isolate",
        "--json",
        speed,
    )
    assert made.exit_code == 0, made.output
    rows = report_tables.load_profile_rows([speed])
    assert [(r["model"], r["length"], r["status"], r["profile"]) for r in rows] == [
        ("cnn", 64, "ok", "cpu")
    ]
    html = report.render(Inputs(records=records, profile_rows=rows))
    assert "<td>cnn (cpu profile) @ L=64 (cpu" in html and "train tokens/s" in html
