"""`xrf-napari-train embedder`: train the DVE on a synthetic dataset folder.

    xrf-napari-train embedder --data data/train --out runs/dve [--config configs/embedder.json]
        [--epochs E | --steps S] [--batch N] [--lr LR] [--device auto] [--resume] [--seed S]

Writes into --out: config.json (the resolved config), checkpoint.pt (atomic, every N steps),
metrics.json, loss_curve.png and dve.safetensors (weights with the config inside). With --resume
training continues from checkpoint.pt and gives the same weights as an uninterrupted run.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..argtypes import print_note
from ..device import DEVICE_CHOICES
from .common import CHECKPOINT_NAME

#: Training defaults; a --config JSON overrides them, command-line flags override both.
DEFAULT_TRAIN_CONFIG = {
    "model": {
        "n_channels": 512,
        "hidden": [128, 64, 32],
        "latent_dim": 3,
        "activation": "relu",
        "normalisation": "hellinger",
    },
    "seed": 0,
    "steps": 3000,
    "epochs": None,  # if set, steps = epochs * (pool size // batch)
    "cubes_per_batch": 16,  # distinct cubes (hence instrument profiles) per batch
    "pixels_per_cube_batch": 256,  # batch = cubes_per_batch * pixels_per_cube_batch spectra
    "pixels_per_cube": 4096,  # pixels kept per cube in the pool
    "max_pool_bytes": 2 * 2**30,
    "lr": 2e-3,
    "lr_min_factor": 0.05,  # cosine decay to lr * lr_min_factor
    "warmup_steps": 100,  # linear learning-rate warm-up
    "weight_decay": 0.0,
    "grad_clip": 5.0,
    "w_recon": 1.0,
    "w_kl": 1e-3,  # small per-sample KL keeps the posterior variance meaningful
    "w_mmd": 5.0,
    "mmd_samples": 1024,  # posterior samples (and as many prior samples) in the MMD
    "w_silhouette": 4.0,
    "silhouette_ramp": 0.2,  # fraction of steps over which w_silhouette ramps up from 0
    "silhouette_interior_only": True,  # score only pixels away from region boundaries (mixtures)
    "aug_prob": 0.8,  # fraction of batch cubes seen through a random "other instrument"
    "aug_min_keep": 0.05,  # binomial thinning: keep 5-100% of counts (log-uniform, per pixel)
    "aug_tilt": 1.0,  # per-cube smooth efficiency tilt exp(a x + b x^2), |a|,|b| <= tilt
    "aug_broaden": 1.5,  # Gaussian sigma, channels: 0.3 + U(0, this); 0 = off
    "aug_shift": 0.5,  # energy shift, channels, U(-this, this); 0 = off
    "aug_window": 0.5,  # probability of scaling a random 0.5-3 keV window by U(0, 2)
    "checkpoint_every": 500,
    "log_every": 25,
    "amp": False,  # bf16 autocast on CUDA
}

#: Keys the command writes into config.json beside the settings (dropped when it is read back).
DERIVED_KEYS = (
    "resolved", "command", "resumed_by", "resumes", "runtime", "device", "sources",
    "amp_requested",
)  # fmt: skip


def config_ranges() -> dict:
    """Allowed values of the config's numbers (key -> argparse type), the command line's where it
    has the flag: a config file's are checked as the flags are (common.check_config)."""
    from ..argtypes import float_in, int_in, positive_float, seed_int
    from .common import model_ranges

    weight, fraction = float_in(0), float_in(0, 1)
    return {
        **model_ranges(),
        "steps": int_in(1),
        "epochs": positive_float,
        "cubes_per_batch": int_in(1),
        "pixels_per_cube_batch": int_in(2),  # as --batch: at least twice cubes_per_batch
        "pixels_per_cube": int_in(1),
        "max_pool_bytes": int_in(1),
        "lr": positive_float,
        "lr_min_factor": fraction,
        "warmup_steps": int_in(0),
        "weight_decay": weight,
        "grad_clip": weight,  # 0: off
        "w_recon": weight,
        "w_kl": weight,
        "w_mmd": weight,
        "mmd_samples": int_in(1),
        "w_silhouette": weight,
        "silhouette_ramp": fraction,
        "aug_prob": fraction,
        "aug_min_keep": float_in(0, 1, lo_open=True),  # log-uniform from it: 0 is -inf
        "aug_tilt": weight,
        "aug_broaden": weight,
        "aug_shift": weight,
        "aug_window": fraction,
        "checkpoint_every": int_in(1),
        "log_every": int_in(1),
        "seed": seed_int,
    }


