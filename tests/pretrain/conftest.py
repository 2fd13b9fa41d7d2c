"""Fixtures for pretraining tests: the augmentation/objective plugins, tiny FASTA files and a
tiny recipe (one torch thread comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def augment(catalog):
    """``augment(name)`` -> the registered augmentation function."""
    return lambda name: catalog.get("augmentation", name).factory


@pytest.fixture()
def fasta(tmp_path: Path) -> Path:
    """Two records: 'a' of 300 bp (with soft-masked and N stretches) and 'b' of 90 bp."""
    path = tmp_path / "tiny.fa"
    a = ("ACGT" * 25) + ("acgt" * 25) + ("N" * 100)
    b = "TTGCA" * 18
    path.write_text(
        ">a\n"
        + "\n".join(a[i : i + 60] for i in range(0, len(a), 60))
        + "\n>b\n"
        + "\n".join(b[i : i + 60] for i in range(0, len(b), 60))
        + "\n"
    )
    return path


def _tiny_recipe(objective: str = "self-distill", **over) -> dict:
    recipe = {
        "backbone": {"use": "chordmixer", "track_size": 2, "hidden": 16, "blocks": 1, "dim": 16},
        "objective": {"use": objective},
        "views": {
            "student": [
                {"use": "mask", "rate": 0.3},
                {"use": "noise", "sigma": 0.2},
                {"use": "reverse-complement"},
            ],
            "teacher": [{"use": "deletion"}, {"use": "insertion"}, {"use": "translocation"}],
        },
        "data": {"fasta": ["genome/GRCh37_chr20/chr20.fa.gz"], "length": 48},
        "steps": 8,
        "batch_size": 4,
        "lr": 3e-3,
        "warmup": 0.25,
        "seed": 3,
        "log_every": 1,
        "checkpoint_every": 1,
        "amp": False,
    }
    recipe.update(over)
    return recipe


@pytest.fixture(scope="session")
def tiny_recipe():
    """``tiny_recipe(objective="self-distill", **over)``: a seconds-sized recipe on real chr20
    with the ChordMixer backbone."""
    return _tiny_recipe
