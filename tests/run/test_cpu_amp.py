"""``finetune.cpu_amp``: bf16 autocast on a CPU, with fp32 weights, optimiser state and loss;
off by default, so a CPU run computes in fp32 unless its config says otherwise."""

from __future__ import annotations

import numpy as np
import torch

from findna_bench.model import SequenceClassifier
from findna_bench.optim import autocast
from findna_bench.run.config import ENGINE_DEFAULTS
from findna_bench.run.train import Encoded, finetune, predict

CPU = torch.device("cpu")


def test_autocast_on_a_cpu_only_when_asked():
    a, b = torch.randn(4, 8), torch.randn(8, 4)
    with autocast(CPU, True):  # finetune.amp alone: CUDA only
        assert (a @ b).dtype == torch.float32
    with autocast(CPU, True, cpu=True):
        assert (a @ b).dtype == torch.bfloat16


def _encoded(n: int, length: int, seed: int) -> Encoded:
    g = torch.Generator().manual_seed(seed)
    rows = torch.randint(0, 4, (n, length), generator=g)
    seqs = ["".join("ACGT"[int(i)] for i in row) for row in rows]
    labels = np.array([s.count("A") > length // 4 for s in seqs], dtype=np.int64)
    return Encoded.from_split(seqs, labels)


def test_a_cpu_amp_finetune_keeps_fp32_weights_and_scores_close_to_fp32(catalog):
    """The same seeded run in fp32 and under cpu_amp: weights stay fp32; the bf16 run's
    probabilities differ (it really ran in bf16) but only by bf16 rounding."""
    train, valid = _encoded(96, 48, 0), _encoded(32, 48, 1)
    probs = {}
    for cpu_amp in (False, True):
        torch.manual_seed(0)
        spec = {"use": "chordmixer", "dim": 8, "track_size": 2, "hidden": 8, "blocks": 1}
        model = SequenceClassifier(catalog.build_backbone(spec, 48), 2)
        cfg = {**ENGINE_DEFAULTS["finetune"], "epochs": 1, "batch_size": 16, "cpu_amp": cpu_amp}
        finetune(model, train, valid, cfg=cfg, metrics={"acc": accuracy}, main_metric="acc",
                 higher_is_better=True, device=CPU, seed=0)  # fmt: skip
        assert all(p.dtype == torch.float32 for p in model.parameters())
        probs[cpu_amp] = predict(model, valid, batch_size=64, device=CPU, cpu_amp=cpu_amp)
    gap = abs(probs[True] - probs[False]).max()
    assert 0 < gap < 0.05, gap


def accuracy(labels, pred, probs) -> float:
    return float((labels == pred).mean())
