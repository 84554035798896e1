"""Shared pieces of the command-line tests: a toy scan on the canonical grid and tiny random
models saved like the shipped weights, so that `xrf-napari recolour` runs in a second."""

from __future__ import annotations

import numpy as np

from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration

#: A SmallUViT small enough for CPU tests, with the shipped model's pixel skip and head.
TINY_UVIT = {
    "img_size": 32,
    "patch": 8,
    "dim": 18,
    "depth": 3,
    "heads": 9,
    "mlp_ratio": 2.0,
    "pixel_skip": True,
    "head_hidden": 4,
}


def write_toy_scan(path, h: int, w: int, n_regions: int, seed: int = 1):
    """A toy cube (300 counts per pixel) written as project HDF5: (cube, counts, labels)."""
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.toy_data import toy_cube

    counts, labels, meta = toy_cube(h, w, n_regions=n_regions, seed=seed, counts_per_pixel=300)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    return write_cube(path, counts, cal, metadata=meta), counts, labels


def save_tiny_models(folder, uvit_config: dict = TINY_UVIT, paired: bool = False) -> None:
    """dve.safetensors (default config) and uvit.safetensors, seeded, into `folder`; `paired`:
    the uvit records that dve as the embedder it was trained with (its embedder_sha256), which
    the shipped embedder then is not."""
    import torch

    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import build_from_config as build_uvit
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    dve = build_dve({})
    save_weights(dve.state_dict(), folder / "dve.safetensors", dve.config)
    uvit = build_uvit(uvit_config)
    config = uvit.config
    if paired:
        from xrf_napari.analysis.embed import load_embedder

        embedder = load_embedder(str(folder / "dve.safetensors"), "cpu")
        config = config | {"embedder_sha256": embedder.sha256}
    save_weights(uvit.state_dict(), folder / "uvit.safetensors", config)


def weights_args(folder, device: str | None = "cpu") -> list[str]:
    """The recolour options naming the tiny models of `folder`, without a progress bar."""
    args = ["--weights", str(folder / "uvit.safetensors")]
    args += ["--embedder-weights", str(folder / "dve.safetensors")]
    return args + (["--device", device] if device else []) + ["--no-progress"]


#: A recolouriser training config whose SmallUViT takes a step in milliseconds (the trainers'
#: CLI tests; tests/test_train_recolouriser.py has its own).
TINY_TRAIN_REC_CONFIG = {
    "model": {"patch": 8, "dim": 18, "depth": 3, "heads": 9, "mlp_ratio": 2.0, "head_hidden": 4},
    "crop": 32,
    "batch": 4,
    "log_every": 2,
    "warmup": 1,
    "baseline_steps": 0,
}


def tiny_embedder_config(**over):
    """The embedder's default training config shrunk to a few milliseconds a step."""
    import json

    from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG

    cfg = json.loads(json.dumps(DEFAULT_TRAIN_CONFIG))
    cfg.update(
        model={**cfg["model"], "hidden": [32, 16, 8]},
        steps=4,
        cubes_per_batch=4,
        pixels_per_cube_batch=16,
        pixels_per_cube=64,
        warmup_steps=1,
        log_every=2,
        checkpoint_every=2,
        mmd_samples=32,
    )
    cfg.update(over)
    return cfg


def assert_is_prediction(img, cube_path, d, **tiling):
    """img is the recolouriser's prediction for the cube with the tiny models in d (to 1/255)."""
    from xrf_napari import read_cube
    from xrf_napari.analysis.recolour import recolour

    rgb = recolour(
        read_cube(cube_path),
        weights=d / "uvit.safetensors",
        embedder_weights=d / "dve.safetensors",
        device="cpu",
        **tiling,
    ).rgb
    expected = np.floor(np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5)
    assert expected.std() > 1.0  # the toy regions give the model something to colour
    assert img.shape == expected.shape and img.dtype == np.uint8
    assert np.abs(img.astype(np.float64) - expected).max() <= 1.0
