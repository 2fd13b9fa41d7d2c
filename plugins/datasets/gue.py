"""GUE (Genome Understanding Evaluation, DNABERT-2; Zhou et al., ICLR 2024): all 28 tasks.

Reads ``{train,dev,test}.csv[.gz]`` with columns ``sequence,label`` from any of these layouts
under the data root (first match wins):
  <root>/gue/<task>/          flat layout, e.g. gue/tf_0 (the layout of shared/data)
  <root>/GUE/<group>/<sub>/   the DNABERT-2 archive layout, e.g. GUE/tf/0
  <root>/<group>/<sub>/       a data root that *is* the GUE folder
  <root>/<task>/              likewise, flat
Selection uses dev; test is scored once. Main metric MCC; macro-F1 for covid (as DNABERT-2
reports), with micro-F1 also recorded (what FinDNA's code computed).

Download: the only official source is DNABERT-2's GUE.zip on Google Drive, which needs a browser
(confirmation page), so it is a manual source: place the file at <root>/downloads/GUE.zip and
`findna-bench data download gue` verifies and unpacks it into <root>/GUE/<group>/<sub>/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from findna_bench import Policy, Source, TaskData, hookimpl, load_splits
from findna_bench.data import tables

# flat name: (DNABERT-2 group, sub-folder, length, number of classes)
TASKS: dict[str, tuple[str, str, int, int]] = {
    **{
        f"EMP_{m}": ("EMP", m, 500, 2)
        for m in (
            "H3",
            "H3K14ac",
            "H3K36me3",
            "H3K4me1",
            "H3K4me2",
            "H3K4me3",
            "H3K79me3",
            "H3K9ac",
            "H4",
            "H4ac",
        )
    },
    **{f"mouse_{i}": ("mouse", str(i), 101, 2) for i in range(5)},
    **{f"tf_{i}": ("tf", str(i), 101, 2) for i in range(5)},
    **{f"prom_300_{v}": ("prom", f"prom_300_{v}", 300, 2) for v in ("all", "notata", "tata")},
    **{f"prom_core_{v}": ("prom", f"prom_core_{v}", 70, 2) for v in ("all", "notata", "tata")},
    "splice_reconstructed": ("splice", "reconstructed", 400, 3),
    "virus_covid": ("virus", "covid", 999, 9),
}
COMMON_METRICS = ("accuracy", "f1_macro", "auroc")
GUE_URL = "https://drive.google.com/file/d/1GRtbzTe3UXYF1oW27ASNhYX3SZ16D7N2/view"
GUE_ARCHIVE = Source(
    url=GUE_URL,
    filename="GUE.zip",
    into=".",
    creates="GUE",
    unpack="zip",
    manual=(
        "GUE is published only on Google Drive, which needs a browser: download {url} by hand "
        "and place it at {archive}, then run this command again (it unpacks into {root}/GUE)"
    ),
)


@dataclass(frozen=True, kw_only=True)
class GueTask:
    """One GUE task; ``max_len`` may be raised for data with longer rows."""

    flat: str
    group: str
    sub: str
    max_len: int
    num_classes: int
    benchmark: str = "gue"

    @property
    def name(self) -> str:
        return f"gue/{self.flat}"

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(str(i) for i in range(self.num_classes))

    @property
    def metrics(self) -> tuple[str, ...]:
        if self.flat == "virus_covid":
            return ("f1_macro", "f1_micro", "accuracy", "mcc", "auroc")
        return ("mcc", *COMMON_METRICS)

    @property
    def sources(self) -> tuple[Source, ...]:
        return (GUE_ARCHIVE,)

    def candidate_dirs(self, root: Path) -> list[Path]:
        return [
            root / "gue" / self.flat,
            root / "GUE" / self.group / self.sub,
            root / self.group / self.sub,
            root / self.flat,
        ]

    def split_files(self, root: Path) -> dict[str, Path | None]:
        for directory in self.candidate_dirs(Path(root)):
            found = {
                split: tables.find_table(directory, stem)
                for split, stem in (("train", "train"), ("valid", "dev"), ("test", "test"))
            }
            if any(found.values()):
                return found
        return {"train": None, "valid": None, "test": None}

    def load(
        self, root: Path, *, policy: Policy, valid_fraction: float, carve_seed: int
    ) -> TaskData:
        files = self.split_files(root)
        if files.get("valid") is None and files.get("train") is not None:
            files = {**files, "valid": None}
        return load_splits(
            self, files, policy=policy, valid_fraction=valid_fraction, carve_seed=carve_seed
        )


def _factory(flat: str):
    group, sub, length, classes = TASKS[flat]

    def make(*, max_len: int = length) -> GueTask:
        return GueTask(flat=flat, group=group, sub=sub, max_len=max_len, num_classes=classes)

    return make


@hookimpl
def register_tasks(register) -> None:
    for flat, (group, sub, length, classes) in TASKS.items():
        register(
            f"gue/{flat}",
            _factory(flat),
            description=f"GUE {group}/{sub}: {classes} classes, length <= {length}",
            version="1",
        )
