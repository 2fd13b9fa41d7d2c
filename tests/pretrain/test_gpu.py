"""CUDA path: bf16 autocast pretraining, resume on the GPU, and CPU transfer of its weights."""

from __future__ import annotations

import pytest
import torch

from findna_bench.pretrain import checkpoint
from findna_bench.pretrain.loop import pretrain

pytestmark = pytest.mark.gpu


@pytest.fixture()
def cuda():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return torch.device("cuda")


def test_bf16_pretraining_resumes_and_transfers_to_cpu(
    catalog, data_root, tmp_path, tiny_recipe, cuda
):
    recipe = tiny_recipe(amp=True)
    part = pretrain(
        recipe,
        catalog=catalog,
        data_root=data_root,
        device=cuda,
        checkpoint_dir=tmp_path,
        stop_at=4,
    )
    assert part.checkpoint is None
    done = pretrain(
        recipe, catalog=catalog, data_root=data_root, device=cuda, checkpoint_dir=tmp_path
    )
    assert done.resumed_from == 4 and done.curve[-1]["step"] == 8
    assert all(torch.isfinite(torch.tensor(p["loss"])) for p in done.curve)
    weights = checkpoint.load(done.checkpoint)["transfer"]
    assert all(t.device.type == "cpu" for t in weights.values())
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=2, hidden=16, blocks=1, dim=16, max_len=58
    )
    backbone.load_state_dict(weights)