def configure(parser) -> None:
    from ..argtypes import SEED_MAX, int_in, positive_float, seed_int, threads_int
    from .common import config_default_help

    d = DEFAULT_TRAIN_CONFIG

    parser.add_argument(
        "--data", required=True, help="synthetic dataset folder (cube_*.h5, as generate writes)"
    )
    parser.add_argument(
        "--out", required=True, help="output folder (checkpoints, metrics, weights)"
    )
    parser.add_argument("--config", help="JSON file overriding the default training config")
    # one or the other: given both, --epochs won and --steps was dropped unsaid
    length = parser.add_mutually_exclusive_group()
    length.add_argument(
        "--epochs", type=positive_float, help="epochs over the pixel pool (instead of --steps)"
    )
    length.add_argument(
        "--steps", type=int_in(1), help=f"optimiser steps {config_default_help(d['steps'])}"
    )
    parser.add_argument(
        "--batch",
        type=int_in(1),
        help="spectra per batch: a multiple of the config's cubes_per_batch "
        f"({d['cubes_per_batch']} without a --config), at least twice it (2 or more pixels per "
        "cube) (default: the --config's cubes_per_batch x pixels_per_cube_batch, or "
        f"{d['cubes_per_batch']} x {d['pixels_per_cube_batch']} = "
        f"{d['cubes_per_batch'] * d['pixels_per_cube_batch']} without one)",
    )
    parser.add_argument(
        "--lr", type=positive_float, help=f"peak learning rate {config_default_help(d['lr'])}"
    )
    parser.add_argument("--device", default="auto", help=DEVICE_CHOICES)
    parser.add_argument(
        "--threads",
        type=threads_int,
        help="torch CPU threads (1 is fastest on a busy, shared "
        "machine: OpenMP threads stall when the cores are oversubscribed)",
    )
    parser.add_argument(
        "--seed",
        type=seed_int,
        help=f"random seed (0 to {SEED_MAX}) {config_default_help(d['seed'])}",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=int_in(1),
        dest="checkpoint_every",
        help=f"steps between checkpoints {config_default_help(d['checkpoint_every'])}",
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--amp", action="store_true", help="bf16 autocast on CUDA")
    parser.add_argument("--val", help="dataset folder evaluated (ARI) at the end, e.g. data/test")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def resolve_config(args) -> dict:
    from ..models.dve import DEFAULT_CONFIG as DVE_DEFAULTS
    from .common import check_config, read_config

    cfg = json.loads(json.dumps(DEFAULT_TRAIN_CONFIG))
    if getattr(args, "config", None):
        path = Path(args.config)
        user = read_config(path)
        user = check_config(user, cfg, DVE_DEFAULTS, path, DERIVED_KEYS, config_ranges())
        model = {**cfg["model"], **user.pop("model", {})}
        cfg.update(user)
        cfg["model"] = model
    for key in ("steps", "lr", "seed", "checkpoint_every", "epochs"):
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    if getattr(args, "steps", None) is not None and getattr(args, "epochs", None) is None:
        cfg["epochs"] = None  # --steps overrides the file's epochs (a run's config.json has both)
    if getattr(args, "batch", None) is not None:
        per_cube, rest = divmod(int(args.batch), int(cfg["cubes_per_batch"]))
        if rest or per_cube < 2:  # silently rounded before: --batch 3 trained on 8 spectra
            raise ValueError(
                f"--batch {args.batch}: must be a multiple of cubes_per_batch "
                f"{cfg['cubes_per_batch']}, at least twice it"
            )
        cfg["pixels_per_cube_batch"] = per_cube
    if getattr(args, "amp", False):
        cfg["amp"] = True
    return cfg


def lr_at(step: int, cfg: dict) -> float:
    """Linear warm-up then cosine decay from lr to lr * lr_min_factor."""
    lr, total, warm = cfg["lr"], max(1, cfg["steps"]), cfg["warmup_steps"]
    if step < warm:
        return lr * (step + 1) / warm
    t = min(1.0, (step - warm) / max(1, total - warm))
    lo = lr * cfg["lr_min_factor"]
    return lo + 0.5 * (lr - lo) * (1 + math.cos(math.pi * t))


def silhouette_weight(step: int, cfg: dict) -> float:
    ramp = cfg["silhouette_ramp"] * cfg["steps"]
    return cfg["w_silhouette"] * (min(1.0, step / ramp) if ramp > 0 else 1.0)


def augment(counts, gen, cfg: dict, energy):
    """'Another instrument and count level', applied to a random aug_prob of the batch's cubes:
    per-pixel binomial thinning (exact for Poisson counts) with a per-cube smooth efficiency tilt,
    then per-cube Gaussian broadening + sub-channel energy shift (worse resolution, calibration
    error) and a per-cube random energy window scaled by 0-2x (other anode/scatter and matrix).
    counts (B, P, C) float; energy (C,) keV tensor on the same device."""
    import torch
    import torch.nn.functional as F

    if cfg["aug_prob"] <= 0:
        return counts
    b, p, c = counts.shape
    dev = counts.device
    chosen = torch.rand(b, generator=gen, device=dev) < cfg["aug_prob"]
    x = (energy - 10.0) / 10.0
    coef = (torch.rand(b, 2, generator=gen, device=dev) * 2 - 1) * cfg["aug_tilt"]
    tilt = torch.exp(coef[:, :1] * x + coef[:, 1:] * x * x)  # (B, C)
    tilt = tilt / tilt.amax(-1, keepdim=True)
    lo = math.log(cfg["aug_min_keep"])
    keep = torch.exp(torch.rand(b, p, 1, generator=gen, device=dev) * (-lo) + lo)  # (B, P, 1)
    prob = (keep * tilt[:, None, :]).clamp(0.0, 1.0)
    # Randoms are drawn for every cube (chosen or not) so the stream does not depend on the choice.
    sigma = 0.3 + torch.rand(b, generator=gen, device=dev) * max(0.0, cfg.get("aug_broaden", 0.0))
    shift = (torch.rand(b, generator=gen, device=dev) * 2 - 1) * cfg.get("aug_shift", 0.0)
    w_centre = torch.rand(b, generator=gen, device=dev) * (energy[-1] - energy[0]) + energy[0]
    w_width = 0.5 + torch.rand(b, generator=gen, device=dev) * 2.5
    w_gain = torch.rand(b, generator=gen, device=dev) * 2.0
    if not bool(chosen.any()):
        return counts
    counts = counts.clone()
    sel = torch.binomial(counts[chosen], prob[chosen], generator=gen)
    if cfg.get("aug_broaden", 0.0) > 0 or cfg.get("aug_shift", 0.0) > 0:
        half = 4
        taps = torch.arange(-half, half + 1, device=dev, dtype=counts.dtype)
        kern = torch.exp(-0.5 * ((taps[None, :] - shift[chosen, None]) / sigma[chosen, None]) ** 2)
        kern = kern / kern.sum(-1, keepdim=True)  # (Bc, 9): counts are conserved
        padded = F.pad(sel, (half, half), mode="replicate")
        sel = sum(padded[..., j : j + c] * kern[:, None, j : j + 1] for j in range(2 * half + 1))
    if cfg.get("aug_window", 0.0) > 0:
        inside = (energy[None, :] - w_centre[chosen, None]).abs() < w_width[chosen, None] / 2
        apply = torch.rand(int(chosen.sum()), 1, generator=gen, device=dev) < cfg["aug_window"]
        factor = torch.where(
            inside & apply, w_gain[chosen, None], torch.ones_like(inside, dtype=sel.dtype)
        )
        sel = sel * factor[:, None, :]
    counts[chosen] = sel
    return counts


def train_step(
    model, opt, batch, gen, cfg: dict, step: int, energy, device, n_labels=None, dist=None
):
    """One optimiser step; returns a dict of loss values (floats).

    Every rank draws the whole global batch's randomness (augmentation, noise, prior samples) from
    the same generator, then keeps its own cubes: ranks stay in step with each other and with a
    single-process run of the same global batch (only the MMD is estimated per rank's share).
    """
    import torch

    from .distributed import DistInfo, shard, unwrap
    from .dve_losses import kl_to_prior, mmd_imq, reconstruction_kl, silhouette_loss

    dist = dist or DistInfo()
    core = unwrap(model)
    counts, labels, interior, _ = batch
    counts = augment(counts, gen, cfg, energy)
    b, p, c = counts.shape
    for group in opt.param_groups:
        group["lr"] = lr_at(step, cfg)
    noise = torch.randn(b * p, core.latent_dim, generator=gen, device=device)
    n_mmd = min(cfg["mmd_samples"], b * p)
    prior = torch.randn(n_mmd, core.latent_dim, generator=gen, device=device)
    if dist.enabled:
        counts, labels, interior = shard(counts, dist), shard(labels, dist), shard(interior, dist)
        noise = shard(noise.reshape(b, p, -1), dist).reshape(-1, core.latent_dim)
        n_mmd -= n_mmd % dist.world_size
        prior = shard(prior[:n_mmd], dist)
        n_mmd = len(prior)
        b = counts.shape[0]
    flat = counts.reshape(b * p, c)
    amp = bool(cfg.get("amp"))  # _build resolved it: True only on CUDA
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
        mu, logvar, z, log_probs = model(core.normalise(flat), noise=noise)
    mu, logvar, z, log_probs = mu.float(), logvar.float(), z.float(), log_probs.float()
    rec = reconstruction_kl(log_probs, flat)
    kl = kl_to_prior(mu, logvar)
    stride = max(1, (b * p) // n_mmd)
    mmd = mmd_imq(z[::stride][:n_mmd], prior)
    mask = interior if cfg.get("silhouette_interior_only") else None
    sil = silhouette_loss(mu.reshape(b, p, -1), labels, n_labels, mask)
    w_sil = silhouette_weight(step, cfg)
    loss = cfg["w_recon"] * rec + cfg["w_kl"] * kl + cfg["w_mmd"] * mmd + w_sil * sil
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if cfg["grad_clip"]:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])  # on averaged grads
    opt.step()
    return {
        "loss": loss.item(),
        "recon": rec.item(),
        "kl": kl.item(),
        "mmd": mmd.item(),
        "silhouette_loss": sil.item(),
        "lr": opt.param_groups[0]["lr"],
    }


