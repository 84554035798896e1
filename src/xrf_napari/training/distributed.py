"""Multi-process training through torch.distributed (DDP), launched by `torchrun`.

Single-process runs go through the same code with world size 1, so both paths stay tested. Each
rank draws its own shard of every global batch (global batch = per-rank batch x world size); DDP
averages gradients, so N ranks with batch B/N follow the same trajectory as one process with batch B
(up to floating-point summation order). Only rank 0 writes checkpoints, logs and weights.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager, suppress
from dataclasses import dataclass


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device_type: str = "cpu") -> DistInfo:
    """Join the process group that torchrun set up (env:// rendezvous); no-op for a single process.

    Backend: nccl on CUDA, gloo otherwise.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device_type == "cuda":
        torch.cuda.set_device(local)
    return DistInfo(dist.get_rank(), dist.get_world_size(), local)


def device_for(info: DistInfo, device):
    """On CUDA each rank uses its own GPU (cuda:LOCAL_RANK)."""
    import torch

    if device.type == "cuda" and info.enabled:
        return torch.device("cuda", info.local_rank)
    return device


def wrap_model(model, info: DistInfo, device):
    """DDP-wrap a model when running distributed (else return it unchanged)."""
    if not info.enabled:
        return model
    from torch.nn.parallel import DistributedDataParallel as DDP

    if device.type == "cuda":
        return DDP(model, device_ids=[device.index])
    return DDP(model)


def unwrap(model):
    return getattr(model, "module", model)


def shard(global_batch_indices, info: DistInfo):
    """This rank's contiguous share of a global batch (indices or a tensor)."""
    n = len(global_batch_indices)
    if n % info.world_size:
        raise ValueError(f"global batch {n} is not divisible by world size {info.world_size}")
    per = n // info.world_size
    return global_batch_indices[info.rank * per : (info.rank + 1) * per]


def barrier(info: DistInfo) -> None:
    if info.enabled:
        import torch.distributed as dist

        dist.barrier()


def _collective_device():
    """NCCL reduces tensors on the GPU, gloo on the CPU."""
    import torch
    import torch.distributed as dist

    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _reduce(value: float, info: DistInfo, op: str) -> float:
    if not info.enabled:
        return float(value)
    import torch
    import torch.distributed as dist

    t = torch.tensor([float(value)], dtype=torch.float64, device=_collective_device())
    dist.all_reduce(t, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
    return float(t.item()) / (info.world_size if op == "mean" else 1)


def all_mean(value: float, info: DistInfo) -> float:
    """Mean of a scalar over ranks (for logging the true global loss)."""
    return _reduce(value, info, "mean")


def all_max(value: float, info: DistInfo) -> float:
    """Largest value over ranks: decisions every rank must take alike
    (e.g. a time budget's stop)."""
    return _reduce(value, info, "max")


def gather_shards(items: dict, info: DistInfo) -> dict:
    """Union over ranks of {index: object} dicts
    (each rank processed its own share of a dataset)."""
    if not info.enabled:
        return dict(items)
    import torch.distributed as dist

    parts = [None] * info.world_size
    dist.all_gather_object(parts, items)
    merged = {}
    for part in parts:
        merged.update(part)
    return merged


def _group_up() -> bool:
    """Whether a process group is running (torch.distributed not imported: none is)."""
    dist = sys.modules.get("torch.distributed")
    return dist is not None and dist.is_available() and dist.is_initialized()


@contextmanager
def closed_if_started():
    """Run a trainer; when it ends, however it ends, destroy the process group that
    init_distributed started inside, and only that one: a group running before (an API caller's
    own, which init_distributed joins) is left to its caller. (The success path destroyed the
    caller's group too; an error or stop left it, and left up under torchrun the group the run had
    started: on NCCL, torch 2.4+ then warns at exit "destroy_process_group() was not called before
    program exit, which can leak resources".)

    At the end of a finished run the ranks meet at a barrier first, so that no rank closes its gloo
    connections while a peer still uses them. The DDP wrapper lives only inside the trainers'
    loops, so it is dropped by then: its reducer holds a reference to the group, which would
    otherwise outlive the teardown and be destroyed whenever the wrapper is. (Rank 1 aborted at
    exit, "terminate called without an active exception" from gloo, in two fresh-clone CI runs,
    never in 48 looped two-rank runs here; this order is the safer one, not a proven cure.)
    After an error or a stop, no barrier: the other ranks may never reach one; and a failure of
    the teardown itself is dropped there, the error that stopped the run being the one to see."""
    started = not _group_up()
    try:
        yield
    except BaseException:
        if started and _group_up():
            with suppress(Exception):
                sys.modules["torch.distributed"].destroy_process_group()
        raise
    if started and _group_up():
        dist = sys.modules["torch.distributed"]
        if dist.get_world_size() > 1:
            dist.barrier()
        dist.destroy_process_group()


def params_in_sync(model, info: DistInfo) -> bool:
    """True when every rank holds bit-identical parameters (DDP's promise, checked at the end)."""
    if not info.enabled:
        return True
    import torch
    import torch.distributed as dist

    flat = torch.cat([p.detach().float().reshape(-1).cpu() for p in unwrap(model).parameters()])
    mine = (
        flat.double().sum().reshape(1),
        (flat.double() * torch.arange(len(flat), dtype=torch.float64)).sum().reshape(1),
    )
    ok = True
    for value in mine:
        value = value.to(_collective_device())
        lo, hi = value.clone(), value.clone()
        dist.all_reduce(lo, op=dist.ReduceOp.MIN)
        dist.all_reduce(hi, op=dist.ReduceOp.MAX)
        ok &= bool(lo.item() == hi.item())
    return ok
