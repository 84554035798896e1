"""Session 39 core fixes (tests fail on their parents)."""

from __future__ import annotations

import numpy as np
import pytest


def _off_grid_rpl(tmp_path):
    """A 6 x 6 scan whose calibration puts every channel below 1 keV (an origin in keV with the
    channels counted from the wrong end, as the real spacekeys_variant.rpl of ../shared has)."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    data = np.random.default_rng(0).poisson(20, (6, 6, 16)).astype(np.uint16)
    path = tmp_path / "off.rpl"
    write(path, data, Calibration(offset=-0.956, gain=0.010002))
    return path


def test_recolour_and_embed_refuse_a_scan_wholly_outside_the_models_grid(tmp_path):
    """A scan whose channels all lie outside 1-26.6 keV fed the models all-zero spectra: the
    recolouring wrote a PNG of guessed colours (only an out-of-distribution warning), where the
    pigment fit refused the same axis. Both now refuse it by name, writing nothing."""
    from xrf_napari.analysis.embed import embed
    from xrf_napari.cli.main import main
    from xrf_napari.io import read_cube

    path = _off_grid_rpl(tmp_path)
    with pytest.raises(ValueError, match="wholly outside the 1-26.6 keV read by the models"):
        embed(read_cube(path), device="cpu")
    png = tmp_path / "out.png"
    assert main(["recolour", str(path), "--output", str(png), "--device", "cpu"]) != 0
    assert not png.exists()


def test_automatic_k_keeps_a_small_patch_of_another_paint():
    """Automatic K's counting-noise rule (one region when the embeddings spread under
    NOISE_SPREAD times one material's noise) took a 3 x 3 patch (0.2 %) of a 30 % mix of another
    paint in a 64 x 64 scan at 60 counts per pixel for noise at 2.0 (spread 1.79): K 1, where
    the silhouettes alone found the patch."""
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.analysis.embed import cluster, embed, one_material_latent
    from xrf_napari.cube import Cube

    panel = read_cube(sample_path("panel"))
    c = panel.shape[2]
    a = np.asarray(panel.data[5:15, 5:15], np.float64).reshape(-1, c).mean(0)
    b = np.asarray(panel.data[80:90, 110:120], np.float64).reshape(-1, c).mean(0)
    a, b = a / a.sum(), b / b.sum()
    truth = np.zeros((64, 64), int)
    truth[20:23, 30:33] = 1
    mu = np.stack([a * 60, (0.7 * a + 0.3 * b) * 60])[truth]
    cube = Cube(np.random.default_rng(1).poisson(mu).astype(np.uint16), panel.calibration)
    latent = embed(cube, device="cpu", pool=True)
    null = one_material_latent(cube, device="cpu", pool=True)
    assert cluster(latent, None, null_points=null).k >= 2


def test_one_material_noise_is_drawn_a_row_at_a_time():
    """Automatic K's noise reference drew its 55 x 55 grid of a 4096-channel spectrum whole, as
    int64 and then two float32 copies: 142 MiB traced against 49 MiB drawn a row at a time."""
    import tracemalloc

    from xrf_napari.analysis.embed import NULL_SIDE, one_material_latent
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    c = 4096
    data = np.random.default_rng(0).poisson(0.05, (32, 32, c)).astype(np.uint16)
    cube = Cube(data, Calibration(offset=-0.95, gain=0.0075))
    one_material_latent(cube, device="cpu")  # the model loaded and cached outside the count
    tracemalloc.start()
    try:
        one_material_latent(cube, device="cpu")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grid = NULL_SIDE * NULL_SIDE * c * 4  # the float32 grid the embedder reads: 47 MiB
    assert peak < 1.5 * grid, peak / 2**20


def test_a_fwhm_far_below_the_channel_width_is_refused_not_mapped_as_nan():
    """A file stating a 20 eV FWHM on 100 eV channels put both background windows of Fe Ka in
    one channel: the interpolation between them divided by zero and Make maps returned a map of
    NaN, unsaid (small39). Both windows in one channel are now one window, and a line whose
    window is then narrower than a channel is refused naming the FWHM and channel width."""
    import warnings

    from xrf_napari.analysis.maps import plan_for_cube
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    cube = Cube(np.ones((4, 4, 300), np.uint16), Calibration(offset=0.0, gain=0.1))
    for symbol in ("Ca", "Fe", "S"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # no division by zero
            with pytest.raises(ValueError, match="FWHM of 20 eV at Mn K.* channels of 100 eV"):
                plan_for_cube(cube, [symbol], fwhm_ev=20)
    plans, w = plan_for_cube(cube, ["Fe", "Pb"], fwhm_ev=60)  # wide enough: finite weights
    assert np.isfinite(w).all() and len(plans) == 2