@dataclass
class LoopState:
    """What the training loop carries from step to step, hence what a checkpoint must hold (beside
    the model, the optimiser and the config) for --resume to give the same weights as an
    uninterrupted run: the step, the training seconds, the loss history and the one random stream
    (batches, augmentation, posterior noise and prior samples all draw from `gen`)."""

    gen: object  # torch.Generator on the training device
    step: int = 0
    elapsed: float = 0.0  # training seconds up to the last lap, over all processes of the run
    history: dict = field(default_factory=dict)  # name -> [(step, mean since the last log)]
    mark: float = 0.0  # perf_counter at the last lap
    # name -> the step values since the last log: checkpointed, so that a resumed run logs the
    # same means as an uninterrupted one (reproducibility audit 26, finding 10)
    running: dict = field(default_factory=dict)
    # False when the checkpoint's random stream was another kind of device's and a new one
    # started (common.restore_generator)
    stream_restored: bool = True

    def lap(self) -> None:
        """Add the seconds since the last lap (or the loop start) to elapsed."""
        now = time.perf_counter()
        self.elapsed += now - self.mark
        self.mark = now

    def to_checkpoint(self) -> dict:
        return {
            "step": self.step,
            "generator": self.gen.get_state(),
            "history_json": json.dumps(self.history),
            "running_json": json.dumps(self.running),
            "elapsed": self.elapsed,
        }

    @classmethod
    def from_checkpoint(cls, state: dict, gen, seed: int = 0) -> LoopState:
        """The loop state of a checkpoint; restores gen's random stream (or, written on another
        kind of device, seeds it from `seed` and the step)."""
        from .common import restore_generator

        step = int(state["step"])
        restored = restore_generator(gen, state["generator"], seed, step)
        history = json.loads(state["history_json"])
        loop = cls(gen, step, float(state.get("elapsed", 0.0)), history, stream_restored=restored)
        loop.running = json.loads(state.get("running_json", "{}"))  # older checkpoints: none
        return loop


