"""`xrf-napari-train recolouriser`: train the SmallUViT (DVE latent -> RGB) on a synthetic dataset.

The DVE is frozen, so every training cube is embedded once, through the same `iter_embed` path as
inference, and cached in the output folder (keyed by the embedder's hash and the cube files). The
latents and targets then live on the training device as tensors; a step is a random crop gather,
a dihedral augmentation (flips / 90-degree turns: paintings have no preferred orientation at the
scale of a crop) and one forward/backward pass, with bfloat16 autocast on CUDA and no host sync
except at logging. Loss: the redmean sRGB distance (training/metrics.py), or with the model's
`colour_bins` a rebalanced cross-entropy over colour bins (training/colour_classes.py);
optionally plus `msssim_weight * (1 - MS-SSIM)`. AdamW, linear warm-up then cosine decay. With
--time-budget the schedule runs on max(step fraction, time fraction), so a run ends on time with a
finished schedule; with `keep_best` the weights written are those of the checkpoint with the lowest
validation loss, or with `keep_best_by` "msssim" the highest validation MS-SSIM (validation cubes
are whole training-split paintings held out of the batches, never a painting that training also
sees, and never the test set): the model memorises training paintings long before the schedule
ends. The time fraction is agreed between ranks (slowest rank) at every
logging step, so under torchrun all ranks use the same learning rate and stop at the same step; a
single process reads its clock every step.

Under `torchrun` (training/distributed.py) each rank embeds its share of the cube files, every rank
draws the same global batch of crops and trains on its contiguous share of it, DDP averages the
gradients (the same trajectory as one process with the whole batch), and rank 0 alone writes
checkpoints, weights, metrics and fits the per-pixel baseline.

The same command fits the per-pixel MLP baseline (latent -> RGB) on the same data
(--baseline-steps), so evaluation compares the two on equal terms.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..argtypes import command_name, print_note
from ..cube import pixels_text
from ..device import DEVICE_CHOICES
from .common import CHECKPOINT_NAME

DEFAULTS = {
    "model": {
        "patch": 16,
        "dim": 144,
        "depth": 7,
        "heads": 9,
        "mlp_ratio": 4.0,
        "spt_shift": "half",
        "pixel_skip": True,
        "head_hidden": 16,
        "pixel_branch": 32,
    },
    "crop": 128,
    "batch": 16,
    "steps": 3000,
    "lr": 1e-3,
    "min_lr": 1e-5,
    "weight_decay": 0.05,
    "warmup": 150,
    "msssim_weight": 0.0,
    # with the model's colour_bins: the decode temperature is chosen among these on the validation
    # paintings after training (checkpoints are validated at the model's decode_temperature)
    "decode_temperatures": [0.38, 0.5, 0.7, 1.0],
    "target": "palette",
    "seed": 0,
    "checkpoint_every": 500,
    "log_every": 50,
    "val_fraction": 0.1,
    "baseline_steps": 1500,
    "time_budget": None,
    "embed_chunk": 65536,
    "keep_best": True,
    # what keep_best keeps the best validated step by: "loss" (the colour loss, lowest) or "msssim"
    # (MS-SSIM of the validation paintings, highest; computed only then)
    "keep_best_by": "loss",
    "epochs": None,  # if set, steps = epochs x training pixels / (crop^2 x batch)
}

#: Keys the command writes into config.json beside the settings (dropped when it is read back, so a
#: run's config.json given as --config repeats that run).
DERIVED_KEYS = (
    "resolved_steps", "n_train", "n_val", "val_cubes", "split", "model_config", "n_params",
    "device", "world_size", "command", "files_sha1", "embedder_sha256", "resumed_by", "resumes",
    "runtime", "sources",
)  # fmt: skip
#: Settings --resume may change: when checkpoints and validations happen, when a time budget stops
#: the run (a run stopped by its budget is resumed with a larger one), and what follows the loop.
RESUME_MAY_CHANGE = (
    "checkpoint_every", "log_every", "time_budget", "baseline_steps", "decode_temperatures",
    "embed_chunk",
)  # fmt: skip

CACHE_NAME = "latent_cache.npz"
#: A cube's arrays in the cache (named "latent_3", ...) and in its part (embed_dataset).
CUBE_ARRAYS = ("latent", "palette", "rgb")
TARGETS = ("palette", "rgb")
#: The MS-SSIM loss term's window (px): smaller than evaluate's 11 so that its 5 scales fit a 128 px
#: crop (they need crops over 96 px).
LOSS_MSSSIM_WIN = 7
#: keep_best_by's criteria: the validation colour loss (lowest wins) or the validation MS-SSIM
#: (highest wins; 5 scales with the loss term's LOSS_MSSSIM_WIN window, so validation cubes over
#: 96 px do, such as the 128 px cubes of `generate --size 128`, where evaluate's 11 px window
#: fits 4 scales only). A run trained with msssim_weight 1.0 kept step 0 by the loss alone.
KEEP_BEST_BY = ("loss", "msssim")


def config_ranges() -> dict:
    """Allowed values of the config's numbers (key -> argparse type), the command line's where it
    has the flag: a config file's are checked as the flags are (common.check_config)."""
    from ..argtypes import float_in, int_in, positive_float, positive_seconds, seed_int
    from .common import model_ranges

    return {
        **model_ranges(),
        "crop": int_in(1),
        "batch": int_in(1),
        "steps": int_in(1),
        "epochs": positive_float,
        "lr": positive_float,
        "min_lr": float_in(0),
        "weight_decay": float_in(0),
        "warmup": int_in(0),
        "msssim_weight": float_in(0),
        "decode_temperatures": positive_float,
        "checkpoint_every": int_in(0),
        "log_every": int_in(1),
        "val_fraction": float_in(0, 1, hi_open=True),  # 1 would leave nothing to train on
        "baseline_steps": int_in(0),
        "time_budget": positive_seconds,
        "embed_chunk": int_in(1),
        "seed": seed_int,
    }


