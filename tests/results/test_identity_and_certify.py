"""A run's identity is what decides its numbers (component versions, data digests), and
``certify`` re-runs stored runs to say whether they reproduce, then re-keys legacy records."""

from __future__ import annotations

import json

ARGS = ("-m", "cnn", "-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "0,", "-q")


def success(results) -> list:
    return sorted(p for p in results.glob("*__code-*.json") if ".failed-" not in p.name)


def run(cli, root, results, *extra):
    result = cli("run", *ARGS, "--data-root", root, "--results", results, *extra)
    assert result.exit_code == 0, result.output
    return result


def test_identity_holds_versions_and_relative_data_digests(cli, tmp_path, tiny_task):
    root, results = tmp_path / "data", tmp_path / "r"
    tiny_task(root)
    run(cli, root, results)
    (path,) = success(results)
    record = json.loads(path.read_text())
    code = record["code"]
    assert code["versions"]["backbone:cnn"] == "1" and code["versions"]["engine:training"] == "1"
    # portable: no path of this machine below the data root
    assert set(record["data"]["files"]) == set(code["data"])
    assert record["data"]["protocol"]["test"] == "gue/mouse_2/test.csv"
    assert str(tmp_path) not in json.dumps({k: v for k, v in record["data"].items() if k != "root"})
    assert set(code["data"]) == {f"gue/mouse_2/{s}.csv" for s in ("train", "dev", "test")}
    assert path.name.endswith(f"__code-{code['fingerprint']}.json") and code["files"]


def test_changed_data_makes_a_new_cell_and_a_labelled_row(cli, tmp_path, tiny_task):
    root, results = tmp_path / "data", tmp_path / "r"
    tiny_task(root)
    run(cli, root, results)
    test_csv = root / "gue" / "mouse_2" / "test.csv"
    test_csv.write_text("\n".join(test_csv.read_text().splitlines()[:-1]) + "\n")  # a row fewer
    again = run(cli, root, results)
    assert "plan: 1 to run, 0 already recorded" in again.output
    assert len(success(results)) == 2
    board = cli("leaderboard", "--results", results, "-f", "md")
    rows = [line.split("|")[1].strip() for line in board.output.splitlines() if "| cnn" in line]
    assert len(rows) == 2 and all(r.startswith("cnn [data ") for r in rows), rows


def test_a_docstring_in_a_versioned_plugin_keeps_the_cell(cli, tmp_path, monkeypatch, tiny_task):
    from findna_bench.identity import Identifier

    root = tmp_path / "data"
    tiny_task(root)
    from findna_bench.engine import Engine

    engine = Engine()
    config = engine.specs(
        models=["cnn"], suites=[], tasks=["gue/mouse_2"], seeds=[0], profile="smoke", overrides=[]
    )[0].config
    before = Identifier(engine.catalog, root).for_config(config, "gue/mouse_2")
    entry = engine.catalog.get("backbone", "cnn")
    monkeypatch.setitem(entry.sources, "cnn/cnn.py", str(tmp_path / "edited.py"))
    (tmp_path / "edited.py").write_text("'''a refactored cnn'''\n")
    after = Identifier(engine.catalog, root).for_config(config, "gue/mouse_2")
    assert after["fingerprint"] == before["fingerprint"]  # a refactor keeps the cell
    assert after["files"] != before["files"]  # provenance still tells the bytes apart


def test_certify_reproduces_and_catches_a_hand_edited_metric(cli, tmp_path, tiny_task):
    root, results = tmp_path / "data", tmp_path / "r"
    tiny_task(root)
    run(cli, root, results)
    good = cli("certify", "--results", results, "--data-root", root)
    assert good.exit_code == 0, good.output
    cert = json.loads((results / "certificate.json").read_text())
    assert cert["counts"]["identical"] == 1 and (results / "certificate.md").is_file()
    board = cli("leaderboard", "--results", results, "-f", "md")
    assert board.exit_code == 0 and "warning" not in board.output  # not read as a record

    (path,) = success(results)
    record = json.loads(path.read_text())
    record["metrics"]["test"]["mcc"] = 0.7779
    path.write_text(json.dumps(record))
    edited = cli("certify", "--results", results, "--data-root", root)
    assert edited.exit_code == 1 and "drifted" in edited.output


def test_certify_rekeys_records_made_before_identities(cli, tmp_path, tiny_task):
    root, results = tmp_path / "data", tmp_path / "r"
    tiny_task(root)
    run(cli, root, results)
    (path,) = success(results)
    record = json.loads(path.read_text())
    # a record as the file-fingerprint era wrote it: absolute data paths, files-only code block
    record["code"] = {
        "fingerprint": "0123456789ab",
        "files": record["code"]["files"],
        "version": "0.1.0",
    }
    legacy_name = f"{record['run_id']}__code-0123456789ab"
    preds = legacy_name + record["predictions"]["file"][len(path.stem) :]
    (results / record["predictions"]["file"]).rename(results / preds)
    record["predictions"]["file"] = preds
    path.unlink()
    (results / f"{legacy_name}.json").write_text(json.dumps(record))
    stale = run(cli, root, results, "--dry-run")
    assert "plan: 1 to run, 0 already recorded" in stale.output

    moved = cli("certify", "--results", results, "--data-root", root, "--rekey")
    assert moved.exit_code == 0, moved.output
    assert "rekeyed 1 records of cnn" in moved.output
    assert "plan: 0 to run, 1 already recorded" in run(cli, root, results, "--dry-run").output
    (new,) = success(results)
    code = json.loads(new.read_text())["code"]
    assert code["legacy"]["fingerprint"] == "0123456789ab" and code["versions"]
    assert set(json.loads(new.read_text())["data"]["files"]) == set(code["data"])  # portable
    assert (results / json.loads(new.read_text())["predictions"]["file"]).is_file()


def test_a_hand_edited_metric_is_caught_by_its_own_predictions(cli, tmp_path, tiny_task):
    root, results = tmp_path / "data", tmp_path / "r"
    tiny_task(root)
    for model in ("cnn", "dilated-cnn"):
        result = cli(
            "run", "-m", model, "-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "2",
            "-q", "--data-root", root, "--results", results,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    fair = cli("compare", "cnn", "dilated-cnn", "--results", results, "--bootstrap", "200")
    assert fair.exit_code == 0, fair.output
    path = next(p for p in success(results) if p.name.startswith("cnn__"))
    record = json.loads(path.read_text())
    record["metrics"]["test"]["mcc"] = 0.7779
    path.write_text(json.dumps(record))
    board = cli("leaderboard", "--results", results, "--ci", "--bootstrap", "200", "-f", "md")
    assert board.exit_code == 0 and "its stored predictions give" in board.output
    refused = cli("compare", "cnn", "dilated-cnn", "--results", results, "--bootstrap", "200")
    assert refused.exit_code == 2 and "evidence denies" in refused.output


def test_compare_never_pools_two_configs_of_a_model(cli, tmp_path, tiny_task):
    root, results = tmp_path / "data", tmp_path / "r"
    tiny_task(root)
    for extra in ((), ("finetune.lr=0.01",)):
        run(cli, root, results, *extra)
    result = cli(
        "run", "-m", "dilated-cnn", "-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "0,",
        "-q", "--data-root", root, "--results", results,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    mixed = cli("compare", "cnn", "dilated-cnn", "--results", results, "--bootstrap", "200")
    assert mixed.exit_code == 2 and "cnn has runs of 2 configs" in mixed.output
    named = cli(
        "compare",
        "cnn [finetune.lr=0.01]",
        "dilated-cnn",
        "--results",
        results,
        "--bootstrap",
        "200",
    )
    assert named.exit_code == 0, named.output


def test_runs_on_other_pretrained_weights_get_their_own_labelled_row(make_record):
    from findna_bench.results.leaderboard import build

    records = []
    for seed, weights in ((0, "a" * 64), (1, "a" * 64), (2, "b" * 64)):
        r = make_record("findna", "gue/tf_0", seed, 0.5 + seed / 100)
        code = {"versions": {"backbone:chordmixer": "1"}, "data": {}, "weights": None}
        r.update(
            code={**code, "fingerprint": "0123456789ab"}, pretrained={"weights_sha256": weights}
        )
        records.append(r)
    rows = list(build(records).table.index)
    assert len(rows) == 2 and all(r.startswith("findna [weights ") for r in rows), rows
