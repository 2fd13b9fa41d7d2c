"""torch.distributed helpers for data-parallel pretraining under ``torchrun``.

Every rank draws its own rows of each global batch (sharded sampling: ``shard``), augments them
with the same per-step generator as one process would, and reduces losses with
``global_mean`` so that, after DDP averages gradients over ranks, the update equals the
single-process update on the whole batch. Outside an initialised process group every helper
is the single-process identity.

Devices: under ``torchrun`` on CUDA each process uses ``cuda:LOCAL_RANK`` (``local_device``
makes it the current device before the process group starts, so NCCL never puts two ranks on
one GPU) and DDP is built with ``device_ids=[LOCAL_RANK]`` (``wrap``).
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from findna_bench.errors import ConfigError


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if active() else 0


def world() -> int:
    return dist.get_world_size() if active() else 1


def launched() -> bool:
    """True under ``torchrun`` (its rendezvous variables are set), even with one process."""
    return all(k in os.environ for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"))


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def local_device(device: torch.device) -> torch.device:
    """This process's device: ``cuda:LOCAL_RANK`` under torchrun (``cuda`` without an index),
    made the current CUDA device; CPU devices and single processes pass through."""
    device = torch.device(device)
    if device.type != "cuda":
        return device
    index = device.index
    if "LOCAL_RANK" in os.environ:
        if (
            index is not None
            and index != local_rank()
            and int(os.environ.get("WORLD_SIZE", "1")) > 1
        ):
            raise ConfigError(
                f"--device {device} under torchrun: every process would use one GPU; "
                "pass --device cuda (each process takes cuda:LOCAL_RANK)"
            )
        index = local_rank()
    if index is None:
        index = torch.cuda.current_device()
    count = torch.cuda.device_count()
    if index >= count:
        raise ConfigError(
            f"process with LOCAL_RANK {index} needs cuda:{index}, but {count} GPU(s) "
            "are visible; lower --nproc_per_node or check CUDA_VISIBLE_DEVICES"
        )
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


def init_from_env(device: torch.device) -> bool:
    """Join the process group torchrun describes; False when alone (not launched by torchrun
    and ``WORLD_SIZE`` <= 1). On CUDA, ``local_device`` runs first (one GPU per rank)."""
    if active():
        return True
    if not launched() and int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    device = local_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return True


def wrap(module: nn.Module, device: torch.device) -> nn.Module:
    """``module`` in DistributedDataParallel on ``device`` (``device_ids=[index]`` on CUDA).

    Buffers (the DINO centre) are kept equal by global reductions, not by broadcasting.
    """
    ddp_cls = nn.parallel.DistributedDataParallel
    params = inspect.signature(ddp_cls).parameters
    sync: dict[str, Any] = (
        {"forward_sync_buffers": False}
        if "forward_sync_buffers" in params
        else {"broadcast_buffers": False}
    )
    if device.type == "cuda":
        return ddp_cls(module, device_ids=[device.index], output_device=device.index, **sync)
    return ddp_cls(module, **sync)


def shard(global_batch: int) -> slice:
    """This rank's rows of a global batch (the batch must divide evenly)."""
    size = world()
    if global_batch % size:
        raise ValueError(f"batch size {global_batch} does not divide over {size} processes")
    per = global_batch // size
    return slice(rank() * per, (rank() + 1) * per)


def global_mean(
    local_sum: torch.Tensor, local_count: torch.Tensor, *, grad: bool = True
) -> torch.Tensor:
    """Mean over the global batch of a quantity summed over this rank's rows.

    With ``grad`` the result is this rank's share scaled by the world size (its average over
    ranks, which DDP takes for gradients and ``average`` takes for logging, is the global mean);
    without it the exact global mean is returned on every rank.
    """
    if not active():
        return local_sum / local_count.clamp_min(1)
    count = local_count.detach().clone().float()
    dist.all_reduce(count)
    if grad:
        return local_sum * world() / count.clamp_min(1)
    total = local_sum.detach().clone()
    dist.all_reduce(total)
    return total / count.clamp_min(1)


def share(local_sum: torch.Tensor, global_count: torch.Tensor) -> torch.Tensor:
    """This rank's (or micro-batch's) share of a global mean whose count is already known:
    summed over micro-batches and averaged over ranks (as DDP does) it gives the global mean."""
    return local_sum * world() / global_count.clamp_min(1)


def total(value: torch.Tensor) -> torch.Tensor:
    """Sum of ``value`` over ranks (a copy; the value itself when alone)."""
    if not active():
        return value
    out = value.detach().clone()
    dist.all_reduce(out)
    return out


def average(values: dict[str, float]) -> dict[str, float]:
    """Average scalar metrics over ranks (identity when alone)."""
    if not active() or not values:
        return values
    keys = sorted(values)
    device = (
        torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    )
    tensor = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return {k: v / world() for k, v in zip(keys, tensor.tolist())}