def configure(p) -> None:
    from ..argtypes import (
        SEED_MAX,
        float_in,
        int_in,
        positive_float,
        positive_seconds,
        seed_int,
        threads_int,
    )
    from ..models.weights import default_help
    from .common import config_default_help

    p.add_argument(
        "--data", required=True, help="synthetic dataset folder (manifest.json + cube_*.h5)"
    )
    p.add_argument(
        "--embedder", default=None, help=f"DVE weights (.safetensors); {default_help('dve')}"
    )
    p.add_argument(
        "--out", required=True, help="output folder (weights, config, metrics, curves, checkpoints)"
    )
    p.add_argument(
        "--config",
        default=None,
        help="JSON config (e.g. configs/recolouriser.json); flags override it",
    )
    # one or the other: given both, --epochs won and --steps was dropped unsaid
    length = p.add_mutually_exclusive_group()
    length.add_argument(
        "--steps", type=int_in(1), default=None, help=f"optimisation steps {_default('steps')}"
    )
    length.add_argument(
        "--epochs",
        type=positive_float,
        default=None,
        help="alternative to --steps: passes over the training pixels (crop area x batch)",
    )
    p.add_argument(
        "--batch",
        type=int_in(1),
        default=None,
        help=f"crops per optimiser step, shared among the ranks under torchrun {_default('batch')}",
    )
    p.add_argument(
        "--crop",
        type=int_in(1),
        default=None,
        help=f"training crop size in pixels (multiple of the patch) {_default('crop')}",
    )
    p.add_argument(
        "--patch",
        type=int_in(1),
        default=None,
        help="the model's patch size in pixels, 16 in the paper "
        + config_default_help(DEFAULTS["model"]["patch"]),
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help=f"peak learning rate, reached after the warm-up, then cosine decay {_default('lr')}",
    )
    p.add_argument("--device", default="auto", help=DEVICE_CHOICES)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument(
        "--init",
        default=None,
        help="start from these SmallUViT weights (.safetensors): fine-tuning on new data with a "
        "fresh schedule; the config's model must match them",
    )
    p.add_argument(
        "--seed",
        type=seed_int,
        default=None,
        help=f"random seed (0 to {SEED_MAX}) {_default('seed')}",
    )
    p.add_argument(
        "--checkpoint-every",
        type=int_in(0),
        default=None,
        help="steps between checkpoints and validations (0: only at the end) "
        f"{_default('checkpoint_every')}",
    )
    p.add_argument(
        "--target",
        choices=TARGETS,
        default=None,
        help=f"palette (reachable) or rgb (original) {_default('target')}",
    )
    p.add_argument(
        "--baseline-steps",
        type=int_in(0),
        default=None,
        help=f"steps for the per-pixel MLP baseline, 0 = skip {_default('baseline_steps')}",
    )
    p.add_argument(
        "--time-budget",
        type=positive_seconds,
        default=None,
        help="seconds for the SmallUViT loop: it then ends by that time, its learning-rate "
        f"schedule run through, or at its last step if sooner {_default('time_budget')}",
    )
    p.add_argument(
        "--msssim-weight",
        type=float_in(0),
        default=None,
        help="weight of a (1 - MS-SSIM) term added to the colour loss, on crops over "
        f"{_msssim_need()} px (its 5 scales with a {LOSS_MSSSIM_WIN} px window), 0 = none "
        f"{_default('msssim_weight')}",
    )
    p.add_argument(
        "--keep-best-by",
        choices=KEEP_BEST_BY,
        default=None,
        help="what keep_best keeps the best validated step by: loss (the validation colour loss, "
        "lowest) or msssim (the validation paintings' MS-SSIM, highest, 5 scales with a "
        f"{LOSS_MSSSIM_WIN} px window: validation cubes over {_msssim_need()} px; computed only "
        f"then); a --resume must give the run's {_default('keep_best_by')}",
    )
    p.add_argument(
        "--threads",
        type=threads_int,
        default=None,
        help="torch CPU threads (CPU results depend on the count; 1 is fastest on a busy, shared "
        "machine)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _default(key: str) -> str:
    """--help's "(default: ...)" of a setting, read from DEFAULTS (common.config_default_help)."""
    from .common import config_default_help

    return config_default_help(DEFAULTS[key])


def _msssim_need() -> int:
    """The side (px) an image must exceed for MS-SSIM's 5 scales with the loss term's window."""
    from .metrics import msssim_min_side

    return msssim_min_side(LOSS_MSSSIM_WIN)


@dataclass(frozen=True)
class SettingSources:
    """Where the run's settings came from (the defaults, the --config file, a flag), recorded once
    by resolve_config for every refusal that names a setting: the crop's two refusals (off the
    patch grid, larger than a training cube) named it in two wordings from two records of the
    config's keys, "crop 50 (of config C)" and "crop 48 (of C; set --crop)"."""

    config: str | None = None  # the --config file
    given: frozenset = frozenset()  # the settings it gives ("model.patch" for the model's)
    flagged: frozenset = frozenset()  # the settings a flag gave

    def said(self, key: str, cfg: dict) -> str:
        """The setting `key` ("crop", "model.patch") as a refusal names it, with where its value
        in `cfg` came from and the flag that changes it: '--crop 48', 'crop 50 (of --config C; set
        --crop)', 'model.patch 16 (of the default settings; set --patch)'."""
        name = key.removeprefix("model.")
        value = cfg["model"][name] if key.startswith("model.") else cfg[key]
        flag = "--" + name.replace("_", "-")
        if key in self.flagged:
            return f"{flag} {value}"
        of = f"--config {self.config}" if key in self.given else "the default settings"
        has_flag = key in FLAG_SETTINGS or key == "model.patch"
        return f"{key} {value} (of {of}" + (f"; set {flag})" if has_flag else ")")


#: The settings a flag of the same name sets (args.<key>, --<key with dashes>); besides these,
#: --patch sets model.patch and --epochs the epochs.
FLAG_SETTINGS = (
    "steps",
    "batch",
    "crop",
    "lr",
    "seed",
    "checkpoint_every",
    "target",
    "baseline_steps",
    "time_budget",
    "msssim_weight",
    "keep_best_by",
    "init",
)


def resolve_config(args, user=None) -> tuple[dict, SettingSources]:
    """The run's settings: the defaults, then --config's, then the flags'; and where each came
    from (SettingSources, for the refusals that name a setting). user: the --config file's JSON
    when the caller has read it already (None: read here). `args` may lack any option (a
    Namespace built by a script, or by another command's parser): a missing one counts as not
    given, so the config's or the default value holds; it raised AttributeError naming only the
    attribute."""
    from ..models.uvit import DEFAULT_CONFIG as UVIT_DEFAULTS
    from .common import check_config, read_config

    cfg = json.loads(json.dumps(DEFAULTS))
    init = None
    given: set[str] = set()  # the settings the --config file gives ("model.patch" for the model's)
    config = getattr(args, "config", None)
    if config:
        path = Path(config)
        if user is None:
            user = read_config(path)
        if isinstance(user, dict):  # a run's config.json records the weights it fine-tuned
            init = user.pop("init", None)
            if init is not None and not isinstance(init, str):
                raise ValueError(f"--config {path}: init must be a weights file name, not {init!r}")
        user = check_config(user, cfg, UVIT_DEFAULTS, path, DERIVED_KEYS, config_ranges())
        given = {*user, *(f"model.{k}" for k in user.get("model", {}))}
        if init is not None:
            given.add("init")
        cfg["model"].update(user.pop("model", {}))
        cfg.update(user)
    # the flags given (a Namespace without one: not given)
    flags = {k: v for k in FLAG_SETTINGS if (v := getattr(args, k, None)) is not None}
    cfg.update(flags)
    patch_flag = getattr(args, "patch", None)
    if patch_flag is not None:
        cfg["model"]["patch"] = patch_flag
        flags["model.patch"] = patch_flag
    sources = SettingSources(config and str(config), frozenset(given), frozenset(flags))
    crop, patch = cfg["crop"], cfg["model"]["patch"]
    if crop % patch:
        fits = " or ".join(
            f"--crop {c}" for c in (crop // patch * patch, crop // patch * patch + patch) if c
        )
        raise ValueError(
            f"{sources.said('crop', cfg)} must be a multiple of the patch size, "
            f"{sources.said('model.patch', cfg)}: give {fits}"
        )
    for key, allowed in (("target", TARGETS), ("keep_best_by", KEEP_BEST_BY)):
        if cfg[key] not in allowed:  # the flag's choices check it; a config's here
            raise ValueError(
                f"--config {config}: {key} must be one of {', '.join(allowed)}, not {cfg[key]!r}"
            )
    if cfg["keep_best_by"] == "msssim" and not cfg["keep_best"]:  # only a --config sets it false
        raise ValueError(
            f"--config {config}: keep_best is false, but keep_best_by msssim chooses among "
            "validations only with keep_best true (keep_best false writes the last step's "
            "weights): set keep_best true there, or leave keep_best_by at loss"
        )
    from .metrics import MSSSIM_SCALES

    need = _msssim_need()
    if cfg["msssim_weight"] > 0 and cfg["crop"] <= need:
        # the loop adds the term only where its 5 scales fit: a smaller crop trained without it
        # both named as the crop's refusals name them (SettingSources.said): the weight could
        # come from a config and the crop from the defaults, which the message did not say
        raise ValueError(
            f"{sources.said('msssim_weight', cfg)} needs crops over {need} px (MS-SSIM's "
            f"{MSSSIM_SCALES} scales with a {LOSS_MSSSIM_WIN} px window): "
            f"{sources.said('crop', cfg)} is too small; give --crop {need + patch - need % patch} "
            "or more, or --msssim-weight 0"
        )
    epochs = getattr(args, "epochs", None)
    if epochs is not None:
        cfg["epochs"] = epochs
    elif getattr(args, "steps", None) is not None:
        cfg["epochs"] = None  # --steps overrides the file's epochs (a run's config.json has both)
    if "init" not in flags:  # --init overrides the config's
        cfg["init"] = init
    return cfg, sources


#: Keys of a weights config that a training run writes, not the architecture (--init ignores them).
RUN_KEYS = {
    "arch", "img_size", "tile", "in_chans", "latent_mean", "latent_std", "target",
    "trained_steps", "stored_dtype", "command", "decode_temperature", "init", "embedder_sha256",
    "resumed_by", "training", "kept_by",
}  # fmt: skip


def input_width(latent_dim: int, model: dict) -> int:
    """The SmallUViT's input channels: the DVE latent, then the line features and colour prior,
    whose width is the one with_colour_prior appends (models.input_layout, as uvit's config
    check and recolour's check_input_width count it): a hard-coded 4 would refuse --init weights
    made for the inputs training really builds, or check a model other than the one it trains."""
    from ..models.input_layout import extra_channels

    return latent_dim + extra_channels(model)


def load_init(cfg: dict, n_in: int, settings: SettingSources):
    """(state_dict, init config) of the run's --init weights, after checking that they are a
    SmallUViT of the config's architecture and target, made for `n_in` input channels and the
    run's crop (its position embedding has one entry per patch of it), before any cube is
    embedded: fine-tuning keeps the network's input normalisation, so the data must feed it the
    same features. The config comes with DEFAULT_CONFIG's values filled in: weights older than a
    key (the shipped ones record no in_chans) were made with its default. settings: where the
    weights came from (--init, or a config's "init", which was called "--init X" too)."""
    from ..models.uvit import DEFAULT_CONFIG
    from .common import check_model_file

    path, model, target = cfg["init"], cfg["model"], cfg["target"]
    said = settings.said("init", cfg)
    state, icfg = check_model_file(path, "SmallUViT", "--init", said)
    icfg = {**DEFAULT_CONFIG, **icfg}
    if model.get("colour_bins"):
        raise ValueError(
            f"{said}: a colour-bin model cannot be fine-tuned (its bins are fitted on the "
            "training targets); train it from scratch"
        )
    want = {k: v for k, v in {**DEFAULT_CONFIG, **model}.items() if k not in RUN_KEYS}
    have = {k: v for k, v in icfg.items() if k not in RUN_KEYS}
    differ = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
    if differ:
        details = ", ".join(f"{k}: config {want.get(k)!r}, weights {have.get(k)!r}" for k in differ)
        raise ValueError(f"{said}: the config's model differs from the weights ({details})")
    if icfg.get("target", "palette") != target:
        raise ValueError(
            f"{said}: trained for target {icfg.get('target')!r}; this run has {target!r}"
        )
    if icfg["in_chans"] != n_in:
        raise ValueError(
            f"{said}: made for {icfg['in_chans']} input channels; this run's inputs "
            f"(the embedder's latent and the config's line features) have {n_in}"
        )
    if icfg["img_size"] != cfg["crop"]:
        raise ValueError(
            f"{said}: trained on {icfg['img_size']} px crops (its position embedding); "
            f"this run's crop is {cfg['crop']}: fine-tune with --crop {icfg['img_size']}"
        )
    return state, icfg  # load_state_dict casts the float16 on disk to the model's float32


def check_model(cfg: dict, settings: SettingSources | None = None) -> None:
    """Build the config's SmallUViT on the meta device (no memory, no random numbers drawn) before
    the embedding pass: an invalid model (an even depth, dim not a multiple of heads, an unknown
    spt_shift) was reported only once every cube had been embedded, minutes into a real run. The
    input width is the shipped DVE's latent plus the configured features; the real one follows
    from the embedding. settings: where each setting came from (resolve_config's): the refusal
    names the model settings its reason names as the crop's refusals do (SettingSources.said),
    "model.heads 9 (of the default settings)" beside "model.dim 20 (of --config C)"; it named the
    config file for every setting, defaults and --patch included."""
    import torch

    from ..models.uvit import build_from_config

    model = cfg["model"]
    n_in = input_width(3, model)
    probe = {
        **model,
        "arch": "SmallUViT",
        "img_size": cfg["crop"],
        "tile": cfg["crop"],
        "in_chans": n_in,
        "latent_mean": [0.0] * n_in,
        "latent_std": [1.0] * n_in,
    }
    try:
        with torch.device("meta"):
            build_from_config(probe)
    except (ValueError, TypeError, KeyError, RuntimeError, ZeroDivisionError) as exc:
        raise ValueError(
            f"the model cannot be built: {exc}" + _model_settings_said(str(exc), cfg, settings)
        ) from None


def _model_settings_said(reason: str, cfg: dict, settings: SettingSources | None) -> str:
    """'; from model.dim 20 (of --config C), model.heads 9 (of the default settings)': the model
    settings a build refusal's reason names, in its order, with where each came from; those the
    config or a flag gave where it names none ("" without settings)."""
    if settings is None:
        return ""
    model = cfg["model"]
    named = {k: m.start() for k in model if (m := re.search(rf"\b{re.escape(k)}\b", reason))}
    keys = sorted(named, key=named.get) or [
        k for k in model if f"model.{k}" in settings.given | settings.flagged
    ]
    said = [settings.said(f"model.{k}", cfg) for k in keys]
    return f"; from {', '.join(said)}" if said else ""


# -- data --------------------------------------------------------------------------------------
def _cache_key(files, embedder, line_elements=()) -> dict:
    return {
        "embedder_sha256": embedder.sha256,  # hashed as it was loaded (load_embedder)
        **({"line_elements": list(line_elements)} if line_elements else {}),
        "files": [[p.name, p.stat().st_size, int(p.stat().st_mtime)] for p in files],
    }


def _embedder(weights, device):
    """The DVE on the training device, as embed_dataset loads it (load_embedder's cache is keyed
    on the device: loaded on "cpu" here, it was read and hashed again for a GPU run)."""
    from ..analysis.embed import load_embedder

    return load_embedder(weights, str(device))


def _file_sha(path):
    from ..models.weights import sha256_of

    return sha256_of(path) if path is not None and Path(path).is_file() else None


def _read_training_cube(path):
    """(counts (H, W, C), calibration dict, palette, rgb) of one synthetic cube
    (runs in a worker)."""
    from ..io.hdf5 import open_hdf5
    from ..io.project_h5 import check_project_file, read_project_cube, targets_of

    path = Path(path)
    try:
        with open_hdf5(path) as f:
            check_project_file(f, path)
            cube = read_project_cube(f, path)
            if "targets/palette" not in f or "targets/rgb" not in f:
                raise ValueError(
                    f"{path} has no /targets/palette or /targets/rgb (colour targets are needed)"
                )
            counts = cube.data[()]
            targets = targets_of(f, path, ("palette", "rgb"))  # an external raw file's too
            palette = targets["palette"].astype(np.uint8)
            rgb = targets["rgb"].astype(np.uint8)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    if palette.shape[:2] != counts.shape[:2] or rgb.shape[:2] != counts.shape[:2]:
        raise ValueError(f"{path}: targets {palette.shape} do not match counts {counts.shape}")
    return counts, cube.calibration.to_dict(), palette, rgb


def _read_ahead(files, workers: int):
    """Yield _read_training_cube(f) in order; gzip decoding runs in `workers` processes, a few
    ahead."""
    from collections import deque

    if workers <= 1 or len(files) < 2:
        for f in files:
            yield _read_training_cube(f)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn: the parent may hold a CUDA context, which forked children must not inherit.
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        pending = deque()
        it = iter(files)
        for f in it:
            pending.append(pool.submit(_read_training_cube, f))
            if len(pending) >= 2 * workers:
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(_read_training_cube, nxt))
            yield result


def embed_dataset(
    data_dir,
    embedder_weights,
    device,
    cache_path,
    chunk: int = 65536,
    progress: bool = True,
    workers: int | None = None,
    dist=None,
    line_elements=(),
    desc: str = "embedding cubes",
    files=None,
):
    """(inputs, palettes, rgbs, names): lists of (H, W, C) arrays (float32, uint8, uint8).

    Embeds each cube through analysis.embed.iter_embed (as at inference; C = 3, or 3 + the number
    of line_elements whose features follow the latent); cached in cache_path. Each cube's
    latents are also written as it is embedded, into the folder beside the cache
    (`parts_folder`), so that a pass stopped part-way embeds only the rest when rerun (it kept
    nothing before); the folder goes once the cache is written.
    Compressed cubes are decoded in `workers` processes (default: up to 8) while the DVE runs.
    Under torchrun (dist) each rank reads and embeds only its share of the files (every N-th), then
    the ranks exchange the latents, which are ~85x smaller than the counts; rank 0 writes the
    cache. desc: the progress bar's label (every cube of the folder is embedded, the validation
    paintings' too: _build says how many of each). files: data_dir's cubes where the caller has
    listed them (list_cubes; None: listed here), as _build has: the folder was listed twice."""
    import os

    from tqdm import tqdm

    from ..analysis.embed import iter_embed, load_embedder
    from ..cube import cube_from_array
    from ..energy import Calibration
    from ..fileutil import remove_stale_temporaries
    from ..progress import run_to_end
    from .data import list_cubes
    from .distributed import DistInfo, all_max, barrier, gather_shards

    dist = dist or DistInfo()
    files = list_cubes(data_dir) if files is None else list(files)
    n = len(files)
    names = [p.stem for p in files]
    embedder = load_embedder(embedder_weights, device)
    key = _cache_key(files, embedder, line_elements)
    features = None
    if line_elements:
        from ..analysis.line_features import line_features

        features = line_features(tuple(line_elements))
    cache_path = Path(cache_path)
    cached = _read_cache(cache_path, key, n, names, dist.is_main)
    parts = parts_folder(cache_path)
    if all_max(cached is None, dist) == 0:  # every rank must take the same path, or they deadlock
        if dist.is_main:  # a run killed between the cache's write and the parts' removal
            _remove_parts(parts)
        return cached
    remove_stale_temporaries(parts)  # a part a killed run was writing
    mine = range(dist.rank, n, dist.world_size)
    done = {i: part for i in mine if (part := _read_part(parts, names[i], key, i)) is not None}
    todo = [i for i in mine if i not in done]
    if workers is None:  # worker start-up only pays off for real datasets
        big = sum(files[i].stat().st_size for i in todo) > 256 * 2**20
        workers = min(8, os.cpu_count() or 1, len(todo)) if big else 1
    reader = _read_ahead([files[i] for i in todo], workers)
    # the bar first: zip stops at the first iterator exhausted, and with the indices first the
    # bar never saw the reader's end, so it stayed at n - 1 of n cubes
    try:
        for (counts, cal, palette, rgb), i in zip(
            tqdm(
                reader,
                total=len(mine),
                initial=len(done),
                desc=desc,
                unit="cube",
                disable=not progress,
                dynamic_ncols=True,
            ),
            todo,
        ):
            cube = cube_from_array(counts, Calibration.from_dict(cal))
            lat = run_to_end(
                iter_embed(
                    cube,
                    weights=embedder_weights,
                    device=device,
                    chunk_pixels=chunk,
                    features=features,
                )
            )
            done[i] = (lat, palette, rgb)
            _write_part(parts, names[i], key, i, done[i])
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM (the CLI's Terminated)
        if dist.is_main:
            _say_embedding_stopped(parts, names, key, dist.enabled)
        raise
    done = gather_shards(done, dist)
    latents, palettes, rgbs = ([done[i][j] for i in range(n)] for j in range(3))
    if dist.is_main:
        arrays = {}
        for i, cube in enumerate(zip(latents, palettes, rgbs)):
            arrays.update({f"{what}_{i}": a for what, a in zip(CUBE_ARRAYS, cube)})
        _save_keyed(cache_path, key, arrays)
    barrier(dist)  # every rank's parts written and read before they go
    if dist.is_main:
        _remove_parts(parts)
    return latents, palettes, rgbs, names


def parts_folder(cache_path) -> Path:
    """Where embed_dataset writes each cube's latents as it goes (beside the cache)."""
    cache_path = Path(cache_path)
    return cache_path.with_name(f"{cache_path.stem}_parts")


def _remove_parts(parts: Path) -> None:
    """The parts folder gone once the cache holds its cubes: its part files (and a killed
    writer's temporaries) only, then the folder if that left it empty. A run killed between the
    cache's write and this left it for good: every later run returned at the valid cache."""
    from ..fileutil import remove_stale_temporaries

    if not parts.is_dir():
        return
    remove_stale_temporaries(parts)
    for part in parts.glob("*.npz"):
        part.unlink(missing_ok=True)
    try:
        parts.rmdir()
    except OSError:  # something not ours is in it: left alone
        pass


def _part_key(key: dict, i: int) -> dict:
    """The cache key of cube i alone: the embedder, the line elements and that cube's file."""
    return {**{k: v for k, v in key.items() if k != "files"}, "file": key["files"][i]}


def _write_part(parts: Path, name: str, key: dict, i: int, arrays) -> None:
    """Cube i's (latent, palette, rgb), written atomically: a part that exists is whole."""
    _save_keyed(parts / f"{name}.npz", _part_key(key, i), dict(zip(CUBE_ARRAYS, arrays)))


def _read_part(parts: Path, name: str, key: dict, i: int):
    """Cube i's (latent, palette, rgb) from an earlier, stopped pass, or None (embedded again)
    when it is missing, damaged, of another embedder or file, or not three images of its size."""
    got = _load_keyed(parts / f"{name}.npz", _part_key(key, i), CUBE_ARRAYS)
    if got is None:
        return None
    lat, palette, rgb = got
    whole = lat.ndim == palette.ndim == rgb.ndim == 3 and lat.dtype == np.float32
    same = lat.shape[:2] == palette.shape[:2] == rgb.shape[:2]
    return got if whole and same and palette.dtype == rgb.dtype == np.uint8 else None


def _say_embedding_stopped(parts: Path, names, key: dict, ranks: bool = False) -> None:
    """A stop during the embedding pass said "interrupted" alone: what stays, and that the
    same command embeds the rest (with --resume only where it was given: before a run's first
    checkpoint, --resume has nothing to continue and is refused). Only the parts a rerun uses
    are counted (every rank's; their keys alone, as _load_keyed reads them: reading each cube's
    latents would slow the stop): every .npz was, another embedder's or a removed cube's too.
    ranks (under torchrun): the other ranks may still be writing a part as rank 0 counts, and
    waiting for them could hang on a rank that died, so the count is "at least" (nothing but
    this message uses it: a rerun reads the parts themselves)."""
    from ..fileutil import printable
    from .common import command_line

    n = len(names)
    kept = sum(
        _load_keyed(parts / f"{name}.npz", _part_key(key, i), ()) is not None
        for i, name in enumerate(names)
    )
    print(
        f"{command_name('xrf-napari-train')}: stopped while embedding cubes: the latents of "
        f"{'at least ' if ranks else ''}{kept} of {n} cubes "
        f"stay in {printable(parts)}; the same command embeds the rest: {command_line()}",
        file=sys.stderr,
        flush=True,
    )


def _read_cache(cache_path: Path, key: dict, n: int, names, show: bool):
    """The cached (latents, palettes, rgbs, names) when `cache_path` holds them for `key`, else
    None. A damaged cache (cut short by a full disk or a copy of the run folder, or not a cache)
    is embedded again with a note: it ended the run in a BadZipFile or EOFError traceback, or
    as "This file contains pickled (object) data", naming no file."""

    def note(exc) -> None:
        from ..fileutil import printable

        why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        print_note(
            f"{printable(cache_path)} is damaged or not a latent cache "
            f"({printable(why)}): the cubes are embedded again and the cache rewritten",
        )

    fields = [f"{what}_{i}" for what in CUBE_ARRAYS for i in range(n)]
    got = _load_keyed(cache_path, key, fields, note if show else None)
    if got is None:
        return None
    return got[:n], got[n : 2 * n], got[2 * n :], names


def _save_keyed(path: Path, key: dict, arrays: dict) -> None:
    """`arrays` and their `key` (as JSON) written atomically into the .npz `path`: the latent
    cache, or one cube's part of it (_load_keyed reads either)."""
    from ..fileutil import atomic_path

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, key=np.array(json.dumps(key)), **arrays)


def _load_keyed(path: Path, key: dict, fields, damaged=None) -> list | None:
    """The arrays `fields` of `path` (_save_keyed) when it holds them for `key`, else None: when
    it is missing, of another key, or damaged (cut short, or not such a file), `damaged` being
    told why (the exception)."""
    import zipfile

    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if json.loads(str(z["key"])) != key:
                return None
            return [z[f] for f in fields]
    except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        if damaged is not None:
            damaged(exc)
        return None


def hwc_to_chw(a, dtype=None):
    """(H, W, C) array -> contiguous (C, H, W) CPU tensor (torch's image layout)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, dtype).transpose(2, 0, 1)))


def check_crop(sizes, crop: int, files=None, patch: int | None = None, what=None) -> None:
    """Every training image's (H, W) must hold a crop (None: size unknown, not checked). With
    `files` (one per size) the error names the cube and the --crop that fits: it said "training
    images must be at least crop=128 px per side; got (33, 33)", naming neither the option (the
    default config's crop is 128) nor the file. `what`: where the crop came from."""
    small = [(i, tuple(hw)) for i, hw in enumerate(sizes) if hw is not None and min(hw) < crop]
    if not small:
        return
    i, hw = small[0]
    if files is None:
        raise ValueError(f"training images must be at least crop={crop} px per side; got {hw}")
    side = min(min(hw) for _, hw in small)  # the smallest cube's short side
    fits = side // patch * patch if patch else side
    way = (
        f"give --crop {fits} or less (a multiple of the patch size {patch}), or larger cubes"
        if fits
        else f"its cubes are smaller than one patch ({patch} px): generate larger cubes"
    )
    raise ValueError(
        f"{what or f'--crop {crop}'} is larger than the training cube {files[i]} "
        f"({pixels_text(hw)}; {len(small)} of {len(sizes)} cubes are): {way}"
    )


def _keeps_by_msssim(cfg: dict) -> bool:
    """Whether keep_best chooses by MS-SSIM (keep_best_by "msssim"): then every validation
    computes it (_run_validation) and the validation cubes must allow its 5 scales (_build's
    check_msssim_sizes)."""
    return cfg["keep_best"] and cfg["keep_best_by"] == "msssim"


def check_msssim_sizes(sizes, files, what: str | None = None) -> None:
    """keep_best_by "msssim" scores every validation image over MS-SSIM's 5 scales (the loss
    term's window), which need images over 96 px a side: refused before the embedding pass, naming
    the smallest validation cube, rather than at the first validation minutes into the run.
    sizes: (H, W) per file (None: unknown, not checked here; _build checks the embedded targets
    again, as CropSampler the crop). what: keep_best_by as SettingSources.said names it, with
    where it came from ("--keep-best-by msssim", "keep_best_by msssim (of --config C; ...)")."""
    need = _msssim_need()
    small = [(min(hw), f, hw) for hw, f in zip(sizes, files) if hw is not None and min(hw) <= need]
    if not small:
        return
    _, path, hw = min(small, key=lambda t: t[0])
    raise ValueError(
        f"{what or 'keep_best_by msssim'} needs validation cubes over {need} px a side "
        f"(MS-SSIM's 5 scales with a {LOSS_MSSSIM_WIN} px window), but {len(small)} of the "
        f"{len(files)} validation cubes are smaller, e.g. {path} ({pixels_text(hw)}): train "
        "on larger cubes (generate --size 128), or give --keep-best-by loss"
    )


class CropSampler:
    """Random crops of (latent, target) images kept on the training device, with dihedral
    augmentation. files, patch, what: as check_crop's, so that a crop larger than an image is
    refused naming its cube (the check before embedding cannot see a cube whose header gives no
    size while its latents come from the cache)."""

    def __init__(
        self, latents, targets, crop: int, device, seed: int, files=None, patch=None, what=None
    ):
        import torch

        self.crop = crop
        self.device = device
        self.seed = seed
        check_crop([lat.shape[:2] for lat in latents], crop, files, patch, what)

        self.x = [hwc_to_chw(lat).to(device, torch.float32) for lat in latents]
        self.y = [hwc_to_chw(t).to(device, torch.uint8) for t in targets]
        shapes = {t.shape for t in self.x}
        self.stacked = len(shapes) == 1
        if self.stacked:
            self.xs, self.ys = torch.stack(self.x), torch.stack(self.y)
            self.ar = torch.arange(crop, device=device)
        self.gen = torch.Generator(device="cpu").manual_seed(seed)
        # Crop positions are drawn on the device: a host->device copy of pageable memory would
        # synchronise with the GPU queue every step.
        self.dgen = torch.Generator(device=device).manual_seed(seed + 1)

    def get_state(self) -> dict:
        return {"cpu": self.gen.get_state(), "device": self.dgen.get_state()}

    def set_state(self, state, step: int = 0) -> bool:
        """Restore both streams; False when the device stream was another kind of device's and
        a new one started from the seed and `step` (common.restore_generator)."""
        from .common import restore_generator

        self.gen.set_state(state["cpu"])
        return restore_generator(self.dgen, state["device"], self.seed + 1, step)

    def sample(self, batch: int, part: tuple[int, int] = (0, 1)):
        """A random batch of crops. part=(rank, world_size): the whole batch's randomness is drawn
        (so every rank's generators stay in step with a single process), but only that rank's
        contiguous share of the batch is gathered."""
        import torch

        n = len(self.x)
        rank, world = part
        if batch % world:
            raise ValueError(f"batch {batch} is not divisible by the {world} ranks")
        lo, hi = rank * batch // world, (rank + 1) * batch // world
        if self.stacked:
            h, w = self.xs.shape[-2:]
            g, dev = self.dgen, self.device
            idx = torch.randint(0, n, (batch,), generator=g, device=dev)
            oy = torch.randint(0, h - self.crop + 1, (batch,), generator=g, device=dev)
            ox = torch.randint(0, w - self.crop + 1, (batch,), generator=g, device=dev)
            idx, oy, ox = idx[lo:hi], oy[lo:hi], ox[lo:hi]
            iy = (oy[:, None] + self.ar)[:, :, None]  # (B, c, 1)
            ix = (ox[:, None] + self.ar)[:, None, :]  # (B, 1, c)
            b = idx[:, None, None]
            x = self.xs.permute(0, 2, 3, 1)[b, iy, ix].permute(0, 3, 1, 2)
            y = self.ys.permute(0, 2, 3, 1)[b, iy, ix].permute(0, 3, 1, 2)
        else:
            xs, ys = [], []
            for j, i in enumerate(torch.randint(0, n, (batch,), generator=self.gen).tolist()):
                h, w = self.x[i].shape[-2:]
                oy = int(torch.randint(0, h - self.crop + 1, (1,), generator=self.gen))
                ox = int(torch.randint(0, w - self.crop + 1, (1,), generator=self.gen))
                if lo <= j < hi:
                    xs.append(self.x[i][:, oy : oy + self.crop, ox : ox + self.crop])
                    ys.append(self.y[i][:, oy : oy + self.crop, ox : ox + self.crop])
            x, y = torch.stack(xs), torch.stack(ys)
        k = int(torch.randint(0, 8, (1,), generator=self.gen))
        if k & 4:
            x, y = x.flip(-1), y.flip(-1)
        if k & 3:
            x, y = torch.rot90(x, k & 3, (-2, -1)), torch.rot90(y, k & 3, (-2, -1))
        return x.contiguous(), y.float().div_(255.0).contiguous()


def lr_at(progress: float, cfg: dict, total_steps: int) -> float:
    warm = cfg["warmup"] / max(total_steps, 1)
    if progress < warm:
        return cfg["lr"] * max(progress / warm, 1e-3)
    t = min(1.0, (progress - warm) / max(1.0 - warm, 1e-9))
    return cfg["min_lr"] + 0.5 * (cfg["lr"] - cfg["min_lr"]) * (1.0 + math.cos(math.pi * t))


# -- run ---------------------------------------------------------------------------------------
#: The keep-best candidate before any validation (a validation's: candidate).
NO_BEST = {"val": math.inf, "step": None, "state": None}


def candidate(step: int, val: float, msssim: float | None, by: str, state) -> dict:
    """The keep-best candidate of a validation at `step`, as NO_BEST's keys plus "by" (the
    criterion that chose it, which the weights and metrics.json record as kept_by) and "msssim"
    when computed (what beats compares under "msssim", checkpointed for --resume). state: a CPU
    copy of the weights, or None for the model's current weights (_finalise's last step)."""
    best = {"val": val, "step": step, "state": state, "by": by}
    if msssim is not None:
        best["msssim"] = msssim
    return best


def beats(best: dict, val: float, msssim: float | None, by: str) -> bool:
    """Whether a validation (colour loss `val`, MS-SSIM `msssim`) beats the keep-best candidate
    under criterion `by`: the lowest loss, or the highest MS-SSIM. By the loss alone a run trained
    with msssim_weight 1.0 kept its step 0 (validation loss 0.03724 there, 0.03733 at the end)
    while its held-out MS-SSIM rose."""
    if by == "msssim":
        return msssim is not None and msssim > best.get("msssim", -math.inf)
    return val < best["val"]


@dataclass
class LoopState:
    """What the training loop carries from step to step, hence what a checkpoint must hold (beside
    the model and optimiser) for --resume to continue on the same trajectory: the step, the loop
    seconds so far, the loss curves, the keep-best candidate and both random streams (the crop
    sampler's and torch's, read and restored at checkpoint time)."""

    step: int = 0
    elapsed_before: float = 0.0  # loop seconds of earlier, interrupted processes
    curves: dict = field(default_factory=lambda: {"train": [], "val": []})
    best: dict = field(default_factory=lambda: dict(NO_BEST))
    start_step: int = 0  # where this process's loop started (seconds per step)
    t_start: float | None = None  # wall clock at this process's loop start
    # the training loss summed over the steps since the last log, and their count: checkpointed,
    # so that a resumed run logs the same means as an uninterrupted one (audit 26, finding 10)
    running: object = None  # a 0-d tensor on the training device (None: zero)
    n_running: int = 0
    # False when the checkpoint's device stream was another kind of device's (CropSampler.set_state)
    stream_restored: bool = True

    def start(self) -> None:
        self.start_step, self.t_start = self.step, time.time()

    def elapsed(self) -> float:
        """Loop seconds over all processes of the run (the time budget's clock)."""
        running = 0.0 if self.t_start is None else time.time() - self.t_start
        return self.elapsed_before + running

    def record_val(
        self, val: float, core, keep: bool, msssim: float | None = None, by: str = "loss"
    ) -> None:
        """Append a validation loss (and MS-SSIM, when computed); with keep, hold a CPU copy of
        the weights when they are the best so far by `by` (keep_best_by)."""
        self.log_val(val, msssim)
        if keep and beats(self.best, val, msssim, by):
            state = {k: v.detach().to("cpu", copy=True) for k, v in core.state_dict().items()}
            self.best = candidate(self.step, val, msssim, by, state)

    def log_val(self, val: float, msssim: float | None = None) -> None:
        """Append this step's validation loss, and its MS-SSIM when computed, to the curves
        (metrics.json's val_curve and val_msssim_curve)."""
        self.curves["val"].append((self.step, val))
        if msssim is not None:
            self.curves.setdefault("val_msssim", []).append((self.step, msssim))

    def to_checkpoint(self, sampler) -> dict:
        import torch

        return {
            "step": self.step,
            "elapsed": self.elapsed(),
            "curves": {k: [list(v) for v in c] for k, c in self.curves.items()},
            "sampler_rng": sampler.get_state(),
            "torch_rng": torch.get_rng_state(),
            "best": self.best,
            "running": (
                torch.zeros(())
                if self.running is None
                else self.running.detach().to("cpu", copy=True)
            ),
            "n_running": self.n_running,
        }

    @classmethod
    def from_checkpoint(cls, state: dict, sampler) -> LoopState:
        """The loop state of a checkpoint; restores the sampler's and torch's random streams."""
        import torch

        restored = sampler.set_state(state["sampler_rng"], int(state["step"]))
        torch.set_rng_state(state["torch_rng"])
        loop = cls(
            stream_restored=restored,
            step=int(state["step"]),
            elapsed_before=float(state.get("elapsed", 0.0)),
            curves={k: [tuple(v) for v in vals] for k, vals in state["curves"].items()},
        )
        if "best" in state:  # older checkpoints kept no candidate
            loop.best = state["best"]
        if "running" in state:  # older checkpoints: the mean restarted at the resume
            loop.running, loop.n_running = state["running"], int(state.get("n_running", 0))
        return loop


@dataclass
class _Run:
    """What _build prepares for the loop and _finalise."""

    cfg: dict
    public: dict  # config.json, also stored in every checkpoint
    model_cfg: dict
    out: Path
    dist: object
    device: object
    core: object  # the bare model; the DDP wrapper lives only inside _loop
    opt: object
    sampler: CropSampler
    latents: list
    targets: list
    train_idx: list
    val_idx: list
    mean: np.ndarray
    std: np.ndarray
    embed_s: float
    show: bool
    colour_loss: object = None  # ColourClassLoss when the model scores colour bins
    embedder_sha256: str | None = None  # whose latents the model learns
    saved_step: int | None = None  # the step of OUT/checkpoint.pt (None: not written yet)
    checkpoint_id: str | None = None  # its identity, which metrics.json records (rank 0)
    resume_state: dict | None = None  # --resume: the checkpoint, read and checked by _build

    @property
    def steps(self) -> int:
        return self.public["resolved_steps"]

    def checkpoint(self, loop: LoopState, finished: bool = False) -> None:
        """Write OUT/checkpoint.pt, never over a good one with NaN weights (a last guard: the loop
        stops when the loss is not finite; under DDP another rank's NaN reaches the weights);
        finished: the run's last one (a rerun without --resume may then start over, once the
        results are written after it: common.unwritten_results)."""
        from .common import diverged, nonfinite_tensors, save_checkpoint

        if nonfinite_tensors(self.core.state_dict()):
            raise diverged(loop.step, self.out / CHECKPOINT_NAME, self.saved_step)
        if self.dist.is_main:
            self.checkpoint_id = save_checkpoint(
                self.out / CHECKPOINT_NAME,
                model=self.core.state_dict(),
                optimizer=self.opt.state_dict(),
                **loop.to_checkpoint(self.sampler),
                config=self.public,
                finished=finished,
            )
        self.saved_step = loop.step


def run(args) -> int:
    from ..fileutil import check_not_a_file_name
    from ..io.registry import SUPPORTED_SUFFIXES
    from .common import removed_if_failed
    from .distributed import closed_if_started

    # `--out uvit.safetensors` made that folder
    check_not_a_file_name(args.out, "recolouriser", scans=SUPPORTED_SUFFIXES)
    with removed_if_failed(args.out), closed_if_started():
        return _run(args)


def _run(args) -> int:
    from .common import said_if_stopped_finishing

    r = _build(args)
    loop = _resume(r) if args.resume else LoopState()
    if r.cfg["init"] and not args.resume and r.val_idx and r.dist.is_main:
        # the starting weights compete for keep_best: fine-tuning must not make them worse unseen
        val, msssim = _run_validation(r)
        loop.record_val(val, r.core, r.cfg["keep_best"], msssim, r.cfg["keep_best_by"])
    train_s = _loop(r, loop)
    with said_if_stopped_finishing(r.out / CHECKPOINT_NAME, lambda: r.saved_step, r.dist.is_main):
        return _finalise(r, loop, train_s)


def _start(args):
    """(cfg, out, device, dist, loaded, settings, files): the output folder checked, the config
    resolved, device and ranks chosen; loaded: OUT's checkpoint as the refusal of an unfinished run
    loaded it (None: not loaded, or no --resume), which --resume checks and goes on from without
    loading it again; settings: resolve_config's SettingSources (the config is read once: the
    crop's refusals name it); files: --data's cubes (list_cubes)."""
    import torch

    from ..device import pick_device
    from ..fileutil import check_output_folder
    from ..models.weights import BASELINE_FILE, require_weights_file, weights_option
    from .common import (
        TRAINER_RECORDS,
        TRAINER_WEIGHTS,
        read_config,
        refuse_unfinished_checkpoint,
    )
    from .data import list_cubes
    from .distributed import device_for, init_distributed

    user = read_config(args.config) if args.config else None
    cfg, settings = resolve_config(args, user)  # reads the config only; its "init" is an input too
    # the refusals before any output, those that read no file first: a missing --embedder was
    # refused after "device: cpu" had been printed and the output folder made
    check_model(cfg, settings)
    if args.embedder is not None:  # its tensors are read below, once the cheap checks pass
        with weights_option("--embedder", args.embedder):
            require_weights_file(args.embedder, "dve")
    check_output_folder(
        args.out,
        (
            CHECKPOINT_NAME,
            CACHE_NAME,
            *TRAINER_RECORDS,
            TRAINER_WEIGHTS["recolouriser"],
            BASELINE_FILE,
        ),
        inputs=[args.data, args.embedder, args.config, cfg["init"]],
        folder_inputs=[args.data],
        option="--out",
    )
    out = Path(args.out)
    loaded = refuse_unfinished_checkpoint(out / CHECKPOINT_NAME, args.resume, "recolouriser")
    # the inputs' cheap checks (no tensor read) before any folder, device or weights: a missing
    # --init or --data was refused after a custom --embedder had been loaded, and a missing
    # --init after "device: cpu" and the output folder made (then removed)
    if cfg["init"]:
        with weights_option("--init", cfg["init"], settings.said("init", cfg)):
            require_weights_file(cfg["init"], "SmallUViT")
    files = list_cubes(args.data, "--data")
    device = pick_device(args.device)
    dist = init_distributed(device.type)
    device = device_for(dist, device)
    if cfg["batch"] % dist.world_size:
        raise ValueError(f"batch {cfg['batch']} must divide by the {dist.world_size} ranks")
    if args.embedder is not None:  # reads the tensors: last. Loaded, not only checked: _build's
        # _embedder is then this cached model (check_model_file read the file for its model type
        # and threw the tensors away, and load_embedder read it all again)
        with weights_option("--embedder", args.embedder):
            _embedder(args.embedder, device)
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    out.mkdir(parents=True, exist_ok=True)
    if dist.is_main:
        print(
            f"device: {device}"
            + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
            + (f", {dist.world_size} ranks" if dist.enabled else ""),
            file=sys.stderr,
        )
    return cfg, out, device, dist, loaded, settings, files


def _build(args) -> _Run:
    """The embedded data and its painting split, model, optimiser and crop sampler; writes
    config.json."""
    from ..models.uvit import build_from_config
    from .common import (
        command_line,
        files_sha1,
        last_runtime,
        resume_entry,
        resumed_record,
        runtime_record,
        seed_everything,
        stream_continues,
        target_plane_shape,
        warn_runtime_change,
        write_json,
    )
    from .data import cube_source, painting_split, recorded_sources

    cfg, out, device, dist, loaded, settings, files = _start(args)
    seed_everything(cfg["seed"])
    show = not args.no_progress and dist.is_main

    init_state = init_info = None
    # the model and --embedder were checked in _start, before the embedding pass (minutes on a
    # real dataset) and before any output
    embedder = _embedder(args.embedder, device)
    if cfg["init"]:  # so are the --init weights, against the inputs the embedder will give
        n_in = input_width(embedder.model.latent_dim, cfg["model"])
        init_state, icfg = load_init(cfg, n_in, settings)
    data_sha1 = files_sha1(files)
    embedder_sha256 = embedder.sha256  # hashed as it was loaded: the one the latents came from
    resume_state = (
        _check_resume(out, cfg, data_sha1, embedder_sha256, loaded) if args.resume else None
    )
    sources = [cube_source(p) for p in files]
    train_idx, val_idx = painting_split(sources, cfg["val_fraction"], cfg["seed"])
    # the crop against the training cubes' sizes (as CropSampler) before the embedding pass: a
    # crop larger than the cubes was refused only once every cube had been embedded. Its source
    # is named: a --config without "crop" was named as the crop's (it was the default's)
    crop_of = settings.said("crop", cfg)
    train_files = [files[i] for i in train_idx]
    val_files = [files[i] for i in val_idx]
    check_crop(
        [target_plane_shape(p) for p in train_files],
        cfg["crop"],
        train_files,
        cfg["model"]["patch"],
        crop_of,
    )
    keep_by = settings.said("keep_best_by", cfg)  # named as crop_of, in both MS-SSIM checks
    if _keeps_by_msssim(cfg):
        check_msssim_sizes([target_plane_shape(p) for p in val_files], val_files, keep_by)
    t0 = time.time()
    latents, palettes, rgbs, names = embed_dataset(
        args.data,
        args.embedder,
        str(device),
        out / CACHE_NAME,
        chunk=cfg["embed_chunk"],
        progress=show,
        dist=dist,
        line_elements=tuple(cfg["model"].get("line_elements") or ()),
        # the bar counts every cube of --data: it was "embedding training cubes", 4 of 4 for a
        # set of 3 training and 1 validation cube
        desc=f"embedding cubes ({len(train_idx)} training, {len(val_idx)} validation"
        + ("; this rank's share)" if dist.enabled else ")"),
        files=files,
    )
    embed_s = time.time() - t0
    if cfg["model"].get("colour_prior"):  # derived from the cached line features, not cached
        from ..analysis.ambiguity import with_colour_prior

        latents = [with_colour_prior(x, cfg["model"]["line_elements"]) for x in latents]
    targets = palettes if cfg["target"] == "palette" else rgbs
    if _keeps_by_msssim(cfg):
        # again on the arrays: a cube whose header gave no target size above (its latents and
        # targets from the cache, the cube not read again) failed at the first validation with
        # ms_ssim's message, naming no file
        check_msssim_sizes([targets[i].shape[:2] for i in val_idx], val_files, keep_by)
    no_val = None if val_idx else _no_validation(sources, cfg["val_fraction"])
    if no_val and dist.is_main:  # keep_best then chose nothing without a word (audit_bench35)
        print_note(no_val)
    n_in = latents[0].shape[-1]
    if cfg["init"]:
        mean = np.asarray(icfg["latent_mean"], np.float32)
        std = np.asarray(icfg["latent_std"], np.float32)
        init_info = {
            "weights": str(cfg["init"]),
            "sha256": _file_sha(cfg["init"]),
            "trained_steps": icfg.get("trained_steps"),
        }
    else:
        stack = np.concatenate([latents[i].reshape(-1, n_in) for i in train_idx])
        mean, std = stack.mean(0), stack.std(0) + 1e-6
        del stack
    crop = cfg["crop"]
    pixels = sum(latents[i].shape[0] * latents[i].shape[1] for i in train_idx)
    if cfg.get("epochs"):
        cfg["steps"] = max(1, int(round(cfg["epochs"] * pixels / (crop * crop * cfg["batch"]))))
    model_cfg = {
        **cfg["model"],
        "arch": "SmallUViT",
        "img_size": crop,
        "tile": crop,
        "in_chans": n_in,
        "latent_mean": mean.tolist(),
        "latent_std": std.tolist(),
        "target": cfg["target"],
        **({"init": init_info} if init_info else {}),
    }
    # Seeded again right here: the initial weights depend on the seed alone, not on what drew from
    # torch's stream since (loading or building embedders, on one device or two; audit 26, 1).
    seed_everything(cfg["seed"])
    core = build_from_config(model_cfg)
    if init_state is not None:
        core.load_state_dict(init_state)
    core = core.to(device)
    colour_loss = None
    if model_cfg.get("colour_bins"):
        import torch

        from .colour_classes import ColourClassLoss, fit_colour_bins, rebalance_weights

        try:
            bins, prior = fit_colour_bins(
                [targets[i] for i in train_idx], model_cfg["colour_bins"], cfg["seed"]
            )
        except ValueError as exc:  # it named neither the config nor the data
            raise ValueError(
                f"--config {args.config}: model.colour_bins {model_cfg['colour_bins']}: {exc} "
                f"(the {len(train_idx)} training cubes of {args.data}): give fewer colour_bins, "
                "or train on cubes of more colours"
            ) from None
        core.bin_rgb.copy_(torch.from_numpy(bins))
        colour_loss = ColourClassLoss(bins, rebalance_weights(prior), device)
    opt = _optimizer(core, cfg, device)
    # checked again on the arrays (CropSampler): a cube whose header gave no size above (its
    # latents from the cache, the cube not read again) was refused naming neither it nor --crop
    sampler = CropSampler(
        [latents[i] for i in train_idx],
        [targets[i] for i in train_idx],
        crop,
        device,
        cfg["seed"],
        train_files,
        cfg["model"]["patch"],
        crop_of,
    )
    public = {
        **cfg,
        "resolved_steps": int(cfg["steps"]),
        "n_train": len(train_idx),
        "n_val": len(val_idx),
        "val_cubes": [names[i] for i in val_idx],
        "split": f"none: {no_val}" if no_val else "by source painting (no painting on both sides)",
        "model_config": model_cfg,
        "n_params": sum(p.numel() for p in core.parameters()),
        "device": str(device),
        "world_size": dist.world_size,
        "runtime": runtime_record(),  # CPU results depend on the thread count (audit 26, 9)
        "command": command_line(),
        "files_sha1": data_sha1,  # --resume refuses other data
        "embedder_sha256": embedder_sha256,  # or another embedder
        # the paintings trained on, kept in the weights: evaluate says whether a set is held out
        "sources": recorded_sources(sources[i] for i in train_idx),
    }
    if resume_state is not None:  # the interrupted run's command stays, resumes listed apart
        continued = stream_continues((resume_state.get("sampler_rng") or {}).get("device"), device)
        entry = resume_entry(resume_state["step"], device, continued)
        public.update(resumed_record(resume_state.get("config") or {}, public["command"], entry))
        if dist.is_main:
            warn_runtime_change(
                out / CHECKPOINT_NAME,
                last_runtime(resume_state.get("config") or {}),
                runtime_record(),
            )
    if dist.is_main:
        write_json(out / "config.json", public)
    return _Run(
        cfg=cfg,
        public=public,
        model_cfg=model_cfg,
        out=out,
        dist=dist,
        device=device,
        core=core,
        opt=opt,
        sampler=sampler,
        latents=latents,
        targets=targets,
        train_idx=train_idx,
        val_idx=val_idx,
        mean=mean,
        std=std,
        embed_s=embed_s,
        show=show,
        colour_loss=colour_loss,
        embedder_sha256=embedder_sha256,
        resume_state=resume_state,
    )


def _no_validation(sources: list[str], val_fraction: float) -> str:
    """Why data.painting_split held no cube out, as one sentence: with no validation cubes
    keep_best has nothing to choose on and the weights are the last step's."""
    from .data import no_split_reason

    why = no_split_reason(sources, val_fraction)
    return (
        f"no validation cubes with {len(sources)} training cubes ({why}), so keep_best keeps "
        "the last step"
    )


def _optimizer(core, cfg: dict, device):
    """AdamW without weight decay on biases, norms and the position embedding."""
    import torch

    decay = [p for n, p in core.named_parameters() if p.ndim >= 2 and "pos_embed" not in n]
    no_decay = [p for n, p in core.named_parameters() if not (p.ndim >= 2 and "pos_embed" not in n)]
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg["weight_decay"]},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=cfg["lr"],
        betas=(0.9, 0.99),
        **({"fused": True} if device.type == "cuda" else {}),
    )


