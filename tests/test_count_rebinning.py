"""Counts of generated cubes: high count levels are stored, not clipped (physics audit item 3)."""

import numpy as np
import pytest

from xrf_napari.energy import Calibration
from xrf_napari.synth.cube import poisson_counts


def test_high_count_levels_are_stored_as_uint32_not_clipped():
    rng = np.random.default_rng(6)
    comp = np.zeros((1, 64), np.float32)
    comp[0, 10] = 1.0  # one line: every count in one channel
    weights = np.ones((4, 4, 1), np.float32)
    out = poisson_counts(weights, comp, 2.0e5, rng)
    assert out.dtype == np.uint32 and out.max() > 65535  # clipped at 65535 before
    assert out.sum(axis=2).mean() == pytest.approx(2.0e5, rel=0.01)
    low = poisson_counts(weights, comp, 1000.0, rng)
    assert low.dtype == np.uint16  # realistic levels keep the compact type
    with pytest.raises(ValueError, match="more than uint16"):
        poisson_counts(weights, comp, 2.0e5, rng, dtype=np.uint16)


def test_uint32_cubes_write_and_read_back(tmp_path):
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.data import read_cube_arrays

    counts = np.full((3, 4, 512), 70_000, np.uint32)
    path = write_cube(
        tmp_path / "c.h5",
        counts,
        Calibration(1.025, 0.05, 0.0),
        targets={"labels": np.zeros((3, 4), np.int32)},
    )
    back, labels, _ = read_cube_arrays(path)
    assert back.dtype == np.uint32 and int(back.max()) == 70_000
