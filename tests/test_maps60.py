"""Elemental maps, session 60."""

import tracemalloc

import numpy as np

from xrf_napari.analysis import maps as M


def test_tile_test_holds_one_float64_copy_of_the_tiles():
    """The absent-element test (_unseen, _less_neighbours.in_tiles) reads the survey's tiles as
    clipped float64 counts: astype then np.clip held two copies (71 MB at peak for 1,085 tiles of
    4,096 channels), one helper (_counts64) clips its one copy in place; the tiles are not
    changed."""
    n = 4096
    edges = np.linspace(0.0, 40.96, n + 1)
    tiles = np.random.default_rng(0).poisson(3.0, (300, n)).astype(np.float32)
    tiles[0, :5] = -1.0  # a negative count (a background-subtracted file): clipped, not changed
    kept = tiles.copy()
    present = {"Ca", "Fe"}
    M._unseen(["Sr"], edges, 140.0, present, None, 40.0, None, tiles[:2])  # templates cached
    tracemalloc.start()
    try:
        unseen = M._unseen(["Sr"], edges, 140.0, present, None, 40.0, None, tiles)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert unseen == ["Sr"]
    copy = tiles.size * 8
    assert peak < 1.3 * copy, f"peak {peak / 1e6:.1f} MB for a {copy / 1e6:.1f} MB copy"
    np.testing.assert_array_equal(tiles, kept)
    got = M._counts64(tiles, n)
    assert got.dtype == np.float64 and got.shape == (300, n) and got.min() == 0.0
