"""GenomicBenchmarks (Grešová et al. 2023): the 8 HyenaDNA/FinDNA tasks plus drosophila_enhancers_stark.

Layouts under the data root, per dataset (first folder that holds any split wins):
  <root>/genomic_benchmarks/<name>/   or   <root>/<name>/   (a root that *is* ~/.genomic_benchmarks)
  in it, either the official package cache  {train,test}/<class name>/<id>.txt  (one sequence
  per file), or CSV files  {train,test}.csv[.gz]  with columns sequence,label.
Label ids index the SORTED class names (the metadata.yaml class names of the official package),
never a directory-listing order; a class folder that is not declared is an ``unknown_label``.
For CSV files the integer labels are taken to follow the same sorted order (GB/HuggingFace
convention); the protocol says so, since CSV files carry no class names.

GB has no validation split: a seeded, stratified share of train is carved off (10% by default)
and the test split is scored once. A ``train_subsample.csv[.gz]`` (a stratified subsample of the
official train split, as in ../shared/data) is used as train ONLY with the task option
``train_subsample: true``, and the protocol records it; status always lists it. Main metric:
accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from findna_bench import Policy, Source, TaskData, hookimpl, load_splits
from findna_bench.data import tables

BENCHMARK = "genomic_benchmarks"
BINARY = ("negative", "positive")
# name: (sorted class names, max length: fixed length or the longest sequence of the dataset)
DATASETS: dict[str, tuple[tuple[str, ...], int]] = {
    "dummy_mouse_enhancers_ensembl": (BINARY, 4776),
    "demo_coding_vs_intergenomic_seqs": (("coding_seqs", "intergenomic_seqs"), 200),
    "demo_human_or_worm": (("human", "worm"), 200),
    "human_enhancers_cohn": (BINARY, 500),
    "human_enhancers_ensembl": (BINARY, 573),
    "human_ensembl_regulatory": (("enhancer", "ocr", "promoter"), 802),
    "human_nontata_promoters": (BINARY, 251),
    "human_ocr_ensembl": (BINARY, 593),
    # not one of the 8: the longest test sequence is 3,061 nt; the train maximum is not recorded
    "drosophila_enhancers_stark": (BINARY, 3237),
}
# Google Drive ids of the package's version-0 cloud cache (genomic_benchmarks/loc2seq/cloud_caching.py)
DRIVE_IDS = {
    "human_nontata_promoters": "1VdUg0Zu8yfLS6QesBXwGz1PIQrTW3Ze4",
    "demo_coding_vs_intergenomic_seqs": "1cpXg0ULuTGF7h1_HTYvc6p8M-ee43t-v",
    "demo_human_or_worm": "1Vuc44bXRISqRDXNrxt5lGYLpLsJbrSg8",
    "human_enhancers_cohn": "176563cDPQ5Y094WyoSBF02QjoVQhWuCh",
    "human_enhancers_ensembl": "1gZBEV_RGxJE8EON5OObdrp5Tp8JL0Fxb",
}
PACKAGE_HINT = (
    "{name}: no archive is published; build it with the genomic-benchmarks package "
    '(pip install genomic-benchmarks; python -c "from genomic_benchmarks.loc2seq import '
    "download_dataset; download_dataset('{name}', version=0, dest_path='{{root}}/"
    + BENCHMARK
    + "')\"), or place a zip holding {name}/{{{{train,test}}}}/ at {{archive}}"
)


def source(name: str) -> Source:
    """The official archive of a dataset: the package's cloud-cache zip (``<name>/...`` inside)."""
    common = dict(
        filename=f"{name}.zip", into=BENCHMARK, creates=f"{BENCHMARK}/{name}/test", unpack="zip"
    )
    if name in DRIVE_IDS:
        return Source(
            url=(
                "https://drive.usercontent.google.com/download?export=download&confirm=t"
                f"&id={DRIVE_IDS[name]}"
            ),
            **common,
        )
    return Source(
        url="https://github.com/ML-Bioinfo-CEITEC/genomic_benchmarks",
        manual=PACKAGE_HINT.format(name=name),
        **common,
    )


