"""Session 37: leftovers of session 36's notes (evaluate's MS-SSIM scales over a mixed set)."""

from __future__ import annotations

import json


def _add_cube(folder, index: int, size: int) -> None:
    import numpy as np

    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.toy_data import toy_cube

    counts, labels, meta = toy_cube(size, size, n_regions=3, seed=index, counts_per_pixel=200)
    palette = np.random.default_rng(index).integers(0, 256, (labels.max() + 1, 3))
    palette = palette.astype(np.uint8)[labels]
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    targets = {"palette": palette, "rgb": palette, "labels": labels}
    write_cube(folder / f"cube_{index:05d}.h5", counts, cal, metadata=meta, targets=targets)


def test_evaluate_takes_the_set_s_scales_from_its_smallest_cube(tmp_path):
    """The scale count came from the first cube: a smaller cube later in the set was refused
    ("evaluate cubes of one size together") after every cube before it had been scored. The count
    is now the smallest cube's, read from the files' headers before any model runs, so a mixed set
    is scored whole, every cube over the same scales."""
    from xrf_napari.cli.train import main

    data, out = tmp_path / "set", tmp_path / "ev"
    data.mkdir()
    _add_cube(data, 0, 168)  # 5 scales fit
    _add_cube(data, 1, 32)  # 2 scales fit
    manifest = {
        "generator": "toy",
        "native": False,
        "cubes": [{"file": f"cube_0000{i}.h5"} for i in (0, 1)],
    }
    (data / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    argv = ["evaluate", "--data", str(data), "--out", str(out), "--device", "cpu"]
    assert main(argv + ["--no-ari", "--no-progress"]) == 0
    result = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert result["msssim_scales"] == 2
    assert len(result["per_cube"]) == 2, result.keys()


def test_a_single_process_time_budget_stops_between_logging_steps(tmp_path):
    """The budget was read only at logging steps (every log_every): a 30 s budget on 1.65 s CPU
    steps ran 82.7 s (gpu_check.sh's rehearsal). A single process now reads its clock every step;
    ranks under torchrun still agree at logging steps (tests/test_distributed.py)."""
    from test_distributed import _random_dve, _uvit_config

    from xrf_napari.cli.train import main
    from xrf_napari.training.toy_data import write_toy_dataset

    data = tmp_path / "data"
    write_toy_dataset(data, n_cubes=2, size=24, seed=2)
    _random_dve(tmp_path / "dve.safetensors")
    cfg = _uvit_config(tmp_path, steps=100000, log_every=5000)
    argv = ["recolouriser", "--data", str(data), "--embedder", str(tmp_path / "dve.safetensors")]
    argv += ["--config", str(cfg), "--out", str(tmp_path / "run"), "--device", "cpu"]
    assert main(argv + ["--time-budget", "1", "--no-progress", "--baseline-steps", "0"]) == 0
    m = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    # stopped by the budget before the first logging step (5,000 steps of a few ms would be 10+ s)
    assert 0 < m["steps"] < 5000, m["steps"]
    assert m["train_seconds"] < 3.0, m["train_seconds"]
