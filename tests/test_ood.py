"""The per-scan out-of-distribution check: quiet on cubes like the training data, a plain warning
(with the reason) on scans from outside it."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari import read_cube  # noqa: E402
from xrf_napari._sample_data import sample_path  # noqa: E402
from xrf_napari.analysis.ood import TRAINED, check_scan  # noqa: E402
from xrf_napari.cube import cube_from_array  # noqa: E402


@pytest.fixture(scope="module")
def panel():
    cube = read_cube(sample_path("panel"))
    return np.asarray(cube.data[()]), cube.calibration


def test_quiet_on_a_cube_like_the_training_data(panel):
    data, cal = panel
    report = check_scan(cube_from_array(data, cal, profile={"anode": "Rh", "fwhm_mn_ev": 140.0}))
    assert not report.warn, report.message()
    lo, hi = TRAINED["counts_per_pixel"]
    assert lo < report.counts_per_pixel < hi
    assert "Like the training data" in report.message()


def test_warns_on_an_anode_and_a_resolution_never_trained_on(panel):
    data, cal = panel
    report = check_scan(cube_from_array(data, cal, profile={"anode": "Ag", "fwhm_mn_ev": 230.0}))
    assert report.warn
    text = report.message()
    assert "anode Ag" in text and "230 eV" in text and "unlike" in text


def test_warns_on_count_levels_outside_training(panel):
    data, cal = panel
    report = check_scan(cube_from_array(data.astype(np.float32) * 40, cal))
    assert report.warn and "counts per pixel" in report.message()


def test_warns_on_spectra_the_embedder_cannot_reconstruct(panel):
    """The same counts with the energy axis reversed: no instrument makes such spectra."""
    data, cal = panel
    report = check_scan(cube_from_array(np.ascontiguousarray(data[..., ::-1]), cal))
    assert report.warn and "cannot reconstruct" in report.message(), report.message()


@pytest.mark.parametrize("written", ["rh", "RH", "Rhodium"])
def test_a_rhodium_anode_in_any_spelling_is_not_a_reason(panel, written):
    # Before: "tube anode rh (trained on Rh, W, Cu)" for a rhodium tube.
    data, cal = panel
    report = check_scan(cube_from_array(data, cal, profile={"anode": written}))
    assert not any("anode" in r for r in report.reasons), report.reasons
    silver = check_scan(cube_from_array(data, cal, profile={"anode": "silver"}))
    assert any("anode Ag" in r for r in silver.reasons), silver.reasons


@pytest.mark.parametrize(
    "cut, covered",
    [
        (slice(0, 280), "1.0-15.0 keV"),
        (slice(0, 180), "1.0-10.0 keV"),
        (slice(80, None), "5.0-26.6"),
    ],
)
def test_warns_when_the_scan_covers_only_part_of_the_models_range(panel, cut, covered):
    # Before: the panel cut at 10 or 15 keV, or starting at 5 keV, passed (scores 1.6-2.3).
    from xrf_napari.energy import Calibration

    data, cal = panel
    start = cut.start or 0
    part = Calibration(cal.offset + start * cal.gain, cal.gain, 0.0, "file")
    report = check_scan(cube_from_array(np.ascontiguousarray(data[..., cut]), part))
    assert report.warn
    assert any(f"covers only {covered}" in r and "1-26.6 keV" in r for r in report.reasons), (
        report.reasons
    )


def test_warns_on_spectra_without_peaks():
    # Before: flat Poisson noise at 2000 counts per pixel passed (score 4.4).
    from xrf_napari.energy import Calibration

    rng = np.random.default_rng(0)
    for level in (200, 2000):
        noise = rng.poisson(level / 512, (32, 32, 512)).astype(np.uint16)
        report = check_scan(cube_from_array(noise, Calibration.canonical()))
        assert any("no peaks" in r for r in report.reasons), (level, report.reasons)


def test_the_samples_have_peaks_and_the_full_range(panel):
    from xrf_napari.analysis.ood import MIN_PEAK_CONTRAST, peak_contrast, sample_canonical_pixels

    data, cal = panel
    cube = cube_from_array(data, cal)
    assert peak_contrast(sample_canonical_pixels(cube)) > 10 * MIN_PEAK_CONTRAST
    assert not check_scan(cube).reasons


def test_refuses_a_scan_without_energy_calibration(panel):
    """As the models it reports on (energy.refuse_uncalibrated, cli57): it warned, "channel
    numbers were read as energies", a note only a Python caller could reach."""
    data, _ = panel
    with pytest.raises(ValueError, match="no energy calibration, so its lines cannot be read"):
        check_scan(cube_from_array(data))  # channel numbers, no calibration


def test_bad_values_in_a_file_are_named_not_a_poisson_error(panel, tmp_path):
    # Before: the bounded read skipped the value checks of every other pass, and a NaN reached
    # the Poisson redraw ("lam value too large" or a NaN score), naming no file.
    from xrf_napari.cube import Cube
    from xrf_napari.errors import CubeReadError

    data, cal = panel
    bad = np.asarray(data, dtype=np.float32).copy()
    bad[0, 3, 200] = np.nan  # row 0 is always sampled
    path = tmp_path / "scan.npy"
    np.save(path, bad)
    cube = Cube(np.load(path, mmap_mode="r"), cal, path=path)
    with pytest.raises(CubeReadError, match=r"scan\.npy"):
        check_scan(cube)


@pytest.mark.parametrize("offset, said", [(-0.96, "(-0.9"), (30.0, "(30.0")])
def test_a_scan_wholly_outside_the_models_range_says_so(offset, said):
    # Before: "the scan covers only 1.0-0.9 keV" (both ends clamped to the range, apart)
    from xrf_napari.analysis.ood import coverage_reason
    from xrf_napari.energy import Calibration

    cube = cube_from_array(np.ones((2, 2, 6), np.uint16), Calibration(offset, 0.01, 0.0, "file"))
    why = coverage_reason(cube)
    assert why and said in why and "lies outside the 1-26.6 keV" in why, why
