"""``findna-bench pretrain`` shows whatever metrics an objective returns (the contract asks
only for ``"loss"``), through the builtin progress plugin."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

TOY_OBJECTIVE = '''
"""Objective "loss-only": the least the contract allows, a dict with "loss" and nothing else."""
import torch
from torch import nn

from findna_bench import View, hookimpl


class LossOnly(nn.Module):
    def __init__(self, backbone, *, views=None):
        super().__init__()
        self.backbone = backbone  # no transfer_module(): the backbone is what is kept

    def forward(self, batch):
        view = View.from_tokens(batch["tokens"]).rows(batch["rows"])
        return {"loss": self.backbone(view.x, view.mask).pow(2).mean()}


@hookimpl
def register_objectives(register):
    register("loss-only", LossOnly, description="mean squared feature")
'''


def test_pretrain_cli_shows_an_objectives_own_metrics(cli, data_root, tmp_path):
    (tmp_path / "loss_only.py").write_text(TOY_OBJECTIVE)
    (tmp_path / "registry.yaml").write_text(f"""
plugins: [{REPO / "plugins/baselines/cnn.py"}, loss_only.py]
models:
  toy:
    backbone: {{use: cnn, embed_dim: 4, channels: [4]}}
    pretrain:
      backbone: {{use: cnn, embed_dim: 4, channels: [4]}}
      objective: {{use: loss-only}}
      views: {{}}
      data: {{fasta: [genome/GRCh37_chr20/chr20.fa.gz], length: 32}}
      steps: 4
      batch_size: 2
      log_every: 2
      checkpoint_every: 2
      amp: false
suites: {{}}
profiles:
  smoke: {{}}
""")
    result = cli(
        "--registry",
        tmp_path / "registry.yaml",
        "pretrain",
        "-m",
        "toy",
        "-p",
        "smoke",
        "--data-root",
        data_root,
        "--checkpoint-dir",
        tmp_path / "ckpt",
        "--device",
        "cpu",
    )
    assert result.exit_code == 0, result.output
    assert "pretrain step 2/4 loss" in result.output and "pretrain step 4/4 loss" in result.output
    assert "pretrained toy (smoke): 4 steps" in result.output and "loss " in result.output
    assert (tmp_path / "ckpt" / "final.pt").exists()
