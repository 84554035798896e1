"""Training plumbing shared by both models: seeds, atomic checkpoints, metrics, curves."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from ..fileutil import atomic_path


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def save_checkpoint(path, **state) -> None:
    """Atomic torch checkpoint (model/optimiser state, step, config, RNG states)."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path) -> dict:
    """Load a checkpoint safely (weights_only=True): store only tensors, numbers, strings, lists and
    dicts in it (torch.get_rng_state() for RNG state, plain dicts for configs)."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def write_json(path, data: dict) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=2, default=float) + "\n")


def plot_curves(path, curves: dict[str, list[tuple[int, float]]], title: str = "") -> None:
    """Loss curves (step, value) per name, log-scaled y, written atomically to PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, pts in curves.items():
        if pts:
            s, v = zip(*pts)
            ax.plot(s, v, label=name)
    ax.set_xlabel("step")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
