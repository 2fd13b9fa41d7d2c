"""MTcDNA construction from small plain FASTA fixtures: filtering, cut/pad, the paper's split,
the gene-grouped split (no gene in two splits), validation locations and FASTA format errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from findna_bench.data import fasta
from findna_bench.data.policy import Policy
from findna_bench.errors import ConfigError, DataError, DataUnavailable

KEYS = ("Chelonoidis_turtle", "Gopherus_turtle", "Mus_musculus", "Mus_spretus")


def write_fasta(path: Path, records: list[tuple[str, str, str]], width: int = 60) -> None:
    lines = []
    for name, description, seq in records:
        lines.append(f">{name} {description}")
        lines += [seq[i : i + width] for i in range(0, len(seq), width)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def species_records(k: int, n_genes: int, rng: np.random.Generator) -> list[tuple[str, str, str]]:
    records = []
    for g in range(n_genes):
        for isoform in range(1 + g % 3):  # 1-3 isoforms per gene, sharing a 5' start
            start = "".join(rng.choice(list("ACGT"), 40))
            length = int(rng.integers(60, 260))
            body = start + "".join(rng.choice(list("ACGT"), length))
            records.append(
                (
                    f"ENST{k}{g:03d}{isoform}.1",
                    f"cdna chromosome:X:1:2:1 gene:ENSG{k}{g:03d}.1",
                    body,
                )
            )
    records.append((f"ENST{k}short.1", f"cdna gene:ENSG{k}short.1", "ACGT" * 10))  # 40 nt: dropped
    return records


@pytest.fixture()
def root(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    for k, key in enumerate(KEYS):
        write_fasta(
            tmp_path / "mtcdna" / "fasta" / f"{key}.fa", species_records(k, 12 + 4 * k, rng)
        )
    return tmp_path


def build(catalog, root: Path, **options):
    policy = options.pop("policy", {})
    task = catalog.get("task", "mtcdna/1k").factory(min_transcript=80, max_len=128, **options)
    return task, task.load(
        root, policy=Policy.from_config(policy), valid_fraction=0.1, carve_seed=0
    )


def all_rows(task, root: Path):
    rows, genes = task.rows(root)
    return [seq for _, seq, _ in rows], np.asarray([y for *_, y in rows]), genes


def test_filter_cut_and_pad_follow_findna(catalog, root):
    task, data = build(catalog, root)
    seqs, labels, _ = all_rows(task, root)
    kept = [
        r
        for key in KEYS
        for r in fasta.records(fasta.open_fasta(root / "mtcdna/fasta" / f"{key}.fa"))
        if r.length > 80
    ]
    assert len(seqs) == len(kept) and all(len(s) == 128 for s in seqs)
    assert any(s.endswith("N") for s in seqs) and all("short" not in r.name for r in kept)
    assert labels.tolist() == sorted(labels.tolist())  # turtles (0) first, then mice (1)
    assert data.classes == ["turtle", "mouse"] and data.protocol["split"].startswith("paper")
    unpadded = catalog.get("task", "mtcdna/1k").factory(min_transcript=80, max_len=128, pad="none")
    assert min(len(s) for _, s, _ in unpadded.rows(root)[0]) < 128


def test_paper_split_is_sklearn_60_20_20_with_random_state_1(catalog, root):
    task, data = build(catalog, root)
    seqs, labels, _ = all_rows(task, root)
    index = np.arange(len(seqs))
    rest, test = train_test_split(index, test_size=0.2, random_state=1)
    train, dev = train_test_split(rest, test_size=0.25, random_state=1)
    assert data.splits["test"].sequences == [seqs[i] for i in test]
    assert data.splits["valid"].sequences == [seqs[i] for i in dev]
    assert data.splits["train"].labels.tolist() == labels[train].tolist()
    assert data.validation["leakage"]["train_test_duplicates"] == 0


def test_gene_split_keeps_every_gene_in_one_split_and_stratifies(catalog, root):
    task, data = build(catalog, root, split="gene")
    _, labels, genes = all_rows(task, root)
    seq_to_gene = {s: g for (_, s, _), g in zip(task.rows(root)[0], genes)}
    members = {
        name: {seq_to_gene[s] for s in split.sequences} for name, split in data.splits.items()
    }
    assert not (members["train"] & members["test"]) and not (members["train"] & members["valid"])
    assert not (members["valid"] & members["test"])
    total = sum(len(s.labels) for s in data.splits.values())
    assert total == len(labels) and 0.1 < len(data.splits["test"].labels) / total < 0.3
    for split in data.splits.values():
        assert 0.2 < split.labels.mean() < 0.8  # both classes in every split
    assert "grouped by gene" in data.protocol["split"]


def test_gene_split_needs_gene_ids(catalog, root):
    path = root / "mtcdna" / "fasta" / "Mus_spretus.fa"
    write_fasta(path, [(f"T{i}", "cdna no gene field", "ACGT" * 30) for i in range(5)])
    with pytest.raises(DataError, match=r"Mus_spretus.fa:1 \(T0\): header has no gene: field"):
        build(catalog, root, split="gene")


def test_invalid_base_is_reported_at_its_fasta_record(catalog, root):
    path = root / "mtcdna" / "fasta" / "Gopherus_turtle.fa"
    write_fasta(
        path, [("A1", "gene:g1", "ACGT" * 30), ("A2", "gene:g2", "ACGR" + "ACGT" * 29)], width=50
    )
    with pytest.raises(DataError, match=r"Gopherus_turtle.fa:5 \(A2\): character 'R'"):
        build(catalog, root)
    _, data = build(catalog, root, policy={"invalid_chars": "fix"})
    assert sum(data.validation[s]["invalid_chars"] for s in ("train", "valid", "test")) == 1


def test_lowercase_soft_masking_is_counted_not_hidden(catalog, root):
    path = root / "mtcdna" / "fasta" / "Chelonoidis_turtle.fa"
    write_fasta(path, [(f"C{i}", f"gene:c{i}", "acgt" * 30) for i in range(6)])
    _, data = build(catalog, root)
    assert sum(data.validation[s]["lowercase"] for s in ("train", "valid", "test")) == 6
    assert all(s.isupper() for split in data.splits.values() for s in split.sequences)


def test_missing_file_plain_gzip_and_bad_options(catalog, root):
    (root / "mtcdna" / "fasta" / "Mus_musculus.fa").unlink()
    task = catalog.get("task", "mtcdna/4k").factory()
    assert task.split_files(root) == {"train": None, "valid": None, "test": None}
    with pytest.raises(DataUnavailable, match="no Mus_musculus FASTA"):
        build(catalog, root)
    (root / "mtcdna" / "fasta" / "Mus_musculus.fa.gz").write_bytes(
        gzip.compress(b">x gene:g\nACGT\n")
    )
    with pytest.raises(DataError, match="gzip but not BGZF"):
        build(catalog, root)
    with pytest.raises(ConfigError, match="MTcDNA splits are"):
        catalog.get("task", "mtcdna/8k").factory(split="random")
