"""The HTML report: content, no matplotlib needed, and a clean render in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from findna_bench.results import references, report, report_tables


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
                "device": "cpu: x86_64",
                "packages": {"torch": "2.13.0"},
            },
            "protocol": {
                "valid": "dev: gue/tf_0/dev.csv",
                "selection": "best epoch: highest validation mcc",
            },
            "curve": [{"epoch": 1.0, "mcc": value or 0.0}, {"epoch": 2.0, "mcc": value or 0.0}],
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
    out.append(full_record(make_record, "findna", "gue/tf_0", 0, None, status="failed"))
    return out


def test_page_has_every_section(records, tmp_path):
    profile = tmp_path / "profile.json"
    profile.write_text(
        json.dumps(
            {
                "device": "cpu (2 cores, 2 torch threads)",
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
        records,
        refs=references.load(),
        expected_seeds=3,
        profile_rows=report_tables.load_profile_rows([profile]),
    )
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "42.00 ± 2.00 (n=3)" in html  # cnn on each task: 40, 44, 42
    assert (
        '<tr class="published"><td>DNABERT-2 [published: DNABERT-2 paper; not re-run]</td>' in html
    )
    assert "<td>not ranked</td>" in html
    assert '<td class="failed">failed (1)</td>' in html
    assert html.count("<svg") == 1 and html.count("<rect") >= 4  # 2 models x 2 tasks, + legend
    assert (
        "<td>cnn @ L=1024 (cpu (2 cores, 2 torch threads))</td><td>ok</td><td>0.015 M</td>" in html
    )
    assert "<td>12,345</td>" in html and "<td>1.2%</td>" in html and "<td>oom</td>" in html
    assert all(r["run_id"] in html for r in records)  # the manifest lists every run
    assert "Published GUE group means" in html


def test_write_without_matplotlib_gives_the_page_alone(records, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "matplotlib_available", lambda: False)
    files = report.write(tmp_path / "report", records, refs=references.load())
    assert [f.name for f in files] == ["index.html"]
    assert "<svg" in files[0].read_text()


def test_write_with_matplotlib_adds_pngs(records, tmp_path):
    pytest.importorskip("matplotlib")
    files = report.write(tmp_path / "report", records, refs=references.load())
    assert [f.name for f in files] == ["index.html", "bars.png", "curves.png"]
    assert all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files[1:])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(records, tmp_path, cli):
    results = tmp_path / "results"
    results.mkdir()
    for rec in records:
        (results / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    out = tmp_path / "report"
    assert cli("report", "--results", results, "--out", out, "--seeds", "3").exit_code == 0
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1400,1800",
    ]
    page = (out / "index.html").as_uri()
    dom = subprocess.run(
        [*flags, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=False
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == []
    assert "Leaderboard: test main metric" in dom.stdout and "<svg" in dom.stdout
    assert "DNABERT-2 [published: DNABERT-2 paper; not re-run]" in dom.stdout
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [*flags, f"--screenshot={shot}", page],
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
def test_report_reads_real_profile_json(records, tmp_path, cli):
    profile = tmp_path / "profile.json"
    made = cli(
        "profile",
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
        profile,
    )
    assert made.exit_code == 0, made.output
    rows = report_tables.load_profile_rows([profile])
    assert [(r["model"], r["length"], r["status"]) for r in rows] == [("cnn", 64, "ok")]
    html = report.render(records, profile_rows=rows)
    assert "<td>cnn @ L=64 (cpu" in html and "train tokens/s" in html
