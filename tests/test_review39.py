"""Session 39 review: faults found in the day's changes."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("lam", [0.002, 0.05, 0.5])
def test_a_sparse_scan_of_counts_stored_as_float_is_counts(lam):
    """A low-count scan stored as float32 (HDF5 writers often do) holds a handful of distinct
    whole numbers (0.5 counts a channel: 1..6), too few to test a step: count_step called it
    'not counts', so the suggestions warned that its values are not X-ray counts and automatic K
    lost its counting-noise reference (one_material_latent None). Whole numbers are counts."""
    from xrf_napari.analysis.peaks import NOT_COUNTS_WARNING, count_step, suggest_for_cube
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    counts = np.random.default_rng(0).poisson(lam, (24, 24, 1024)).astype(np.float32)
    cube = Cube(counts, Calibration(offset=0.0, gain=0.02))
    assert count_step(cube) == 1.0
    assert NOT_COUNTS_WARNING not in suggest_for_cube(cube).warning
    # values on no step stay 'not counts'
    assert count_step(Cube(counts * np.float32(0.37) + np.float32(0.011), cube.calibration)) is None