def _check_resume(out: Path, cfg: dict, data_sha1: str, embedder_sha256, loaded=None) -> dict:
    """The checkpoint --resume continues from, read before the embedding pass and refused when
    this run's settings, cube files or embedder differ from the interrupted run's (they were applied
    silently: the rest of the run trained otherwise while the weights claimed one config), as the
    embedder's --resume does. RESUME_MAY_CHANGE may differ; without --init, the checkpoint's init
    holds; settings an older checkpoint does not record are not compared. loaded: the checkpoint
    as _start loaded it (checked here, not loaded again)."""
    from ..models.uvit import DEFAULT_CONFIG as UVIT_DEFAULTS
    from .common import check_resume, load_checkpoint

    ckpt = out / CHECKPOINT_NAME
    if not ckpt.is_file():
        raise ValueError(f"--resume: no checkpoint {ckpt}")
    state = load_checkpoint(
        ckpt,
        required=("model", "optimizer", "step", "curves", "sampler_rng", "torch_rng"),
        loaded=loaded,
    )
    before = state.get("config") or {}

    def flat(c: dict) -> dict:  # model keys either side left out take the model's default
        model = {**UVIT_DEFAULTS, **(c.get("model") or {})}
        return {**c, **{f"model.{k}": v for k, v in model.items()}}

    skip = {*RESUME_MAY_CHANGE, "model"}
    if cfg.get("epochs") is not None:  # steps follow from the epochs, compared instead
        skip.add("steps")
    if cfg.get("init") is None:
        skip.add("init")
    was, now = flat(before), flat(cfg)
    # its keep-best candidate was chosen by this criterion (before keep_best_by: the loss), so
    # resuming by another would compare an MS-SSIM with a loss, or keep a step no criterion chose
    was.setdefault("keep_best_by", "loss")
    keys = [k for k in was if k in now and k not in {*skip, *DERIVED_KEYS, "comment"}]
    data = []
    if before.get("files_sha1") not in (None, data_sha1):
        data.append("--data: other cube files than the run's")
    if before.get("embedder_sha256") not in (None, embedder_sha256):
        data.append(
            f"--embedder: another embedder (SHA-256 {str(embedder_sha256)[:12]}...) than the "
            f"run's ({before['embedder_sha256'][:12]}...)"
        )
    check_resume(ckpt, was, now, keys, data)
    return state


