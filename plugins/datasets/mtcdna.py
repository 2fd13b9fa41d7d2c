"""MTcDNA (FinDNA's own benchmark): turtle (0) vs mouse (1) full-length cDNA, built from four FASTA files.

Construction (../shared/docs/findna-method.md §3.3): read four cDNA FASTA files with pyfaidx
(Chelonoidis_turtle and Gopherus_turtle -> 0, Mus_musculus and Mus_spretus -> 1, concatenated in
that order, records in file order); keep transcripts longer than 5,000 nt; keep the first L
bases, or right-pad with N to L (FinDNA pads with the character N; ``pad: none`` leaves shorter
sequences unpadded and the mask handles them). One task per length: mtcdna/1k, 4k, 8k, 16k.

Splits (``split`` task option, recorded in the protocol):
  paper  FinDNA's: sklearn train_test_split(random_state=1, not stratified) twice -> 60/20/20;
         isoforms of one gene can land in train and test.
  gene   stratified by label and grouped by the ``gene:`` id of Ensembl cDNA headers
         (StratifiedGroupKFold: one fold of 5 is test, one fold of 4 of the rest is dev), so no
         gene straddles train/dev/test.
Label map: the paper's (0 = turtle, 1 = mouse), not sorted names. Main metric accuracy.

Files: <root>/mtcdna/fasta/<Key>[.fa|.fasta|.fa.gz(BGZF)] (or FinDNA's <root>/MTcDNA/<Key>).
The official sources are Ensembl release-110 cDNA sets; FinDNA does not record species, assembly
or release, so these are the documented best guess (Gopherus agassizii for "Gopherus_turtle").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from findna_bench import (
    ConfigError,
    DataError,
    DataUnavailable,
    Policy,
    Source,
    Split,
    TaskData,
    check_rows,
    handle_leakage,
    hookimpl,
)
from findna_bench.data import checksums, fasta

BENCHMARK = "mtcdna"
ENSEMBL = "https://ftp.ensembl.org/pub/release-110/fasta"
# FinDNA file name: (label, Ensembl species folder, Ensembl file name)
SPECIES: dict[str, tuple[int, str, str]] = {
    "Chelonoidis_turtle": (
        0,
        "chelonoidis_abingdonii",
        "Chelonoidis_abingdonii.ASM359739v1.cdna.all.fa.gz",
    ),
    "Gopherus_turtle": (0, "gopherus_agassizii", "Gopherus_agassizii.ASM289641v1.cdna.all.fa.gz"),
    "Mus_musculus": (1, "mus_musculus", "Mus_musculus.GRCm39.cdna.all.fa.gz"),
    "Mus_spretus": (1, "mus_spretus", "Mus_spretus.SPRET_EiJ_v1.cdna.all.fa.gz"),
}
LENGTHS = {"1k": 1024, "4k": 4096, "8k": 8192, "16k": 16384}
SUFFIXES = ("", ".fa", ".fasta", ".fa.gz", ".fasta.gz")
SPLITS = ("paper", "gene")


def sources() -> tuple[Source, ...]:
    """The four Ensembl cDNA files, gunzipped to <root>/mtcdna/fasta/<Key>.fa."""
    return tuple(
        Source(
            url=f"{ENSEMBL}/{folder}/cdna/{name}",
            filename=f"{key}.fa.gz",
            into=f"{BENCHMARK}/fasta",
            creates=f"{BENCHMARK}/fasta/{key}.fa",
            unpack="gunzip",
        )
        for key, (_, folder, name) in SPECIES.items()
    )


def find_fasta(root: Path, key: str) -> Path | None:
    for directory in (
        Path(root) / BENCHMARK / "fasta",
        Path(root) / "MTcDNA",
        Path(root) / BENCHMARK,
    ):
        for suffix in SUFFIXES:
            candidate = directory / f"{key}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def paper_split(n: int, seed: int) -> dict[str, np.ndarray]:
    """FinDNA's split: 20% test, then 25% of the rest dev; shuffled, not stratified."""
    from sklearn.model_selection import train_test_split

    rest, test = train_test_split(np.arange(n), test_size=0.2, random_state=seed)
    train, valid = train_test_split(rest, test_size=0.25, random_state=seed)
    return {"train": train, "valid": valid, "test": test}