@dataclass
class _Run:
    """What _build prepares for the loop and _finalise."""

    cfg: dict  # resolved, with cfg["resolved"]; stored in every checkpoint
    out: Path
    dist: object
    device: object
    core: object  # the bare model; the DDP wrapper lives only inside _loop
    opt: object
    pool: object  # data.SpectraPool, loaded
    refresh: bool  # a new pool each epoch
    steps_per_epoch: int
    energy: object  # canonical energy axis (keV tensor on the device), for the augmentation
    n_labels: int
    pool_sha1: str | None
    progress: bool
    saved_step: int | None = None  # the step of OUT/checkpoint.pt (None: not written yet)
    checkpoint_id: str | None = None  # its identity, which metrics.json records (rank 0)

    def checkpoint(self, loop: LoopState) -> None:
        from .common import save_checkpoint

        if self.dist.is_main:
            self.checkpoint_id = save_checkpoint(
                self.out / CHECKPOINT_NAME,
                model=self.core.state_dict(),
                optimizer=self.opt.state_dict(),
                **loop.to_checkpoint(),
                config_json=json.dumps(self.cfg),
            )
        self.saved_step = loop.step


def train(
    data_dir,
    out_dir,
    cfg: dict,
    *,
    device_name: str = "auto",
    resume: bool = False,
    progress: bool = True,
    stop_after: int | None = None,
    val_dir=None,
    loaded=None,
) -> dict:
    """Train; returns the metrics dict. stop_after: stop (as if interrupted) after that many steps
    of this call, leaving the last checkpoint (tests of --resume). loaded: OUT/checkpoint.pt as
    the CLI's refuse_unfinished_checkpoint loaded it, for --resume not to load it again."""
    from .common import said_if_stopped_finishing
    from .distributed import closed_if_started

    try:
        with closed_if_started():
            r, loop = _build(data_dir, out_dir, cfg, device_name, resume, progress, val_dir, loaded)
            if not _loop(r, loop, stop_after):
                # out through closed_if_started as a Ctrl-C stop is: no barrier, which the
                # other ranks of a stopped run may never reach
                raise _StoppedAfter(loop.step)
            with said_if_stopped_finishing(
                r.out / CHECKPOINT_NAME, lambda: r.saved_step, r.dist.is_main
            ):
                return _finalise(r, loop, val_dir, device_name)
    except _StoppedAfter as stopped:
        return {"interrupted_at": stopped.step}