def _resume(r: _Run) -> LoopState:
    """Model, optimiser and loop state from OUT/checkpoint.pt (read and checked by _build)."""
    from .common import load_checkpoint

    ckpt = r.out / CHECKPOINT_NAME
    state = load_checkpoint(ckpt, state=r.resume_state, model=r.core, optimizer=r.opt)
    loop = LoopState.from_checkpoint(state, r.sampler)
    if not loop.stream_restored and r.dist.is_main:
        from .common import warn_stream_moved

        warn_stream_moved(ckpt, r.device)
    # The input normalisation is the checkpoint's (restored with the model's buffers; a fine-tuning
    # run's came from its --init weights, not from this data): the written config must say so.
    saved = (state.get("config") or {}).get("model_config") or {}
    for key in ("latent_mean", "latent_std"):
        r.model_cfg[key] = saved.get(key) or getattr(r.core, key).flatten().cpu().tolist()
    if saved.get("init") and not r.model_cfg.get("init"):
        r.model_cfg["init"] = saved["init"]
    before = (state.get("config") or {}).get("val_cubes")
    if before != r.public["val_cubes"]:
        # Validation losses of another split are not comparable, and cubes validated on before
        # may have been trained on since (or the reverse): keep_best would pick a leaked step.
        loop.best = dict(NO_BEST)
        if r.dist.is_main:  # a warning, as common.warn_runtime_change's
            warnings.warn(
                f"{ckpt} was validated on "
                + ("an unrecorded split" if before is None else "other cubes")
                + f" than this run's {len(r.public['val_cubes'])}; the best weights are chosen "
                "among the validations from here on",
                stacklevel=1,
            )
    r.saved_step = loop.step
    if r.dist.is_main:
        print(f"resumed from {ckpt} at step {loop.step}", file=sys.stderr)
    return loop


