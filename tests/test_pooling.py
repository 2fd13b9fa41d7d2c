"""``mean-with-padding`` pools over the task's max_len (FinDNA's released classifier), so a
sequence's features do not depend on the rows it is batched with."""

from __future__ import annotations

import pytest
import torch

from findna_bench.errors import ConfigError
from findna_bench.model import SequenceClassifier


def batch(lengths: list[int], width: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.nn.functional.one_hot(
        torch.randint(0, 5, (len(lengths), width), generator=g), 5
    ).double()
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    return x * mask[..., None], mask


@pytest.mark.parametrize("mode", ["fixed", "variable"])
def test_padded_mean_does_not_depend_on_batch_mates(catalog, mode):
    torch.manual_seed(0)
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=2, hidden=8, blocks=1, max_len=40, length_mode=mode
    )
    model = SequenceClassifier(backbone, 2, pooling="mean-with-padding").double().eval()
    assert model.max_len == 40
    x, mask = batch([12, 35, 20], 35)
    with torch.no_grad():
        together = model.features(x, mask)
        for i, n in enumerate([12, 35, 20]):
            alone = model.features(x[i : i + 1, :n], mask[i : i + 1, :n])
            assert torch.allclose(together[i], alone[0], atol=1e-12)
        # FinDNA: zero-pad the input to max_len, run the network, average all max_len outputs
        padded = torch.nn.functional.pad(x[:1, :12], (0, 0, 0, 28))
        full = torch.nn.functional.pad(mask[:1, :12], (0, 28))
        assert torch.allclose(together[0], backbone(padded, full).mean(1)[0], atol=1e-12)


def test_max_len_can_be_given_and_is_required(catalog):
    cnn = catalog.get("backbone", "cnn").factory()
    with pytest.raises(ConfigError, match="max_len"):
        SequenceClassifier(cnn, 2, pooling="mean-with-padding")
    model = SequenceClassifier(cnn, 2, pooling="mean-with-padding", max_len=30).double().eval()
    x, mask = batch([10, 25], 25)
    with torch.no_grad():
        assert torch.allclose(
            model.features(x, mask)[0], model.features(x[:1, :10], mask[:1, :10])[0]
        )
    with pytest.raises(ConfigError, match="exceeds"):
        model.features(*batch([31], 31))


def test_findna_released_fine_tunes_with_padded_mean(registry):
    from findna_bench.run.config import resolve

    assert (
        resolve(registry, "findna-released", "gue/tf_0", "paper")["finetune"]["pooling"]
        == "mean-with-padding"
    )
    assert resolve(registry, "findna", "gue/tf_0", "paper")["finetune"]["pooling"] == "mean"


def test_mean_max_is_the_mean_and_the_max_over_real_positions_only(catalog):
    """A motif at one position moves the max but barely the mean; padding never enters either."""
    torch.manual_seed(0)
    backbone = catalog.get("backbone", "convnova").factory(dim=8, kernel_size=5, max_len=40)
    model = SequenceClassifier(backbone, 3, pooling="mean-max").double().eval()
    assert model.head.in_features == 16
    x, mask = batch([12, 35, 20], 35)
    with torch.no_grad():
        together = model.features(x, mask)
        for i, n in enumerate([12, 35, 20]):
            h = backbone(x[i : i + 1, :n], mask[i : i + 1, :n])[0]
            assert torch.allclose(together[i, :8], h.mean(0), atol=1e-10)
            assert torch.allclose(together[i, 8:], h.amax(0), atol=1e-10)
        assert model(x, mask).shape == (3, 3)
