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