def _loop(r: _Run, loop: LoopState) -> float:
    """Train from loop.step to the end of the schedule (or of the time budget), validating and
    checkpointing every checkpoint_every steps; returns this process's loop seconds."""
    import torch
    from tqdm import tqdm

    from .common import StopSignals, diverged
    from .distributed import all_max, all_mean, wrap_model
    from .metrics import ms_ssim, redmean_distance

    cfg, dist, steps = r.cfg, r.dist, r.steps
    model = wrap_model(r.core, dist, r.device)  # DDP averages gradients across ranks
    # resolve_config refuses a smaller crop
    use_msssim = cfg["msssim_weight"] > 0 and cfg["crop"] > _msssim_need()
    amp = r.device.type == "cuda"
    budget = cfg["time_budget"]
    bar = tqdm(
        total=steps,
        initial=loop.step,
        desc="training SmallUViT",
        unit="step",
        disable=not r.show,
        dynamic_ncols=True,
    )
    model.train()
    running = torch.zeros((), device=r.device)
    if loop.running is not None:  # resumed: the sum since the last log goes on
        running += loop.running.to(r.device)
    loop.running = running  # updated in place, so every checkpoint holds the current sum
    # The first step whose loss was NaN or infinite, kept on the device (no host sync per step),
    # read where the loop syncs anyway: at logging steps and before a checkpoint.
    counter = torch.full((), loop.step, dtype=torch.long, device=r.device)
    first_bad = torch.full((), -1, dtype=torch.long, device=r.device)

    def check(value: float = 0.0) -> None:
        """Called by every rank at the same steps: all stop together at the first bad step."""
        bad = int(first_bad)
        if all_max(float(bad >= 0), dist) or not math.isfinite(value):
            raise diverged(bad if bad >= 0 else loop.step, r.out / CHECKPOINT_NAME, r.saved_step)

    loop.start()
    part = (dist.rank, dist.world_size)
    # agreed between ranks at logging steps, constant in between; a single process reads its
    # clock every step (no sync): at 1-2 s a CPU step, 50 steps between logs overran a 30 s
    # budget by 50 s
    time_frac = 0.0
    every_step = dist.world_size == 1
    with StopSignals() as signals:
        if dist.is_main:  # also where a test knows that SIGINT now stops with a checkpoint
            print(f"training SmallUViT: steps {loop.step} to {steps}", file=sys.stderr, flush=True)
        while loop.step < steps:
            if budget and (
                every_step or loop.step == loop.start_step or loop.step % cfg["log_every"] == 0
            ):
                time_frac = all_max(loop.elapsed(), dist) / budget
                if time_frac >= 1.0:
                    break
            lr = lr_at(max(loop.step / steps, time_frac), cfg, steps)
            for g in r.opt.param_groups:
                g["lr"] = lr
            x, y = r.sampler.sample(cfg["batch"], part)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=amp):
                pred = model(x, raw=r.colour_loss is not None)
            if r.colour_loss is not None:
                loss = r.colour_loss(pred, y)
                pred = r.core.decode(pred) if use_msssim else None
            else:
                pred = pred.float()
                loss = redmean_distance(pred, y, eps=1e-6)
            if use_msssim:
                loss = loss + cfg["msssim_weight"] * (
                    1.0 - ms_ssim(pred, y, win_size=LOSS_MSSSIM_WIN)
                )
            r.opt.zero_grad(set_to_none=True)
            loss.backward()
            r.opt.step()
            running += loss.detach()
            loop.n_running += 1
            counter += 1
            first_bad = torch.where(
                (first_bad < 0) & ~torch.isfinite(loss.detach()), counter, first_bad
            )
            loop.step += 1
            logged = loop.step % cfg["log_every"] == 0 or loop.step == steps
            if logged:
                value = all_mean(float(running) / loop.n_running, dist)  # the only host sync
                check(value)
                running.zero_()
                loop.n_running = 0
                loop.curves["train"].append((loop.step, value))
                bar.set_postfix(loss=f"{value:.4f}", lr=f"{lr:.2e}")
            bar.update(1)
            if cfg["checkpoint_every"] and loop.step % cfg["checkpoint_every"] == 0:
                check()
                if r.val_idx and dist.is_main:
                    val, msssim = _run_validation(r)
                    loop.record_val(val, r.core, cfg["keep_best"], msssim, cfg["keep_best_by"])
                    r.core.train()
                r.checkpoint(loop)
            if signals.requested(dist, agree=logged):  # Ctrl-C or kill: a checkpoint, then exit
                check()
                if r.saved_step != loop.step:
                    r.checkpoint(loop)
                bar.close()
                raise signals.stop(r.out / CHECKPOINT_NAME, loop.step, show=dist.is_main)
    bar.close()
    check()
    if loop.step == 0:  # it wrote the untrained network as uvit.safetensors, rc 0
        raise ValueError(
            f"--time-budget {budget:g} s ended before the first training step: nothing was "
            "trained and no weights were written; give a longer budget"
        )
    if loop.n_running:  # a time budget can stop the loop between two logging steps
        value = all_mean(float(running) / loop.n_running, dist)
        loop.curves["train"].append((loop.step, value))
        running.zero_()  # counted once: the final checkpoint must not log it again on a resume
        loop.n_running = 0
    return time.time() - loop.t_start