def gene_split(labels: np.ndarray, genes: list[str], seed: int) -> dict[str, np.ndarray]:
    """60/20/20, stratified by label, every gene's isoforms in one split."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = np.asarray(genes)
    if len(set(genes)) < 5:
        raise DataError(
            f"MTcDNA gene split needs at least 5 genes, found {len(set(genes))}; use split=paper"
        )
    rest, test = next(
        StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed).split(
            labels, labels, groups
        )
    )
    inner = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=seed)
    train, valid = next(inner.split(rest, labels[rest], groups[rest]))
    return {"train": rest[train], "valid": rest[valid], "test": test}


@dataclass(frozen=True, kw_only=True)
class MtcdnaTask:
    """MTcDNA at one input length."""

    size: str
    max_len: int
    split: str = "paper"
    split_seed: int = 1
    min_transcript: int = 5000
    pad: str = "N"
    benchmark: str = BENCHMARK
    classes: tuple[str, ...] = ("turtle", "mouse")
    metrics: tuple[str, ...] = ("accuracy", "mcc", "f1_macro", "auroc")

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ConfigError(f"task.split={self.split}: MTcDNA splits are {SPLITS}")
        if self.pad not in ("N", "none"):
            raise ConfigError(f"task.pad={self.pad}: use N (FinDNA) or none")

    @property
    def name(self) -> str:
        return f"{BENCHMARK}/{self.size}"

    @property
    def sources(self) -> tuple[Source, ...]:
        return sources()

    def fasta_files(self, root: Path) -> dict[str, Path | None]:
        return {key: find_fasta(root, key) for key in SPECIES}

    def split_files(self, root: Path) -> dict[str, Path | None]:
        """All three splits are built from the same four FASTA files: present only when all are."""
        found = self.fasta_files(root)
        folder = next(iter(found.values())).parent if all(found.values()) else None
        return {"train": folder, "valid": folder, "test": folder}

    def describe(self, root: Path, refs: dict) -> list:
        """Status rows: one per FASTA file (the splits are built from them at run time)."""
        from findna_bench.data.status import SplitStatus, checksum_state, stats

        out = []
        for key, path in self.fasta_files(root).items():
            if path is None:
                out.append(SplitStatus(task=self.name, split=key, path=None, checksum="missing"))
                continue
            found, note = {}, f"(transcripts > {self.min_transcript} nt)"
            try:
                kept = [
                    r.length
                    for r in fasta.records(fasta.open_fasta(path))
                    if r.length > self.min_transcript
                ]
                found = stats(kept, [SPECIES[key][0]] * len(kept))
            except DataError as exc:
                note = str(exc)
            out.append(
                SplitStatus(
                    task=self.name,
                    split=key,
                    path=str(path),
                    note=note,
                    checksum=checksum_state(path, root, refs),
                    **found,
                )
            )
        return out

    def rows(self, root: Path) -> tuple[list[tuple[str, str, int]], list[str | None]]:
        """``(location, sequence cut/padded to max_len, label)`` per kept transcript, and gene ids."""
        rows: list[tuple[str, str, int]] = []
        genes: list[str | None] = []
        for key, path in self.fasta_files(root).items():
            if path is None:
                raise DataUnavailable(
                    f"{self.name}: no {key} FASTA under {root}/{BENCHMARK}/fasta "
                    f"(run `findna-bench data download {BENCHMARK}`)"
                )
            label = SPECIES[key][0]
            handle = fasta.open_fasta(path)
            for record in fasta.records(handle):
                if record.length <= self.min_transcript:
                    continue
                seq = fasta.sequence(handle, record.name, self.max_len)
                if self.pad == "N":
                    seq = seq.ljust(self.max_len, "N")
                rows.append((f"{path}:{record.line} ({record.name})", seq, label))
                genes.append(record.gene)
        return rows, genes

    def split_index(self, rows: list, genes: list) -> tuple[dict[str, np.ndarray], str]:
        """Row indices per split under ``self.split``, and the protocol's description of it."""
        labels = np.asarray([label for _, _, label in rows], dtype=np.int64)
        if self.split != "gene":
            how = (
                f"paper: sklearn train_test_split twice, random_state {self.split_seed}, not "
                "stratified; 60/20/20; isoforms of a gene may straddle splits"
            )
            return paper_split(len(rows), self.split_seed), how
        missing = [where for (where, _, _), gene in zip(rows, genes) if gene is None]
        if missing:
            raise DataError(
                f"{missing[0]}: header has no gene: field (needed by split=gene); "
                "use Ensembl cDNA FASTA or split=paper"
            )
        how = (
            f"gene: StratifiedGroupKFold by label grouped by gene id, random_state "
            f"{self.split_seed}; 60/20/20; no gene in two splits"
        )
        return gene_split(labels, genes, self.split_seed), how

    def protocol(self, how: str, files: dict[str, Path]) -> dict:
        return {
            "train": "built from the four FASTA files",
            "valid": "dev of the same split",
            "test": "test of the same split",
            "split": how,
            "selection": "best epoch on the validation main metric; test scored once",
            "construction": (
                f"transcripts > {self.min_transcript} nt, first {self.max_len} "
                f"bases, {'right-padded with N' if self.pad == 'N' else 'unpadded'}"
            ),
            "fasta": {key: str(path) for key, path in files.items()},
            "label_map": "0 = turtle (Chelonoidis, Gopherus), 1 = mouse (Mus musculus, Mus spretus)",
        }

    def load(
        self, root: Path, *, policy: Policy, valid_fraction: float, carve_seed: int
    ) -> TaskData:
        rows, genes = self.rows(root)
        if not rows:
            raise DataError(
                f"{self.name}: no transcript longer than {self.min_transcript} nt in the "
                "four FASTA files; check the files"
            )
        index, how = self.split_index(rows, genes)
        files = self.fasta_files(root)
        source = str(next(iter(files.values())).parent)
        splits: dict[str, Split] = {}
        summary: dict[str, dict] = {}
        for split, idx in index.items():
            seqs, kept, summary[split] = check_rows(
                [rows[i] for i in idx],
                source=source,
                max_len=self.max_len,
                classes={0, 1},
                policy=policy,
            )
            splits[split] = Split(
                sequences=seqs,
                labels=np.asarray(kept, dtype=np.int64),
                source=f"{source} ({split} of the {self.split} split)",
            )
        summary["leakage"] = handle_leakage(self.name, splits, policy)
        return TaskData(
            splits=splits,
            classes=list(self.classes),
            protocol=self.protocol(how, files),
            files={str(path): checksums.sha256(path) for path in files.values()},
            validation=summary,
        )


def _factory(size: str):
    length = LENGTHS[size]

    def make(
        *,
        max_len: int = length,
        split: str = "paper",
        split_seed: int = 1,
        min_transcript: int = 5000,
        pad: str = "N",
    ) -> MtcdnaTask:
        return MtcdnaTask(
            size=size,
            max_len=max_len,
            split=split,
            split_seed=split_seed,
            min_transcript=min_transcript,
            pad=pad,
        )

    return make


@hookimpl
def register_tasks(register) -> None:
    for size, length in LENGTHS.items():
        register(
            f"{BENCHMARK}/{size}",
            _factory(size),
            description=f"MTcDNA turtle vs mouse cDNA, first {length} nt (split: paper | gene)",
            version="1",
        )
