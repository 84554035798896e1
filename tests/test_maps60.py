"""Elemental maps, session 60."""

import tracemalloc

import numpy as np
import pytest

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


@pytest.mark.parametrize(
    ("symbol", "family", "parent_read"),
    [("Sn", "Ka", "0.73"), ("Sb", "Ka", "0.69"), ("Pb", "La", "0.96"), ("Fe", "Ka", "1.00")],
)
def test_window_map_reads_its_whole_k_alpha_doublet(symbol, family, parent_read):
    """A window map was scaled to one Gaussian at its family's mean energy, but a heavy element's
    K-alpha1 and 2 lie 0.2-0.25 keV apart at 25 keV, where the detector's FWHM is about 0.3 keV:
    the doublet spreads past the peak window and under the side windows, and lead-tin yellow's
    Sn K-alpha read -28 % of its counts at 40-50 kV (forward model), Naples yellow's Sb -32 %.
    The window is now scaled to the family's transitions by radiative rate (_family_profile).
    `parent_read`: what the window read before, for the record."""
    import xraylib

    from xrf_napari.elements import LINE_FAMILIES, atomic_number

    edges = np.linspace(0.0, 40.96, 4097)
    z = atomic_number(symbol)
    lines = []
    for t in LINE_FAMILIES[family][1]:
        code = getattr(xraylib, f"{t}_LINE")
        lines.append((xraylib.LineEnergy(z, code), xraylib.RadRate(z, code)))
    total = sum(w for _, w in lines)
    area = 1e5
    y = np.full(len(edges) - 1, 20.0)  # a flat background
    for e, w in lines:
        fwhm = float(M.detector_fwhm_kev(e, 140.0))
        y += area * w / total * M.gaussian_channels(edges, e, fwhm)
    (plan,) = M.plan_maps([symbol], (0.0, 40.96), fwhm_mn_ev=140.0)
    assert (plan.line.family, plan.method) == (family, "window")
    w = M.weight_matrix([plan], edges, fwhm_mn_ev=140.0)
    assert float(y @ w[:, 0]) / area == pytest.approx(1.0, abs=0.005)
    # line_features' windows stay as its models were trained: one Gaussian
    one = M.weight_matrix([plan], edges, fwhm_mn_ev=140.0, escapes=False, doublets=False)
    assert float(y @ one[:, 0]) / area == pytest.approx(float(parent_read), abs=0.01)
