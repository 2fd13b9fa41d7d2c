"""ChordMixer has no positional signal: on real gue/prom_core_tata rows (70 bp, max_len 70) its
pooled features are the same for a sequence and each cyclic rotation of it, so it cannot tell
where a TATA box sits; ``position="learned"`` gives it one, starting from the same function."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from findna_bench import dna
from findna_bench.model import SequenceClassifier

CPM = {"track_size": 8, "hidden": 96, "blocks": 1, "dim": 64, "max_len": 70}  # the cpu size


@pytest.fixture(scope="module")
def tata(data_root) -> torch.Tensor:
    frame = pd.read_csv(data_root / "gue" / "prom_core_tata" / "train.csv.gz", nrows=16)
    tokens, _ = dna.encode(list(frame["sequence"]))
    return dna.one_hot(torch.from_numpy(tokens)).double()


def features(backbone, x: torch.Tensor, pooling: str) -> torch.Tensor:
    model = SequenceClassifier(backbone, 2, pooling=pooling).double().eval()
    with torch.no_grad():
        return model.features(x, torch.ones(x.shape[:2], dtype=torch.bool))


@pytest.mark.parametrize("pooling", ["mean", "mean-max"])
def test_pooled_features_cannot_see_a_cyclic_shift(catalog, tata, pooling):
    torch.manual_seed(0)
    backbone = catalog.get("backbone", "chordmixer").factory(**CPM)
    plain = features(backbone, tata, pooling)
    for shift in (1, 17, 35):
        shifted = features(backbone, torch.roll(tata, shift, dims=1), pooling)
        assert torch.allclose(plain, shifted, atol=1e-10)


def test_learned_positions_start_as_the_plain_network_and_then_see_the_shift(catalog, tata):
    factory = catalog.get("backbone", "chordmixer").factory
    torch.manual_seed(0)
    plain = factory(**CPM)
    torch.manual_seed(0)
    placed = factory(**CPM, position="learned")
    placed.load_state_dict(plain.state_dict(), strict=False)  # same weights, positions zero
    assert torch.allclose(features(plain, tata, "mean"), features(placed, tata, "mean"))
    with torch.no_grad():
        placed.position.normal_(0, 0.1)
    rolled = features(placed, torch.roll(tata, 17, dims=1), "mean")
    assert not torch.allclose(features(placed, tata, "mean"), rolled, atol=1e-3)


def test_learned_positions_count_from_each_sequence_start_in_variable_mode(catalog, tata):
    torch.manual_seed(0)
    backbone = catalog.get("backbone", "chordmixer").factory(
        **CPM, position="learned", length_mode="variable"
    )
    with torch.no_grad():
        backbone.position.normal_(0, 0.1)
    backbone = backbone.double().eval()
    lengths = [70, 41, 55]
    mask = torch.arange(70)[None, :] < torch.tensor(lengths)[:, None]
    x = tata[:3] * mask[..., None]
    with torch.no_grad():
        together = backbone(x, mask)
        for i, n in enumerate(lengths):
            alone = backbone(x[i : i + 1, :n], mask[i : i + 1, :n])
            assert torch.allclose(together[i, :n], alone[0], atol=1e-10)


def test_an_unknown_position_mode_is_refused(catalog):
    from findna_bench import ConfigError

    with pytest.raises(ConfigError, match="position 'sinusoid'"):
        catalog.get("backbone", "chordmixer").factory(**CPM, position="sinusoid")