def _finalise(r: _Run, loop: LoopState, train_s: float) -> int:
    """Last checkpoint; then rank 0 alone keeps the best weights, saves them (float16), scores
    them on the validation paintings, fits the per-pixel baseline and writes metrics and curves."""
    from ..models.weights import save_weights, tensors_sha256
    from .common import CHECKPOINT_ID, TRAINER_WEIGHTS, plot_curves, write_json
    from .distributed import barrier, params_in_sync

    cfg, dist, core = r.cfg, r.dist, r.core
    steps_done = loop.step
    core.eval()
    r.checkpoint(loop, finished=True)
    in_sync = params_in_sync(core, dist)
    if not dist.is_main:  # rank 0 alone saves, evaluates and fits the baseline; wait for it
        barrier(dist)
        return 0
    curves, best, by = loop.curves, loop.best, cfg["keep_best_by"]
    if cfg["keep_best"] and best["state"] is not None:
        if not curves["val"] or curves["val"][-1][0] != steps_done:  # the final weights compete
            val, msssim = _run_validation(r)
            loop.log_val(val, msssim)  # at loop.step, that is steps_done
            if beats(best, val, msssim, by):
                best = candidate(steps_done, val, msssim, by, None)
        if best["state"] is not None:
            core.load_state_dict(best["state"])
    temperatures = None
    if r.model_cfg.get("colour_bins") and r.val_idx and cfg["decode_temperatures"]:
        chosen, temperatures = choose_decode_temperature(
            core, r.latents, r.targets, r.val_idx, r.device, cfg["decode_temperatures"]
        )
        r.model_cfg["decode_temperature"] = chosen

    weights_path = r.out / TRAINER_WEIGHTS["recolouriser"]
    # float16 on disk halves the shipped file; the loader computes in float32
    # (or bf16 autocast on CUDA).
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in core.state_dict().items()}
    chosen = cfg["keep_best"] and best["step"] is not None
    kept_step = best["step"] if chosen else steps_done
    # which criterion chose the written weights ("last step": keep_best off, or nothing validated)
    kept_by = best.get("by", "loss") if chosen else "last step"
    if chosen:
        figure = (
            f"highest validation MS-SSIM {best['msssim']:.5f}"
            if kept_by == "msssim"
            else f"lowest validation loss {best['val']:.5f}"
        )
        print(
            f"keep_best: the weights written are step {kept_step}'s of {steps_done} ({figure}; "
            f"keep_best_by {kept_by})",
            file=sys.stderr,
        )
    sha = save_weights(
        half,
        weights_path,
        {
            **r.model_cfg,
            "trained_steps": kept_step,
            "kept_by": kept_by,  # the criterion that chose trained_steps
            "stored_dtype": "float16",
            "command": r.public["command"],
            **({"resumed_by": r.public["resumed_by"]} if r.public.get("resumed_by") else {}),
            # whose latents it learnt: recolour and evaluate warn when given another embedder
            "embedder_sha256": r.embedder_sha256,
            # the seed, resolved settings and data identity, as the DVE's weights carry them:
            # config.json is not shipped (reproducibility audit 26, finding 5)
            "training": {
                k: v for k, v in r.public.items() if k not in ("val_cubes", "model_config", "model")
            },
        },
    )
    metrics = {
        "steps": steps_done,
        "kept_step": kept_step,
        "kept_by": kept_by,
        "val_curve": [list(v) for v in curves["val"]],
        **(
            {"val_msssim_curve": [list(v) for v in curves["val_msssim"]]}
            if curves.get("val_msssim")
            else {}
        ),
        # over every process of a resumed run, as the embedder's; per step: this process's
        "train_seconds": round(loop.elapsed_before + train_s, 1),
        "embed_seconds": round(r.embed_s, 1),
        "seconds_per_step": round(train_s / max(steps_done - loop.start_step, 1), 4),
        "final_train_loss": curves["train"][-1][1] if curves["train"] else None,
        "n_params": r.public["n_params"],
        "weights": str(weights_path),
        "sha256": sha,
        "tensors_sha256": tensors_sha256(half),  # what the file holds; equal for equal weights
        "device": r.public["device"],  # the first process's, as "runtime"; resumes: their own
        "world_size": dist.world_size,
        "runtime": r.public["runtime"],
        "ranks_in_sync": in_sync,
        "command": r.public["command"],
        **({"resumed_by": r.public["resumed_by"]} if r.public.get("resumed_by") else {}),
        **({"resumes": r.public["resumes"]} if r.public.get("resumes") else {}),
        CHECKPOINT_ID: r.checkpoint_id,  # these results are that checkpoint's (unwritten_results)
    }
    if temperatures is not None:
        metrics["decode_temperature_val"] = temperatures
        metrics["decode_temperature"] = r.model_cfg["decode_temperature"]
    if r.val_idx:
        metrics["val_uvit"] = _val_metrics(
            core, r.model_cfg, r.latents, r.targets, r.val_idx, r.device
        )
    if cfg["baseline_steps"] > 0:
        metrics.update(_fit_baseline(r))
    plot_curves(
        r.out / "loss_curve.png",
        {"train (redmean)": curves["train"], "validation": curves["val"]},
        title=f"SmallUViT, target {cfg['target']}",
    )
    write_json(r.out / "metrics.json", metrics)  # last: it marks the results written
    print(json.dumps(metrics, indent=2, default=float))
    barrier(dist)
    return 0


