"""Device per rank under torchrun, without a GPU: the torchrun environment is simulated and
``torch.cuda`` / ``DistributedDataParallel`` are replaced by recorders."""

from __future__ import annotations

import pytest
import torch

from findna_bench.errors import ConfigError
from findna_bench.pretrain import ddp


@pytest.fixture()
def fake_cuda(monkeypatch):
    """Four visible 'GPUs'; records every ``torch.cuda.set_device`` call."""
    calls: list[int] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "set_device", lambda i: calls.append(int(i)))
    return calls


def torchrun_env(monkeypatch, rank: int, world: int) -> None:
    for key, value in {
        "RANK": rank,
        "LOCAL_RANK": rank,
        "WORLD_SIZE": world,
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": 29500,
    }.items():
        monkeypatch.setenv(key, str(value))


@pytest.mark.parametrize("rank", [0, 1, 3])
def test_each_rank_takes_the_gpu_of_its_local_rank(monkeypatch, fake_cuda, rank):
    torchrun_env(monkeypatch, rank, 4)
    assert ddp.launched()
    assert ddp.local_device(torch.device("cuda")) == torch.device("cuda", rank)
    assert fake_cuda == [rank]


def test_ddp_is_built_with_the_local_device_ids(monkeypatch, fake_cuda):
    torchrun_env(monkeypatch, 2, 4)
    built = {}

    class Recorder:
        def __init__(self, module, **kwargs):
            built.update(kwargs, module=module)

    monkeypatch.setattr(torch.nn.parallel, "DistributedDataParallel", Recorder)
    module = torch.nn.Linear(2, 2)
    ddp.wrap(module, ddp.local_device(torch.device("cuda")))
    assert built["device_ids"] == [2] and built["output_device"] == 2 and built["module"] is module
    built.clear()
    ddp.wrap(module, torch.device("cpu"))  # gloo on CPU: no device ids
    assert "device_ids" not in built and built["module"] is module


def test_init_sets_the_device_before_nccl(monkeypatch, fake_cuda):
    torchrun_env(monkeypatch, 1, 2)
    seen = []
    monkeypatch.setattr(
        torch.distributed,
        "init_process_group",
        lambda backend: seen.append((backend, list(fake_cuda))),
    )
    monkeypatch.setattr(ddp, "active", lambda: False)
    assert ddp.init_from_env(torch.device("cuda"))
    assert seen == [("nccl", [1])]  # cuda:1 was current when NCCL started


def test_cpu_and_single_process_pass_through(monkeypatch, fake_cuda):
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    assert not ddp.init_from_env(torch.device("cpu"))
    assert ddp.local_device(torch.device("cpu")) == torch.device("cpu")
    assert ddp.local_device(torch.device("cuda", 3)) == torch.device("cuda", 3)
    assert fake_cuda == [3]


def test_explicit_index_or_too_few_gpus_under_torchrun_is_a_user_error(monkeypatch, fake_cuda):
    torchrun_env(monkeypatch, 1, 2)
    with pytest.raises(ConfigError, match="cuda:LOCAL_RANK"):
        ddp.local_device(torch.device("cuda", 0))
    torchrun_env(monkeypatch, 5, 8)
    with pytest.raises(ConfigError, match="4 GPU"):
        ddp.local_device(torch.device("cuda"))
