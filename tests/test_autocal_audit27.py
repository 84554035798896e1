"""Audit 27 F7: a non-XRF image stack (noise z-stack) opened with xrf-napari got an automatic keV
axis ("calibration: auto", e.g. Si Ka, Rh Lb, K Ka matched at 1.25 eV rms). Peak significance
assumed Poisson counts; a summed noise stack scatters 2-100x more, so its bumps passed as peaks.
Now the significance is measured against the scatter the sum spectrum shows (excess_scatter)."""

import numpy as np
import pytest
from _synth_spectra import synthetic_cube

from xrf_napari.analysis.autocal import AutoCalibrationError, auto_calibrate, calibrate_spectra
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


def _noise_stack(kind: str, seed: int) -> np.ndarray:
    """(H, W, C) noise of 16-4096 channels: no line anywhere, so no calibration is right."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([16, 32, 64, 100, 128, 256, 512, 1024, 2048, 4096]))
    hw = 32 if n <= 256 else 12
    shape = (hw, hw, n)
    if kind == "uniform":  # a 16-bit camera's z-stack, as in the audit's probe
        return rng.integers(0, int(rng.integers(100, 65535)), shape).astype(np.uint16)
    c = np.arange(n) / n
    bg = np.exp(-c / rng.uniform(0.1, 1.0)) if kind.endswith("_bg") else np.ones(n)
    mu = rng.uniform(1, 5000) * bg * np.ones(shape)
    if kind.startswith("poisson"):
        return rng.poisson(mu).astype(np.uint32)
    a = np.clip(rng.normal(20 * mu, rng.uniform(0.02, 0.5) * 20 * mu.max()), 0, 65535)
    return a.astype(np.float32) if seed % 2 else np.round(a).astype(np.uint16)


@pytest.mark.parametrize("kind", ["uniform", "gauss", "gauss_bg", "poisson", "poisson_bg"])
def test_noise_stacks_get_no_calibration(kind):
    """Before: 59, 35 and 27 of 200 uniform / Gaussian / Gaussian+background stacks were given an
    automatic calibration (Poisson ones never); of these 30 seeds, 13, 10 and 8."""
    accepted = []
    for seed in range(30):
        a = _noise_stack(kind, seed)
        try:
            res = auto_calibrate(cube_from_array(a), anode="Rh")
        except AutoCalibrationError:
            continue
        accepted.append((seed, a.shape[2], [p.label for p in res.matched_peaks]))
    assert accepted == []


def test_the_audits_tiff_zstacks_open_uncalibrated_and_say_why(tmp_path):
    """probe_autocal_noise.py: 5 of these 8 100-slice stacks opened with source 'auto'."""
    tifffile = pytest.importorskip("tifffile")
    from xrf_napari.io import read_cube

    why = {}
    for seed in range(8):
        path = tmp_path / f"z100_{seed}.tif"
        stack = np.random.default_rng(seed).integers(0, 4000, (100, 48, 48)).astype("u2")
        tifffile.imwrite(path, stack)
        cube = read_cube(path)
        assert cube.n_channels == 100
        why[seed] = (cube.calibration.source, cube.metadata["auto_calibration"])
    assert {seed: s for seed, (s, _) in why.items() if s != "none"} == {}
    for _, text in why.values():
        assert text.startswith("failed:") and "not an XRF spectrum" in text, text


def test_excess_scatter_measures_noise_not_background_or_counts():
    from xrf_napari.analysis.autocal import excess_scatter

    rng = np.random.default_rng(1)
    ch = np.arange(2048)
    smooth = 2e4 * np.exp(-ch / 700.0) + 50.0  # a steep continuum: no excess of its own
    assert excess_scatter(rng.poisson(smooth).astype(float)) == 1.0
    assert excess_scatter(rng.poisson(0.2, 2048).astype(float)) == 1.0  # sparse counts
    # 48 x 48 pixels of uniform 0-4000: sum variance 2304 * 4000**2 / 12 over mean 2304 * 2000
    summed = rng.integers(0, 4000, (2304, 2048)).sum(axis=0).astype(float)
    assert excess_scatter(summed) == pytest.approx(np.sqrt(4000**2 / 12 / 2000), rel=0.1)
    assert excess_scatter(summed + 50 * smooth) == pytest.approx(excess_scatter(summed), rel=0.1)


def test_a_spectrum_scaled_by_a_constant_has_the_same_peaks():
    """Counts x 100 (per-second units, a gain in the electronics) used to look 10x as significant:
    a weak calibration's peaks are the same after scaling, whatever the unit."""
    cube = synthetic_cube(-0.3, 0.012, 2048, seed=11, scale=0.05)  # test_autocal's low counts
    total = cube.sum(axis=(0, 1)).astype(float)
    base = calibrate_spectra([total], anode="Rh")
    scaled = calibrate_spectra([100.0 * total], anode="Rh")
    assert [p.label for p in scaled.matched_peaks] == [p.label for p in base.matched_peaks]
    assert scaled.calibration.offset == pytest.approx(base.calibration.offset, abs=1e-3)
    assert scaled.calibration.gain == pytest.approx(base.calibration.gain, rel=1e-4)


def test_a_structured_coarse_spectrum_is_still_calibrated(tmp_path):
    """The bundled painting on its 50 eV grid, written without calibration: its dense weak lines
    give the largest excess scatter of any XRF spectrum measured (about 2.8), and it still
    calibrates within a channel (as the header-less transfer sets must)."""
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.io.ripple import write

    cube = read_cube(sample_path("painting"))
    counts = np.asarray(cube.data[:])
    d2 = np.diff(counts.sum(axis=(0, 1)).astype(float), 2)  # what excess_scatter measures
    assert 1.4826 * np.median(np.abs(d2 / np.sqrt(6 * counts.sum(axis=(0, 1))[1:-1]))) > 2.0
    got = read_cube(write(tmp_path / "nocal.rpl", counts, None))
    assert got.calibration.source == "auto"
    truth, fit = cube.calibration.energy(cube.n_channels), got.calibration.energy(cube.n_channels)
    inside = (truth >= 1.0) & (truth <= 25.0)
    assert np.abs(truth - fit)[inside].max() < cube.calibration.gain
    res = auto_calibrate(cube_from_array(synthetic_cube(-0.4, 0.015, 2048, seed=4)), anode="Rh")
    et, ef = Calibration(-0.4, 0.015).energy(2048), res.calibration.energy(2048)
    assert np.abs(et - ef)[(et >= 1.0) & (et <= 25.0)].max() < 0.015
