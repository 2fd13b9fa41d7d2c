"""`findna-bench data status | verify` on the real shared data (numbers from its manifest) and on
a tmp root with a corrupted file; and that a suite runs what it can and lists the rest."""

from __future__ import annotations

import json
import shutil


def manifest(data_root) -> dict[str, dict]:
    return {e["path"]: e for e in json.loads((data_root / "manifest.json").read_text())}


def test_status_numbers_match_the_shared_manifest(cli, data_root):
    result = cli("data", "status", "--data-root", data_root, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    entries = manifest(data_root)
    present = [r for r in rows if r["path"]]
    assert len({r["task"] for r in rows}) == 41  # 9 GB + 28 GUE + 4 MTcDNA
    for row in present:
        entry = entries[row["path"].split(str(data_root) + "/")[1]]
        assert row["rows"] == entry["rows"] and row["balance"] == {
            k: v for k, v in entry["labels"].items()
        }
        assert (row["lengths"][0], row["lengths"][2]) == (entry["minlen"], entry["maxlen"])
        assert row["checksum"] == "ok (manifest)"
    assert len([r for r in present if r["task"].startswith("gue/")]) == 13 * 3 + 14 * 2
    assert len([r for r in present if r["task"].startswith("genomic_benchmarks/")]) == 5
    complete = {
        t
        for t in {r["task"] for r in rows}
        if {"train", "test"} <= {r["split"] for r in rows if r["task"] == t and r["path"]}
    }
    assert len(complete) == 13 and all(t.startswith("gue/") for t in complete)
    missing = [r for r in rows if r["task"] == "gue/virus_covid"]
    assert [r["checksum"] for r in missing] == ["missing"] * 3


def test_status_table_lists_every_benchmark(cli, data_root):
    result = cli("data", "status", "--data-root", data_root, "--suite", "gb", "--suite", "mtcdna")
    assert result.exit_code == 0
    assert "genomic_benchmarks: 0 of 8 tasks have train and test" in result.output
    assert "mtcdna: 0 of 4 tasks" in result.output and "Mus_spretus" in result.output
    assert "9034" in result.output and "0:4119 1:4915" in result.output


def test_verify_detects_a_changed_file(cli, data_root, tmp_path):
    test, dev = (manifest(data_root)[f"gue/mouse_3/{s}.csv.gz"] for s in ("test", "dev"))
    (tmp_path / "gue" / "mouse_3").mkdir(parents=True)
    shutil.copy(data_root / test["path"], tmp_path / test["path"])
    shutil.copy(data_root / test["path"], tmp_path / dev["path"])  # wrong content for dev
    (tmp_path / "manifest.json").write_text(json.dumps([test, dev]))
    result = cli("data", "verify", "--data-root", tmp_path)
    assert result.exit_code == 2
    assert "1 of 2 files failed verification" in result.output and "MISMATCH" in result.output


def test_verify_passes_on_the_shared_data(cli, data_root):
    result = cli("data", "verify", "--data-root", data_root)
    assert result.exit_code == 0, result.output
    assert "files match their checksums" in result.output