def read_class_folders(split_dir: Path, classes: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """``(file, sequence, label)`` for ``<split>/<class>/<id>.txt``; undeclared folders get -1."""
    rows: list[tuple[str, str, int]] = []
    for folder in sorted(p for p in Path(split_dir).iterdir() if p.is_dir()):
        label = classes.index(folder.name) if folder.name in classes else -1
        for file in sorted(folder.glob("*.txt")):
            text = file.read_text(encoding="ascii", errors="replace")
            where = (
                str(file)
                if label >= 0
                else f"{file} (class folder {folder.name!r} is not one of {classes})"
            )
            rows.append((where, text[:-1] if text.endswith("\n") else text, label))
    return rows


@dataclass(frozen=True, kw_only=True)
class GbTask:
    """One GenomicBenchmarks dataset (version 0)."""

    dataset: str
    max_len: int
    classes: tuple[str, ...]
    train_subsample: bool = False
    benchmark: str = BENCHMARK
    metrics: tuple[str, ...] = ("accuracy", "mcc", "f1_macro", "auroc")

    @property
    def name(self) -> str:
        return f"{BENCHMARK}/{self.dataset}"

    @property
    def sources(self) -> tuple[Source, ...]:
        return (source(self.dataset),)

    def dataset_dir(self, root: Path) -> Path | None:
        for directory in (Path(root) / BENCHMARK / self.dataset, Path(root) / self.dataset):
            if directory.is_dir():
                return directory
        return None

    def split_files(self, root: Path) -> dict[str, Path | None]:
        """train/test (folder or CSV) and, when present, the ``train_subsample`` CSV."""
        directory = self.dataset_dir(root)
        if directory is None:
            return {"train": None, "test": None}
        found: dict[str, Path | None] = {}
        for split in ("train", "test"):
            folder = directory / split
            found[split] = folder if folder.is_dir() else tables.find_table(directory, split)
        subsample = tables.find_table(directory, "train_subsample")
        if subsample is not None:
            found["train_subsample"] = subsample
            if self.train_subsample and found["train"] is None:
                found["train"] = subsample
        return found

    def read_split(self, path: Path) -> list[tuple[int | str, str, int]]:
        return (
            read_class_folders(path, self.classes)
            if Path(path).is_dir()
            else tables.read_rows(path)
        )

    def load(
        self, root: Path, *, policy: Policy, valid_fraction: float, carve_seed: int
    ) -> TaskData:
        found = self.split_files(root)
        files = {"train": found["train"], "test": found["test"]}
        data = load_splits(
            self,
            files,
            policy=policy,
            valid_fraction=valid_fraction,
            carve_seed=carve_seed,
            reader=self.read_split,
        )
        layout = "class folders" if files["train"].is_dir() else "CSV"
        protocol = {
            **data.protocol,
            "layout": layout,
            "label_ids": (
                "index of the sorted class folder names"
                if layout == "class folders"
                else "CSV integer labels, assumed to index the sorted class names"
            ),
        }
        if files["train"] == found.get("train_subsample"):
            protocol["train_subsample"] = (
                f"train is {files['train'].name}, a subsample of the "
                "official train split (task option train_subsample)"
            )
        return replace(data, protocol=protocol)


def _factory(dataset: str):
    classes, length = DATASETS[dataset]

    def make(*, max_len: int = length, train_subsample: bool = False) -> GbTask:
        return GbTask(
            dataset=dataset, max_len=max_len, classes=classes, train_subsample=train_subsample
        )

    return make


@hookimpl
def register_tasks(register) -> None:
    for dataset, (classes, length) in DATASETS.items():
        register(
            f"{BENCHMARK}/{dataset}",
            _factory(dataset),
            description=f"GenomicBenchmarks {dataset}: {', '.join(classes)}; length <= {length}",
            version="1",
        )
