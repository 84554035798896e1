"""Review of session 57's docks, reader and analysis changes (revX2)."""

from __future__ import annotations

import tracemalloc

import numpy as np


def test_recolours_counted_features_sum_a_block_without_a_float64_copy():
    """CountedFeatures (06fa9b04), called on each canonical block of recolour's embedding pass,
    summed a float64 copy of the block: 128 MiB more and 130 ms a 32,768-pixel block of 512
    channels, about a sixth of that block's embedding. The sum is the same, and the block
    is no longer copied."""
    from xrf_napari.analysis.line_features import CountedFeatures, line_features

    block = np.random.default_rng(0).poisson(3, (4096, 512)).astype(np.float32)  # 8 MiB
    counted = CountedFeatures(line_features())
    counted(block)  # torch and the weights loaded before measuring
    tracemalloc.start()
    try:
        counted(block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < block.nbytes, f"{peak / 2**20:.1f} MiB for an 8 MiB block"
    np.testing.assert_array_equal(counted.total, 2 * block.sum(axis=0, dtype=np.float64))


def test_a_line_on_a_small_area_is_not_taken_for_noise():
    """quiet_elements (06fa9b04) tested each element's line on the whole scan's sum only, where
    its side windows read every other pixel's lines: the sample painting's Hg L-alpha window
    reads -0.64 counts a pixel of its lead, so its vermilion cut to 100 pixels (Hg about 10
    sigma in each) summed to -3.2 sigma, and recolour's ambiguity took Hg for noise in every
    pixel. A line far above one pixel's noise is there; flat noise still has none, and the
    features are LineFeatures' own."""
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.analysis.ambiguity import PRESENT_FEATURE
    from xrf_napari.analysis.line_features import CountedFeatures, line_features

    cube = read_cube(sample_path("painting"))  # on the canonical grid already
    assert cube.n_channels == 512 and cube.calibration.offset == 1.025
    pixels = np.asarray(cube.data[()], dtype=np.float32).reshape(-1, 512)
    lf = line_features()
    feats = lf(pixels)
    hg = feats[:, lf.elements.index("Hg")] >= PRESENT_FEATURE
    assert hg.sum() > 300
    small = np.concatenate([pixels[~hg], pixels[hg][:100]])
    counted = CountedFeatures(lf)
    got = [counted(small[start : start + 4096]) for start in range(0, len(small), 4096)]
    assert "Hg" not in counted.quiet()
    np.testing.assert_allclose(np.concatenate(got), lf(small), rtol=1e-6, atol=1e-7)
    noise = CountedFeatures(lf)
    noise(np.random.default_rng(0).poisson(70.0, (5, 512)).astype(np.float32))
    assert noise.quiet() == frozenset(lf.elements)
