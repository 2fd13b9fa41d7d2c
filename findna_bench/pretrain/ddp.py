"""torch.distributed helpers for data-parallel pretraining under ``torchrun``.

Every rank draws its own rows of each global batch (sharded sampling: ``shard``), augments them
with the same per-step generator as one process would, and reduces losses with
``global_mean`` so that, after DDP averages gradients over ranks, the update equals the
single-process update on the whole batch. Outside an initialised process group every helper
is the single-process identity.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if active() else 0


def world() -> int:
    return dist.get_world_size() if active() else 1


def init_from_env(device: torch.device) -> bool:
    """Join the process group torchrun describes (``WORLD_SIZE`` > 1); False when alone."""
    if active():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return True


def shard(global_batch: int) -> slice:
    """This rank's rows of a global batch (the batch must divide evenly)."""
    size = world()
    if global_batch % size:
        raise ValueError(f"batch size {global_batch} does not divide over {size} processes")
    per = global_batch // size
    return slice(rank() * per, (rank() + 1) * per)


def global_mean(local_sum: torch.Tensor, local_count: torch.Tensor, *, grad: bool = True) -> torch.Tensor:
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


def average(values: dict[str, float]) -> dict[str, float]:
    """Average scalar metrics over ranks (identity when alone)."""
    if not active() or not values:
        return values
    keys = sorted(values)
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    tensor = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return {k: v / world() for k, v in zip(keys, tensor.tolist())}
