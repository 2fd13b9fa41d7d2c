"""``finetune.rc_augment``: train-time reverse-complement augmentation on real GUE rows."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from findna_bench import dna
from findna_bench.run.train import Encoded, ReverseComplementAugment, batch_inputs

CPU = torch.device("cpu")


def _batch(sequences: list[str]) -> tuple[torch.Tensor, ...]:
    data = Encoded.from_split(sequences, torch.zeros(len(sequences), dtype=torch.long).numpy())
    return batch_inputs(data, torch.arange(len(sequences)), CPU)


@pytest.fixture
def gue_rows(data_root) -> list[str]:
    """The first training rows of the real gue/prom_core_tata (70 bp promoter cores)."""
    frame = pd.read_csv(data_root / "gue" / "prom_core_tata" / "train.csv.gz", nrows=200)
    return list(frame["sequence"])


def _rc(sequence: str) -> str:
    return sequence[::-1].translate(str.maketrans("ACGTN", "TGCAN"))


def _decode(tokens: torch.Tensor, mask: torch.Tensor) -> list[str]:
    return [dna.decode(row.numpy(), int(m.sum())) for row, m in zip(tokens, mask)]


def test_rows_are_replaced_by_their_reverse_complement_at_the_declared_rate(gue_rows):
    sequences = gue_rows[:200]
    tokens, mask, labels = _batch(sequences)
    assert ReverseComplementAugment(0.0, seed=0)((tokens, mask, labels))[0] is tokens
    every, m, _ = ReverseComplementAugment(1.0, seed=0)((tokens, mask, labels))
    assert _decode(every, m) == [_rc(s) for s in sequences]
    half, m, same_labels = ReverseComplementAugment(0.5, seed=0)((tokens, mask, labels))
    flipped = [a != b for a, b in zip(_decode(half, m), sequences)]
    assert 70 <= sum(flipped) <= 130 and same_labels is labels
    again = ReverseComplementAugment(0.5, seed=0)((tokens, mask, labels))[0]
    assert torch.equal(half, again)  # seeded: a rerun draws the same rows
