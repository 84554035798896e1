"""Session 39, analysis core: labels images upright by their EXIF orientation, element
suggestions on normalised float cubes, automatic K on a structureless cube."""

from __future__ import annotations

import numpy as np
import pytest


def _png_with_orientation(path, array: np.ndarray, orientation: int) -> None:
    from PIL import Image

    im = Image.fromarray(array)
    exif = Image.Exif()
    exif[0x0112] = orientation
    im.save(path, exif=exif)


def test_labels_image_is_read_upright_as_the_photograph(tmp_path):
    """A label map saved as a camera stores it (sideways, EXIF Orientation 6: turn 90 degrees
    clockwise to view) was read as stored: refused as the wrong shape for a scan whose photograph
    (read upright) fitted, or, on a square scan, its regions laid on the wrong pixels."""
    from PIL import Image

    from xrf_napari.cli.pigments_cmd import read_labels

    upright = np.zeros((4, 6), np.uint8)  # the scan's (H, W)
    upright[0, :] = 1
    upright[:, 0] = 2
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # 6 x 4, what a camera writes
    path = tmp_path / "labels.png"
    _png_with_orientation(path, stored, 6)
    with Image.open(path) as im:  # the file is as intended: shown upright it is `upright`
        from PIL import ImageOps

        np.testing.assert_array_equal(np.asarray(ImageOps.exif_transpose(im)), upright)
    np.testing.assert_array_equal(read_labels(path, (4, 6)), upright)
    with pytest.raises(ValueError, match=r"shape \(4, 6\) does not match the scan \(6, 4\)"):
        read_labels(path, (6, 4))  # the size checked as shown, before decoding
    # mirrored (orientation 2) on a square map: the regions on the mirrored pixels
    sq = np.arange(16, dtype=np.uint8).reshape(4, 4)
    _png_with_orientation(tmp_path / "m.png", np.ascontiguousarray(sq[:, ::-1]), 2)
    np.testing.assert_array_equal(read_labels(tmp_path / "m.png", (4, 4)), sq)
    # and a map without EXIF is read as stored
    Image.fromarray(sq).save(tmp_path / "plain.png")
    np.testing.assert_array_equal(read_labels(tmp_path / "plain.png", (4, 4)), sq)


def _panel_counts():
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path

    panel = read_cube(sample_path("panel"))
    return panel, np.asarray(panel.data[:32, :64])


def _suggest(data, panel) -> list:
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.cube import Cube

    cube = Cube(data, panel.calibration, metadata=dict(panel.metadata))
    return suggest_for_cube(cube, cube.sum_spectrum())


def test_suggestions_on_a_cube_divided_by_its_maximum_or_sum_are_those_of_its_counts():
    """A cube divided by its maximum (float32 in 0..1) or by its sum got no suggestion at all
    and no word why: the peak tests count in Poisson deviations. Its values are whole multiples of
    one step (one count): read back as counts, the suggestions are the counts' own."""
    panel, counts = _panel_counts()
    want = _suggest(counts, panel)
    assert len(want) >= 4 and want.warning == ""
    for scaled in (counts / counts.max(), counts / counts.sum()):
        scaled = scaled.astype(np.float32)
        assert scaled.max() <= 1.0
        got = _suggest(scaled, panel)
        assert list(got) == list(want) and got.warning == ""
    # each spectrum divided by its own sum: the median step, close to the counts' suggestions
    per_pixel = (counts / np.maximum(counts.sum(axis=2, keepdims=True), 1)).astype(np.float32)
    got = _suggest(per_pixel, panel)
    assert set(want[:4]) <= set(got) and got.warning == ""
    # counts stored as floats are counts
    from xrf_napari.analysis.peaks import count_step
    from xrf_napari.cube import Cube

    assert count_step(Cube(counts.astype(np.float32), panel.calibration)) == 1.0