class _StoppedAfter(Exception):
    """train's stop_after reached at `step`."""

    def __init__(self, step: int):
        super().__init__(step)
        self.step = step


def _build(data_dir, out_dir, cfg, device_name, resume, progress, val_dir, loaded=None):
    """(_Run, LoopState): config (when resuming, it must be the checkpoint's), devices and ranks,
    the pixel pool, model, optimiser and random stream, restored from the checkpoint when resuming;
    writes config.json."""
    import torch

    from ..device import pick_device
    from ..energy import canonical_energy
    from ..models.dve import build_from_config, resolved_config
    from .common import (
        last_runtime,
        load_checkpoint,
        resume_entry,
        resumed_record,
        runtime_record,
        seed_everything,
        stream_continues,
        warn_runtime_change,
        write_json,
    )
    from .data import cube_source, list_cubes, recorded_sources, shared_sources
    from .distributed import device_for, init_distributed

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / CHECKPOINT_NAME
    device = pick_device(device_name)
    dist = init_distributed(device.type)
    device = device_for(dist, device)
    if dist.enabled and int(cfg["cubes_per_batch"]) % dist.world_size:
        raise ValueError(
            f"cubes_per_batch {cfg['cubes_per_batch']} must divide by the {dist.world_size} ranks"
        )
    progress = progress and dist.is_main
    if cfg.get("amp") and device.type != "cuda" and dist.is_main:
        print_note(
            f"amp (bf16 autocast) applies on CUDA only: training on {device.type} in "
            "float32, recorded as amp false",
        )
    # what the run used, not what was asked: config.json recorded "amp": true on a CPU run;
    # what was asked is kept apart, for --resume to compare (_check_resume)
    cfg["amp_requested"] = bool(cfg.get("amp"))
    cfg["amp"] = cfg["amp_requested"] and device.type == "cuda"
    ckpt = None
    if resume:
        if not ckpt_path.is_file():
            raise ValueError(f"--resume: no checkpoint at {ckpt_path}")
        ckpt = load_checkpoint(
            ckpt_path,
            required=("model", "optimizer", "step", "generator", "config_json", "history_json"),
            loaded=loaded,
        )
    cfg["model"] = resolved_config(cfg["model"])
    cfg["runtime"] = runtime_record()  # CPU results depend on the thread count (audit 26, 9)
    cfg["device"] = str(device)  # a resume keeps the first process's (resumed_record)
    seed_everything(int(cfg["seed"]))

    # each set named by its option: "dataset folder X does not exist" named neither
    data_files = list_cubes(data_dir, "--data")
    if val_dir:  # the end-of-run ARI must come from paintings the embedder never saw
        common = shared_sources(data_files, list_cubes(val_dir, "--val"))
        if common:
            raise ValueError(
                f"--val {val_dir} shares {len(common)} source painting(s) with --data "
                f"{data_dir} (e.g. {sorted(common)[:3]}): validate on other paintings"
            )
    pool, refresh, steps_per_epoch = _pool(data_dir, cfg, device, dist)
    per_batch = min(int(cfg["cubes_per_batch"]), pool.n_cubes)  # what a batch really holds
    if dist.enabled and per_batch % dist.world_size:
        raise ValueError(
            f"{data_dir} holds {pool.n_cubes} cubes, fewer than cubes_per_batch "
            f"{cfg['cubes_per_batch']}, so a batch holds {per_batch} cubes, which the "
            f"{dist.world_size} ranks cannot share: use a set of at least "
            f"{cfg['cubes_per_batch']} cubes, or a number of ranks dividing {per_batch}"
        )
    # the paintings it trains on, kept in the weights: evaluate says whether a set is held out
    cfg["sources"] = recorded_sources(cube_source(p) for p in pool.files)
    if ckpt is not None:
        before = json.loads(ckpt["config_json"])
        _check_resume(ckpt_path, before, cfg, device.type == "cuda")
        # the original command stays; the resume's step, device and stream are listed
        continued = stream_continues(ckpt["generator"], device)
        cfg.update(
            resumed_record(
                before,
                cfg.get("command"),
                {**resume_entry(ckpt["step"], device, continued), "amp": cfg["amp"]},
            )
        )
        if dist.is_main:
            warn_runtime_change(ckpt_path, last_runtime(before), runtime_record())

    core = build_from_config(cfg["model"]).to(device)
    opt = torch.optim.Adam(core.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    gen = torch.Generator(device=device)
    gen.manual_seed(int(cfg["seed"]))
    loop = LoopState(gen)
    if ckpt is not None:
        load_checkpoint(ckpt_path, state=ckpt, model=core, optimizer=opt)
        loop = LoopState.from_checkpoint(ckpt, gen, int(cfg["seed"]))
        if not loop.stream_restored and dist.is_main:
            from .common import warn_stream_moved

            warn_stream_moved(ckpt_path, device)

    pool.load(loop.step // steps_per_epoch if refresh else 0, progress=progress, dist=dist)
    if dist.is_main:  # once the cubes are read: a cube refused there left config.json alone
        write_json(out / "config.json", cfg)
    run = _Run(
        cfg=cfg,
        out=out,
        dist=dist,
        device=device,
        core=core,
        opt=opt,
        pool=pool,
        refresh=refresh,
        steps_per_epoch=steps_per_epoch,
        energy=torch.as_tensor(canonical_energy(), dtype=torch.float32, device=device),
        n_labels=max(pool.n_regions),
        pool_sha1=pool.digest() if dist.is_main else None,
        progress=progress,
        saved_step=loop.step if ckpt is not None else None,
    )
    return run, loop


def _pool(data_dir, cfg: dict, device, dist):
    """(pool (not loaded yet), refresh each epoch, steps per epoch); resolves cfg["steps"] from
    cfg["epochs"] and records the resolved sizes in cfg["resolved"]."""
    from .common import files_sha1
    from .data import make_pool

    pool, refresh = make_pool(
        data_dir, int(cfg["pixels_per_cube"]), int(cfg["seed"]), device, int(cfg["max_pool_bytes"])
    )
    batch_size = min(int(cfg["cubes_per_batch"]), pool.n_cubes) * int(cfg["pixels_per_cube_batch"])
    steps_per_epoch = max(1, pool.n_cubes * pool.pixels_per_cube // batch_size)
    if cfg.get("epochs"):  # at least one step, as the recolouriser's: --epochs 0.1 of a small
        # set rounded to 0 steps and wrote the untrained network as dve.safetensors, rc 0
        cfg["steps"] = max(1, int(round(float(cfg["epochs"]) * steps_per_epoch)))
    cfg["resolved"] = {
        "n_cubes": pool.n_cubes,
        "pool_pixels_per_cube": pool.pixels_per_cube,
        "refresh_pool_each_epoch": refresh,
        "batch_size": batch_size,
        "steps_per_epoch": steps_per_epoch,
        "data": str(data_dir),
        "files_sha1": files_sha1(pool.files),  # which cubes: --resume compares it
        "world_size": dist.world_size,
    }
    return pool, refresh, steps_per_epoch


def _check_resume(ckpt_path, before: dict, cfg: dict, cuda: bool) -> None:
    """Refuse to resume with settings or data other than the interrupted run's
    (common.check_resume); checkpoint_every may change (checkpointing draws no random numbers),
    and off CUDA --amp (it changes nothing there).

    On CUDA --amp is compared as given (`amp_requested`), not as applied ("amp": false off
    CUDA): a run begun on the CPU with --amp and resumed on a GPU by the same command was
    refused as "amp False there, True now", though the command was unchanged. It then goes on
    with amp, and its `resumes` record says from which step. Checkpoints from before
    `amp_requested` record only the amp applied: compared so, the message saying why."""
    from .common import check_resume

    free = (*DERIVED_KEYS, "checkpoint_every", "amp")
    keys = [k for k in dict.fromkeys([*before, *cfg]) if k not in free]
    was = before.get("resolved") or {}
    data = []
    asked = before.get("amp_requested")
    if cuda and asked is not None and bool(asked) != cfg["amp_requested"]:
        data.append(
            f"--amp {'given' if asked else 'not given'} there, "
            f"{'given' if cfg['amp_requested'] else 'not given'} now"
        )
    elif cuda and asked is None and bool(before.get("amp")) != cfg["amp"]:
        used = bool(before.get("amp"))
        data.append(
            f"amp {used} there, {cfg['amp']} now (this checkpoint, from before 2026-12-05, "
            "records whether amp applied, not whether --amp was given, and off CUDA it never "
            f"applies: resume {'with' if used else 'without'} --amp)"
        )
    if was.get("files_sha1") != cfg["resolved"]["files_sha1"]:
        data.append(f"--data: other cube files than the run's {was.get('data')}")
    if before.get("pixels_per_cube_batch") != cfg.get("pixels_per_cube_batch"):
        # --batch is stored divided by cubes_per_batch: name the flag the user typed too
        batch = [
            int(c.get("cubes_per_batch", 0)) * int(c.get("pixels_per_cube_batch", 0))
            for c in (before, cfg)
        ]
        data.append(f"--batch {batch[0]} there, {batch[1]} now")
    check_resume(ckpt_path, before, cfg, keys, data)


def _loop(r: _Run, loop: LoopState, stop_after: int | None) -> bool:
    """Train from loop.step to cfg["steps"], checkpointing every checkpoint_every steps and at the
    end; False when stopped early by stop_after."""
    from tqdm import tqdm

    from .common import StopSignals, diverged
    from .distributed import all_max, all_mean, wrap_model

    cfg = r.cfg
    model = wrap_model(r.core, r.dist, r.device)  # DDP averages gradients across ranks
    total = int(cfg["steps"])
    bar = tqdm(
        total=total,
        initial=loop.step,
        desc="training DVE",
        unit="step",
        disable=not r.progress,
        dynamic_ncols=True,
    )
    loop.mark = time.perf_counter()
    done_here = 0
    running = loop.running
    model.train()
    with StopSignals() as signals:
        if r.dist.is_main:  # also where a test knows that SIGINT now stops with a checkpoint
            print(f"training DVE: steps {loop.step} to {total}", file=sys.stderr, flush=True)
        while loop.step < total:
            step = loop.step
            if r.refresh and step // r.steps_per_epoch != r.pool.epoch_loaded:
                r.pool.load(step // r.steps_per_epoch, progress=r.progress, dist=r.dist)
            batch = r.pool.batch(
                int(cfg["cubes_per_batch"]), int(cfg["pixels_per_cube_batch"]), loop.gen
            )
            vals = train_step(
                model, r.opt, batch, loop.gen, cfg, step, r.energy, r.device, r.n_labels, r.dist
            )
            # before any checkpoint of it; agreed between ranks, so that all stop at this step
            # (a rank stopping alone left the others failing in their next collective)
            if all_max(float(not all(math.isfinite(v) for v in vals.values())), r.dist):
                raise diverged(step + 1, r.out / CHECKPOINT_NAME, r.saved_step)
            for k, v in vals.items():
                running.setdefault(k, []).append(v)
            step = loop.step = step + 1
            done_here += 1
            logged = step % int(cfg["log_every"]) == 0 or step == total
            if logged:
                for k, v in running.items():
                    loop.history.setdefault(k, []).append(
                        (step, all_mean(float(np.mean(v)), r.dist))
                    )
                bar.set_postfix(
                    loss=f"{np.mean(running['loss']):.4f}",
                    sil=f"{1 - np.mean(running['silhouette_loss']):.3f}",
                )
                running = loop.running = {}
            bar.update(1)
            if step % int(cfg["checkpoint_every"]) == 0 or step == total:
                loop.lap()
                r.checkpoint(loop)
            if stop_after is not None and done_here >= stop_after and step < total:
                bar.close()
                return False
            if signals.requested(r.dist, agree=logged):  # Ctrl-C or kill: a checkpoint, then exit
                if r.saved_step != step:
                    loop.lap()
                    r.checkpoint(loop)
                bar.close()
                raise signals.stop(r.out / CHECKPOINT_NAME, step, show=r.dist.is_main)
    bar.close()
    loop.lap()
    if done_here == 0:  # a finished run resumed: its checkpoint records this resume too
        r.checkpoint(loop)
    return True


def _finalise(r: _Run, loop: LoopState, val_dir, device_name: str) -> dict:
    """Rank 0 saves the weights (config inside), evaluates on val_dir and writes metrics and
    curves; the other ranks wait for it."""
    from ..models.weights import save_weights, tensors_sha256
    from .common import CHECKPOINT_ID, TRAINER_WEIGHTS, plot_curves, write_json
    from .distributed import barrier, params_in_sync

    cfg, dist, out, history = r.cfg, r.dist, r.out, loop.history
    weights = out / TRAINER_WEIGHTS["embedder"]
    in_sync = params_in_sync(r.core, dist)
    if not dist.is_main:
        barrier(dist)
        return {"rank": dist.rank, "ranks_in_sync": in_sync}

    weights_cfg = dict(cfg["model"])
    weights_cfg["training"] = {k: v for k, v in cfg.items() if k != "model"}
    sha = save_weights(r.core.state_dict(), weights, weights_cfg)
    final = {k: v[-1][1] for k, v in history.items() if v}
    metrics = {
        "steps": loop.step,
        "train_seconds": round(loop.elapsed, 1),
        "device": cfg["device"],  # the first process's, as "runtime"; each resume's in "resumes"
        "world_size": dist.world_size,
        "runtime": cfg["runtime"],
        "ranks_in_sync": in_sync,
        "pool_sha1": r.pool_sha1,
        "command": cfg.get("command"),
        **({"resumed_by": cfg["resumed_by"]} if cfg.get("resumed_by") else {}),
        **({"resumes": cfg["resumes"]} if cfg.get("resumes") else {}),
        "final": final,
        "weights": str(weights),
        "sha256": sha,
        "tensors_sha256": tensors_sha256(r.core.state_dict()),  # equal for equal weights
        "curves": history,
        CHECKPOINT_ID: r.checkpoint_id,  # these results are that checkpoint's (unwritten_results)
    }
    if val_dir:
        from .eval_embedder import evaluate_embedder, format_table

        res = evaluate_embedder(val_dir, weights, device=device_name, progress=r.progress)
        metrics["validation"] = res
        print(format_table(res))
    plot_curves(
        out / "loss_curve.png",
        {k: v for k, v in history.items() if k != "lr"},
        title=f"DVE training ({loop.step} steps)",
    )
    write_json(out / "metrics.json", metrics)  # last: it marks the results written
    barrier(dist)
    return metrics


def run(args) -> int:
    from .common import removed_if_failed

    with removed_if_failed(args.out):
        return _run(args)


def _run(args) -> int:
    from ..fileutil import check_not_a_file_name, check_output_folder
    from ..io.registry import SUPPORTED_SUFFIXES
    from .common import TRAINER_RECORDS, TRAINER_WEIGHTS

    # `--out dve.safetensors` made that folder
    check_not_a_file_name(args.out, "embedder", scans=SUPPORTED_SUFFIXES)
    check_output_folder(
        args.out,
        (CHECKPOINT_NAME, *TRAINER_RECORDS, TRAINER_WEIGHTS["embedder"]),
        inputs=[args.data, args.val, args.config],
        folder_inputs=[args.data, args.val],
        option="--out",
    )
    from .common import command_line, refuse_unfinished_checkpoint

    loaded = refuse_unfinished_checkpoint(Path(args.out) / CHECKPOINT_NAME, args.resume, "embedder")

    cfg = resolve_config(args)
    cfg["command"] = command_line()  # also in the weights' "training" and in metrics.json
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    metrics = train(
        args.data,
        args.out,
        cfg,
        device_name=args.device,
        resume=args.resume,
        progress=not args.no_progress,
        val_dir=args.val,
        loaded=loaded,
    )
    if "weights" not in metrics:  # a non-zero rank of a torchrun job: rank 0 reports
        return 0
    device = ([metrics["device"]] + [r.get("device") for r in metrics.get("resumes", [])])[-1]
    print(
        f"weights: {metrics['weights']} (sha256 {metrics['sha256'][:12]}...), "
        f"{metrics['steps']} step{'' if metrics['steps'] == 1 else 's'} in "
        f"{metrics['train_seconds']} s on {device}; final "
        + ", ".join(f"{k} {v:.4g}" for k, v in metrics["final"].items())
    )
    return 0
