"""Each on-disk layout: GenomicBenchmarks class folders and CSV (+ train_subsample), GUE flat and
DNABERT-2 folders, built in tmp_path; plus the GB loader on the real shared test splits."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from findna_bench.data.policy import Policy
from findna_bench.errors import DataError, DataUnavailable

POLICY = Policy.from_config({})


def load(task, root: Path, **policy):
    return task.load(root, policy=Policy.from_config(policy), valid_fraction=0.1, carve_seed=0)


def seqs(n: int, seed: int, length: int = 20) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def class_folders(root: Path, name: str, split: str, per_class: dict[str, list[str]]) -> None:
    for cls, items in per_class.items():
        folder = root / "genomic_benchmarks" / name / split / cls
        folder.mkdir(parents=True, exist_ok=True)
        for i, seq in enumerate(items):
            (folder / f"{i}.txt").write_text(seq)


def csv(path: Path, rows: list[tuple[str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "sequence,label\n" + "".join(f"{s},{y}\n" for s, y in rows)
    path.write_bytes(gzip.compress(text.encode()) if path.suffix == ".gz" else text.encode())


def test_gb_class_folders_take_label_ids_from_sorted_names(catalog, tmp_path):
    name = "human_ensembl_regulatory"  # classes enhancer < ocr < promoter
    train = {"promoter": seqs(20, 1), "enhancer": seqs(20, 2), "ocr": seqs(20, 3)}
    class_folders(tmp_path, name, "train", train)
    class_folders(tmp_path, name, "test", {"ocr": seqs(4, 4), "promoter": seqs(3, 5)})
    data = load(catalog.build("task", f"genomic_benchmarks/{name}"), tmp_path)
    assert data.classes == ["enhancer", "ocr", "promoter"]
    assert sorted(np.bincount(data.splits["test"].labels).tolist()) == [0, 3, 4]
    assert data.splits["test"].labels.tolist() == [1] * 4 + [2] * 3
    assert len(data.splits["train"].labels) + len(data.splits["valid"].labels) == 60
    assert np.bincount(data.splits["valid"].labels).tolist() == [2, 2, 2]  # 10%, stratified
    assert data.protocol["layout"] == "class folders" and "sorted" in data.protocol["label_ids"]
    assert all(digest.startswith("tree:") for digest in data.files.values())


def test_gb_undeclared_class_folder_is_an_unknown_label(catalog, tmp_path):
    name = "human_nontata_promoters"
    class_folders(tmp_path, name, "train", {"negative": seqs(10, 1), "positive": seqs(10, 2)})
    class_folders(tmp_path, name, "test", {"negative": seqs(3, 3), "maybe": seqs(2, 4)})
    task = catalog.build("task", f"genomic_benchmarks/{name}")
    with pytest.raises(DataError, match=r"maybe/0.txt \(class folder 'maybe' is not one of"):
        load(task, tmp_path)
    data = load(task, tmp_path, unknown_label="warn")
    assert data.validation["test"]["unknown_label"] == 2 and len(data.splits["test"].labels) == 3


def test_gb_csv_layout_and_train_subsample_only_on_request(catalog, tmp_path):
    folder = tmp_path / "human_ocr_ensembl"  # a root that is itself the GB cache folder
    csv(folder / "train_subsample.csv.gz", [(s, i % 2) for i, s in enumerate(seqs(40, 1))])
    csv(folder / "test.csv", [(s, i % 2) for i, s in enumerate(seqs(6, 2))])
    plain = catalog.build("task", "genomic_benchmarks/human_ocr_ensembl")
    assert plain.split_files(tmp_path)["train"] is None
    with pytest.raises(DataUnavailable, match="no train split"):
        load(plain, tmp_path)
    task = catalog.get("task", "genomic_benchmarks/human_ocr_ensembl").factory(train_subsample=True)
    data = load(task, tmp_path)
    assert (
        data.protocol["layout"] == "CSV" and "train_subsample" in data.protocol["train_subsample"]
    )
    assert (len(data.splits["train"].labels), len(data.splits["valid"].labels)) == (36, 4)


@pytest.mark.parametrize("layout", ["gue/EMP_H3", "GUE/EMP/H3", "EMP/H3", "EMP_H3"])
def test_gue_reads_flat_and_dnabert2_layouts(catalog, tmp_path, layout):
    folder = tmp_path / layout
    for split, n in (("train", 30), ("dev", 6), ("test", 8)):
        csv(folder / f"{split}.csv", [(s, i % 2) for i, s in enumerate(seqs(n, len(split), 500))])
    data = load(catalog.build("task", "gue/EMP_H3"), tmp_path)
    assert {k: len(v.labels) for k, v in data.splits.items()} == {
        "train": 30,
        "valid": 6,
        "test": 8,
    }
    assert data.protocol["valid"] == str(folder / "dev.csv")


def test_gb_shared_test_splits_match_the_readme(catalog, data_root):
    expected = {
        "human_nontata_promoters": (9034, [4119, 4915]),
        "human_enhancers_cohn": (6948, [3474, 3474]),
        "drosophila_enhancers_stark": (1730, [865, 865]),
    }
    for name, (rows, balance) in expected.items():
        task = catalog.build("task", f"genomic_benchmarks/{name}")
        files = task.split_files(data_root)
        assert files["train"] is None
        labels = [label for *_, label in task.read_split(files["test"])]
        assert (len(labels), np.bincount(labels).tolist()) == (rows, balance)
    regulatory = catalog.build("task", "genomic_benchmarks/human_ensembl_regulatory")
    assert regulatory.split_files(data_root)["train_subsample"].name == "train_subsample.csv.gz"
    assert regulatory.metrics[0] == "accuracy" and regulatory.max_len >= 801