def test_suggestions_say_when_a_float_cube_is_not_counts():
    """Values on no step (smoothed, fitted): the suggestions say they assume counts."""
    panel, counts = _panel_counts()
    smooth = (counts * np.float32(0.37) + np.float32(0.011)).astype(np.float32)
    smooth *= np.random.default_rng(0).uniform(0.9, 1.1, smooth.shape).astype(np.float32)
    got = _suggest(smooth, panel)
    assert "not X-ray counts" in got.warning, got.warning
    from xrf_napari.analysis.peaks import count_step
    from xrf_napari.cube import Cube

    assert count_step(Cube(smooth, panel.calibration)) is None


def test_automatic_k_gives_one_region_on_pure_counting_noise(tmp_path, capsys):
    """A scan of pure Poisson noise (no structure: every channel 0.002 counts a pixel on the
    panel's axis, not pooled) was split into 12 regions, the largest K of the range: the embedder
    folds sparse counts into lumps that K-Means splits well, beyond the Gaussian-blob null. Its
    embeddings spread no wider than one material's counting noise at its level: one region, and
    `xrf-napari embed` says why."""
    import h5py

    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.cli.main import main
    from xrf_napari.cube import Cube
    from xrf_napari.io.project_h5 import write_cube

    panel = read_cube(sample_path("panel"))
    c = panel.shape[2]
    noise = np.random.default_rng(0).poisson(0.002, (48, 48, c)).astype(np.uint16)
    path = write_cube(tmp_path / "noise.h5", noise, panel.calibration, metadata={"name": "n"})
    out = tmp_path / "out"
    argv = ["embed", str(path), "-o", str(out), "--device", "cpu", "--no-progress", "--no-pool"]
    assert main(argv) == 0
    said = capsys.readouterr().out
    with h5py.File(out / "labels.h5") as f:
        assert int(f.attrs["k"]) == 1, said
    assert "automatic K found no split better than one material" in said

    from xrf_napari.analysis.embed import (
        ONE_BY_AUTO_K,
        cluster,
        embed,
        one_material_latent,
        spread_over_noise,
        why_one,
    )

    cube = Cube(noise, panel.calibration)
    for pool in (False, True):
        latent = embed(cube, device="cpu", pool=pool)
        null = one_material_latent(cube, device="cpu", pool=pool)
        assert spread_over_noise(latent.reshape(-1, 3), null) < 1.5
        res = cluster(latent, None, null_points=null)
        assert res.k == 1 and why_one(latent, None, res) == ONE_BY_AUTO_K
    # two materials at low counts are still two regions (their spread: far above the noise's)
    a = np.asarray(panel.data[5:15, 5:15], np.float64).reshape(-1, c).mean(0)
    b = np.asarray(panel.data[80:90, 110:120], np.float64).reshape(-1, c).mean(0)
    truth = np.zeros((48, 48), int)
    truth[:, 24:] = 1
    mu = np.stack([a / a.sum() * 300, b / b.sum() * 300])[truth]
    two = Cube(np.random.default_rng(1).poisson(mu).astype(np.uint16), panel.calibration)
    lat2 = embed(two, device="cpu", pool=False)
    assert cluster(lat2, None, null_points=one_material_latent(two, device="cpu")).k == 2
    # values that are not counts (peaks.count_step None): no noise reference, the blob decides
    smooth = (noise * np.float32(0.37) + np.float32(0.011)).astype(np.float32)
    assert one_material_latent(Cube(smooth, panel.calibration), device="cpu") is None


def test_count_step_reads_a_bounded_sample_of_a_wide_float_cube():
    """count_step read 16 whole rows and copied them as float64: a wide 4096-channel float
    cube cost over 1 GB for a check that needs 2,000 spectra. It keeps at most STEP_PIXELS
    spectra as each row is read."""
    import tracemalloc

    from xrf_napari.analysis.peaks import STEP_PIXELS, count_step
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    w, c = 2000, 512
    data = np.random.default_rng(0).poisson(5.0, (16, w, c)).astype(np.float32) * np.float32(0.25)
    cube = Cube(data, Calibration(offset=0.0, gain=0.04))
    tracemalloc.start()
    try:
        step = count_step(cube)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert step == 0.25
    # one row (4 MB) and the kept spectra's float64 copy; the parent peaked at 3 x 65 MB
    assert peak < w * c * 4 + 3 * STEP_PIXELS * c * 8, peak