def _fit_baseline(r: _Run) -> dict:
    """The per-pixel MLP (latent -> RGB) on the same training paintings; writes its weights and
    returns its metrics entries."""
    from ..models.weights import BASELINE_FILE, save_weights
    from ..progress import tqdm_callback
    from .train_pixel_mlp import train_pixel_mlp

    cfg = r.cfg
    tb = time.time()
    # a bar of its own: its 1500 default steps took 119 s on a busy CPU after the bar of a
    # --steps 10 SmallUViT had ended (6 s), with no word on stderr meanwhile
    desc = "training per-pixel MLP baseline (--baseline-steps 0 skips it)"
    callback, close = tqdm_callback(desc, "step", scaled=False, show=r.show)
    try:
        mlp, mlp_loss = train_pixel_mlp(
            [hwc_to_chw(r.latents[i]) for i in r.train_idx],
            [hwc_to_chw(r.targets[i].astype(np.float32) / 255.0) for i in r.train_idx],
            steps=cfg["baseline_steps"],
            device=r.device,
            seed=cfg["seed"],
            latent_mean=r.mean,
            latent_std=r.std,
            progress=callback,
        )
    finally:
        close()
    # its training paintings, as the SmallUViT's weights record them: evaluate's held-out verdict
    # reads them for a --baseline taken from another run
    training = {"sources": r.public["sources"], "files_sha1": r.public["files_sha1"]}
    config = {**mlp.config, "target": cfg["target"], "training": training}
    save_weights(mlp.state_dict(), r.out / BASELINE_FILE, config)
    metrics = {
        "baseline": {
            "steps": cfg["baseline_steps"],
            "final_train_loss": mlp_loss,
            "seconds": round(time.time() - tb, 1),
        }
    }
    if r.val_idx:
        metrics["val_pixel_mlp"] = _val_metrics_mlp(mlp, r.latents, r.targets, r.val_idx, r.device)
    return metrics


def choose_decode_temperature(model, latents, targets, val_idx, device, candidates):
    """(T with the lowest validation loss, {T: loss}); leaves the model decoding with that T.
    The annealed mean trades a vivid mode against a safe mean; which is right depends on how often
    the mode is wrong, which only held-out paintings can say. By the colour loss whatever
    keep_best_by chose the weights with (docs/training.md says so)."""
    losses = {}
    for t in candidates:
        model.config["decode_temperature"] = float(t)
        losses[float(t)] = _validate(model, latents, targets, val_idx, device)[0]
    best = min(losses, key=losses.get)
    model.config["decode_temperature"] = best
    return best, losses


def _validate(model, latents, targets, val_idx, device, msssim: bool = False):
    """(mean redmean distance, mean MS-SSIM or None) on the validation images, predicted as at
    inference (overlapping crop-sized tiles, blended): checkpoints are chosen on the path users
    get, not on whole-image passes at a token grid the model never trained on. MS-SSIM (5 scales,
    the loss term's LOSS_MSSSIM_WIN window; images over 96 px, which _build checks) only when
    asked: keep_best_by "msssim" needs it, and it costs CPU time at every validation."""

    from ..analysis.recolour import Recolouriser
    from .metrics import ms_ssim, redmean_distance

    model.eval()
    rec = Recolouriser(model, model.config, torch_device(device))
    losses, ssims = [], []
    for i in val_idx:
        pred = hwc_to_chw(rec.predict(latents[i]))[None]
        target = hwc_to_chw(targets[i].astype(np.float32) / 255)[None]
        losses.append(float(redmean_distance(pred, target)))
        if msssim:
            ssims.append(float(ms_ssim(pred, target, win_size=LOSS_MSSSIM_WIN)))
    return float(np.mean(losses)), (float(np.mean(ssims)) if msssim else None)


def _run_validation(r: _Run) -> tuple[float, float | None]:
    """The validation loss, and MS-SSIM when keep_best keeps by it (_validate)."""
    return _validate(
        r.core, r.latents, r.targets, r.val_idx, r.device, msssim=_keeps_by_msssim(r.cfg)
    )


def _summarise(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def _score(pred, target) -> dict:
    from .metrics import ciede2000, image_metrics

    if min(pred.shape[:2]) > 160:
        return image_metrics(pred, target)
    from .metrics import redmean_distance

    de_mean, de_median = ciede2000(pred, target)
    return {
        "srgb": float(
            redmean_distance(
                hwc_to_chw(pred, np.float32)[None],
                hwc_to_chw(target.astype(np.float32) / 255)[None],
            )
        ),
        "de_mean": de_mean,
        "de_median": de_median,
    }


def _val_metrics(model, model_cfg, latents, targets, val_idx, device) -> dict:
    from ..analysis.recolour import Recolouriser

    rec = Recolouriser(model, model.config, torch_device(device))
    return _summarise([_score(rec.predict(latents[i]), targets[i]) for i in val_idx])


def _val_metrics_mlp(mlp, latents, targets, val_idx, device) -> dict:
    from .train_pixel_mlp import predict_pixels

    return _summarise(
        [_score(predict_pixels(mlp, latents[i], device), targets[i]) for i in val_idx]
    )


def torch_device(device):
    import torch

    return torch.device(device)
